#!/usr/bin/env bash
# The boot menu a build renders (isolinux.cfg and grub.cfg): the built-in
# entries are chosen by name, so a build on a machine without a static
# busybox leaves out exactly the rescue-shell entry and says so.
source "$TESTS_DIR/lib/common.sh"
need isoinfo genisoimage
need unshare util-linux
need_root
build_test_setup

# ---- no static busybox: the build looks for /bin/busybox, so a dynamic
# program is mounted over it in a private mount namespace ------------------
mkdir -p droot/sbin droot/bin droot/etc
cp /bin/busybox droot/bin/busybox && ln -sf /bin/busybox droot/sbin/init
unshare -m sh -c "mount --bind /bin/true /bin/busybox && exec '$MKLIVE' build -v --timeout 1 --no-cache --root droot -o nobb.iso" 2>nobb.log
check nobb-build test -s nobb.iso
isoinfo -R -i nobb.iso -x /boot/isolinux/isolinux.cfg >nobb.isolinux
labels=$(awk '$1 == "LABEL" { printf "%s ", $2 }' nobb.isolinux)
# the built-ins but shell; memtest86+ when this machine has it; no language
# entries (the root generates no locales); fwsetup is GRUB's only
mt=; [ -f /boot/memtest86+x64.bin ] && mt="memtest "
[ "$labels" = "live toram persist check debug safe $mt" ] && t_pass nobb-isolinux-entries || t_fail nobb-isolinux-entries "$labels"
grep -q 'live.check' nobb.isolinux && ! grep -q 'live.shell' nobb.isolinux &&
	t_pass nobb-isolinux-cmdlines || t_fail nobb-isolinux-cmdlines
if isoinfo -R -f -i nobb.iso | grep -q '^/boot/grub/grub.cfg$'; then
	isoinfo -R -i nobb.iso -x /boot/grub/grub.cfg >nobb.grub
	ids=$(sed -n "s/^menuentry .* --id='\([a-z]*\)'.*/\1/p" nobb.grub | tr '\n' ' ')
	[ "$ids" = "live toram persist check debug safe fwsetup " ] && t_pass nobb-grub-entries || t_fail nobb-grub-entries "$ids"
	grep -q 'live.check' nobb.grub && ! grep -q 'live.shell' nobb.grub &&
		t_pass nobb-grub-cmdlines || t_fail nobb-grub-cmdlines
else
	t_skip nobb-grub "no UEFI on this machine (shim-signed, grub-efi-amd64-signed)"
fi
grep -q "no static busybox on this machine" nobb.log && grep -q "leaving out the 'shell' entry" nobb.log &&
	! grep -q "leaving out the '[^s]" nobb.log && t_pass nobb-log || t_fail nobb-log "$(grep -i 'leaving out\|busybox' nobb.log)"

# ---- with busybox: every built-in entry, in the order Entries gives --------
"$MKLIVE" build -q --timeout 1 --no-cache --root droot --set 'Boot.Entries=shell check live' -o bb.iso
isoinfo -R -i bb.iso -x /boot/isolinux/isolinux.cfg >bb.isolinux
labels=$(awk '$1 == "LABEL" { printf "%s ", $2 }' bb.isolinux)
[ "$labels" = "shell check live " ] && t_pass entries-order || t_fail entries-order "$labels"
grep -q 'live.shell' bb.isolinux && t_pass shell-entry || t_fail shell-entry
t_done
