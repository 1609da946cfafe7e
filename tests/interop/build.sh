#!/usr/bin/env bash
# mklive build without booting: settings (mklive.conf, the command line,
# --print-config, errors with file:line), what lands on the medium read
# back with the reference tools (isoinfo, xorriso, unsquashfs, tar), the
# customisation of the root, reproducibility, and bad input leaving nothing.
source "$TESTS_DIR/lib/common.sh"
need isoinfo genisoimage
need unsquashfs squashfs-tools
need xorriso xorriso
build_test_setup
q=(-q --timeout 1)

# ---- settings ------------------------------------------------------------
cat >mk.conf <<'CONF'
# a comment
[Root]
Hostname = kiosk
Remove = /etc/os-release
[Live]
Compression = xz
[Boot]
Timeout = 3
Append = no_timer_check
[Entry memtest]
Title = Memory test
Kernel = /boot/memtest86+x64.bin
Append = console=ttyS0,115200
[Output]
VolumeId = KIOSK
CONF
"$MKLIVE" build -c mk.conf --set Live.Level=3 --compression zstd --print-config >cfg.txt 2>cfg.err
check print-config-exit test -s cfg.txt
grep -q '^Hostname = kiosk    # mk.conf:3: Hostname$' cfg.txt && t_pass print-config-file-line || t_fail print-config-file-line "$(grep Hostname cfg.txt)"
grep -q '^Compression = zstd    # --compression$' cfg.txt && t_pass print-config-cli-overrides || t_fail print-config-cli-overrides "$(grep '^Compression' cfg.txt)"
grep -q '^Level = 3    # --set Live.Level$' cfg.txt && t_pass print-config-set || t_fail print-config-set "$(grep '^Level' cfg.txt)"
grep -q '^RootFormat = squashfs    # default$' cfg.txt && t_pass print-config-default || t_fail print-config-default
grep -q '^\[Entry memtest\]' cfg.txt && t_pass print-config-entry || t_fail print-config-entry
"$MKLIVE" build --profile article --print-config >art.txt
grep -q '^RootFormat = cloop    # profile article$' art.txt && grep -q '^Writable = tgz    # profile article$' art.txt &&
	t_pass print-config-profile || t_fail print-config-profile "$(grep -E '^(RootFormat|Writable)' art.txt)"

printf '[Live]\nCompresion = xz\n' >bad1.conf
expect_fail conf-unknown-key "bad1.conf:2: Compresion: unknown key 'Compresion' in \[Live\]" out.iso "$MKLIVE" build -c bad1.conf -o out.iso
printf '[Live]\n\nCompression = brotli\n' >bad2.conf
expect_fail conf-bad-value "bad2.conf:3: Compression: 'brotli' is not one of zstd|xz|gzip|zlib|lz4" out.iso "$MKLIVE" build -c bad2.conf -o out.iso
printf '[Nope]\nA = b\n' >bad3.conf
expect_fail conf-unknown-section "bad3.conf:1: unknown section \[Nope\]" out.iso "$MKLIVE" build -c bad3.conf -o out.iso
printf '[Boot]\njust words\n' >bad4.conf
expect_fail conf-syntax "bad4.conf:2: expected KEY = VALUE" out.iso "$MKLIVE" build -c bad4.conf -o out.iso
printf '[Boot]\nTimeout = soon\n' >bad5.conf
expect_fail conf-bad-number "bad5.conf:2: Timeout: 'soon' is not a number" out.iso "$MKLIVE" build -c bad5.conf -o out.iso
expect_fail conf-missing-file "nothere.conf" out.iso "$MKLIVE" build -c nothere.conf -o out.iso
expect_fail conf-bad-set "--set Live.Nope: unknown key 'Nope'" out.iso "$MKLIVE" build --set Live.Nope=1 -o out.iso
expect_fail conf-cloop-zstd "Compression zstd: cloop has zlib, xz, lz4" out.iso "$MKLIVE" build --root-format cloop -o out.iso

# ---- bad input: nothing at the destination --------------------------------
mkdir -p noinit/etc noinit/bin
echo x >noinit/etc/x
expect_fail no-init "the root has no /sbin/init" out.iso "$MKLIVE" build "${q[@]}" --root noinit -o out.iso
expect_fail missing-kernel "Kernel /nonexistent/vmlinuz" out.iso "$MKLIVE" build "${q[@]}" --kernel /nonexistent/vmlinuz -o out.iso
echo notakernel >fake-vmlinuz
expect_fail not-a-kernel "not a Linux bzImage" out.iso "$MKLIVE" build "${q[@]}" --kernel fake-vmlinuz -o out.iso
check given-kernel-version "$MKLIVE" build -q --no-cache --kernel "$kernel" -o given.iso
expect_fail kernel-directory "Kernel /boot: not a regular file (a directory)" out.iso "$MKLIVE" build -q --kernel /boot -o out.iso
expect_fail kernel-device "Kernel /dev/null: not a regular file (a character device)" out.iso "$MKLIVE" build -q --kernel /dev/null -o out.iso
echo 'not a kernel' >text-vmlinuz
expect_fail kernel-not-bzimage "Kernel text-vmlinuz: not a Linux bzImage" out.iso \
	"$MKLIVE" build -q --no-uefi --kernel text-vmlinuz --set Kernel.Version="$(basename "$kernel" | sed 's/^vmlinuz-//')" -o out.iso
expect_fail missing-root "Root.Source $TEST_OUT/missing" out.iso "$MKLIVE" build "${q[@]}" --root "$TEST_OUT/missing" -o out.iso
expect_fail bad-default "Default nope: no such menu entry" out.iso "$MKLIVE" build "${q[@]}" --set Boot.Default=nope -o out.iso
expect_fail bad-entries "Entries bogus: not a built-in entry" out.iso "$MKLIVE" build "${q[@]}" --set Boot.Entries=bogus -o out.iso
ls -A | grep -q 'mklive-build' && t_fail no-temp-left "$(ls -A | grep mklive-build)" || t_pass no-temp-left

# ---- the default system, customised ----------------------------------------
mkdir -p ov/etc/motd.d ov/usr/local/bin
echo "welcome to the kiosk" >ov/etc/motd
printf '#!/bin/sh\necho kiosk-tool\n' >ov/usr/local/bin/kiosk-tool
chmod 755 ov/usr/local/bin/kiosk-tool
chown 12345:12345 ov/etc/motd 2>/dev/null
check build-custom "$MKLIVE" build -q -c mk.conf --overlay ov --set 'Root.Attr=/etc/motd 0600 0 0' -o custom.iso
check custom-iso-valid xorriso -indev custom.iso -check_media -- 
isoinfo -R -l -i custom.iso >custom.ls 2>/dev/null
for f in /boot/vmlinuz /boot/initrd.img /live/root.squashfs /live/mklive.id /boot/isolinux/isolinux.cfg \
	/boot/isolinux/isolinux.bin /boot/isolinux/ldlinux.c32 /boot/entries/memtest/kernel; do
	isoinfo -R -i custom.iso -x "$f" >/dev/null 2>&1 && [ -n "$(isoinfo -R -i custom.iso -x "$f" | head -c 1)" ] ||
		t_fail "medium-has-$f"
done
t_pass medium-files
isoinfo -d -i custom.iso | grep -q '^Volume id: KIOSK' && t_pass volume-id || t_fail volume-id "$(isoinfo -d -i custom.iso | grep 'Volume id')"
isoinfo -R -i custom.iso -x /boot/isolinux/isolinux.cfg >isolinux.cfg
id=$(isoinfo -R -i custom.iso -x /live/mklive.id)
grep -q "APPEND live.id=$id console=ttyS0,115200 console=tty0 no_timer_check quiet$" isolinux.cfg && t_pass cmdline ||
	t_fail cmdline "$(grep APPEND isolinux.cfg | head -n 1)"
grep -q '^TIMEOUT 30$' isolinux.cfg && grep -q '^SERIAL 0 115200$' isolinux.cfg && grep -q '^LABEL memtest$' isolinux.cfg &&
	t_pass isolinux-cfg || t_fail isolinux-cfg
cmp -s <(isoinfo -R -i custom.iso -x /boot/vmlinuz) "$kernel" && t_pass kernel-bytes || t_fail kernel-bytes
# /live/SHA256SUMS: sha256sum accepts it on the files isoinfo reads; mklive
# check verifies the image in place, and names a damaged file
isoinfo -R -i custom.iso -x /live/SHA256SUMS >sums.txt
mkdir -p sums && while read -r h f; do mkdir -p "sums/$(dirname "$f")"; isoinfo -R -i custom.iso -x "/$f" >"sums/$f"; done <sums.txt
(cd sums && sha256sum --quiet -c ../sums.txt) && ! grep -q isolinux.bin sums.txt && t_pass sha256sums || t_fail sha256sums
check check-image "$MKLIVE" check -q custom.iso
cp custom.iso damaged.iso
lba=$(isoinfo -R -l -i custom.iso | awk '/ root.squashfs *$/ { gsub(/[][]/, "", $10); print $10; exit }')
printf 'X' | dd of=damaged.iso bs=1 seek=$((lba * 2048 + 4321)) conv=notrunc status=none
expect_fail check-damaged "/live/root.squashfs differs (damaged); the medium is damaged" "" "$MKLIVE" check damaged.iso
cmp -s <(isoinfo -R -i custom.iso -x /boot/entries/memtest/kernel) /boot/memtest86+x64.bin && t_pass entry-kernel || t_fail entry-kernel
isoinfo -R -i custom.iso -x /live/root.squashfs >root.sqfs
unsquashfs -s root.sqfs | grep -q 'Compression xz' && t_pass root-compression || t_fail root-compression
unsquashfs -lln root.sqfs >root.ls
grep -q ' 0/0 .* squashfs-root/etc/motd$' root.ls && grep -q '^-rw------- ' <(grep '/etc/motd$' root.ls) &&
	t_pass overlay-owner-attr || t_fail overlay-owner-attr "$(grep /etc/motd root.ls)"
grep -q '^-rwxr-xr-x 0/0 .* squashfs-root/usr/local/bin/kiosk-tool$' root.ls && t_pass overlay-exec || t_fail overlay-exec
grep -q 'etc/os-release' root.ls && t_fail remove || t_pass remove
unsquashfs -cat root.sqfs etc/hostname | grep -qx kiosk && t_pass hostname || t_fail hostname
grep -q '^lrwxrwxrwx 0/0 .* squashfs-root/sbin/init -> /bin/busybox$' root.ls && t_pass default-init || t_fail default-init
# the hybrid layout of Debian's images: isolinux's MBR code, a protective
# entry and the ESP in the MBR, the ESP in a GPT that sgdisk finds valid
check isohybrid-mbr-code cmp -n 432 /usr/lib/ISOLINUX/isohdpfx.bin custom.iso
sfdisk --label-nested dos --dump custom.iso >custom.mbr 2>&1
grep -Eq 'type=ee, bootable' custom.mbr && grep -Eq 'type=ef$' custom.mbr && t_pass isohybrid-mbr ||
	t_fail isohybrid-mbr "$(tail -n 3 custom.mbr)"
if command -v sgdisk >/dev/null; then
	sgdisk -v custom.iso >custom.sgdisk 2>&1
	check gpt-valid grep -q '^No problems found' custom.sgdisk
	check gpt-esp bash -c "sgdisk -i 1 custom.iso | grep -q 'EFI system partition'"
else
	t_skip gpt-valid "needs sgdisk (gdisk)"
fi

# ---- reproducible, from different directories --------------------------------
mkdir -p a b
(cd a && "$MKLIVE" build -q -o live.iso) && (cd b && "$MKLIVE" build -q -c ../mk.conf --set Output.VolumeId=MKLIVE --set Root.Hostname=mklive --set Root.Remove= --set Live.Compression=zstd --set Boot.Timeout=5 --set Boot.Append= -o live.iso)
ha=$(sha256sum <a/live.iso | cut -c1-64)
(cd b && "$MKLIVE" build -q -o live.iso)
hb=$(sha256sum <b/live.iso | cut -c1-64)
[ -n "$ha" ] && [ "$ha" = "$hb" ] && t_pass reproducible || t_fail reproducible "$ha != $hb"

# ---- rebuilding with the block cache: only what changed is compressed ---------
mkdir -p droot/sbin droot/etc droot/bin
cp /bin/busybox droot/bin/busybox && ln -sf /bin/busybox droot/sbin/init
head -c 3000000 /dev/urandom | base64 >droot/etc/big.txt
echo one >droot/etc/small
"$MKLIVE" build -v --root droot --cache-dir cache -o r1.iso 2>r1.log
echo two >droot/etc/small
touch droot/etc/big.txt
"$MKLIVE" build -v --root droot --cache-dir cache -o r2.iso 2>r2.log
"$MKLIVE" build -q --root droot --no-cache -o r3.iso
cmp -s r2.iso r3.iso && t_pass cache-same-bytes || t_fail cache-same-bytes
grep -q 'block cache: [1-9][0-9]* blocks reused, [1-9] compressed' r2.log && t_pass cache-reuses ||
	t_fail cache-reuses "$(grep 'block cache' r2.log)"
cmp -s r1.iso r2.iso && t_fail cache-rebuild-changed "the change is not in the image" || t_pass cache-rebuild-changed

# ---- UEFI: efi.img with Debian's signed chain, its El Torito entry, grub.cfg ------
if [ -e /usr/lib/shim/shimx64.efi.signed ] && [ -e /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed ]; then
	xorriso -indev custom.iso -report_el_torito plain >custom.et 2>/dev/null
	check uefi-et-entries bash -c "grep -Eq '^El Torito boot img : +1 +BIOS' custom.et && \
		grep -Eq '^El Torito boot img : +2 +UEFI .* $(($(isoinfo -R -i custom.iso -x /boot/efi.img | wc -c) / 512)) ' custom.et"
	isoinfo -R -i custom.iso -x /boot/efi.img >custom.esp
	check uefi-esp-fsck fsck.fat -n custom.esp
	check uefi-esp-shim cmp <(mtype -i custom.esp ::/EFI/boot/bootx64.efi) /usr/lib/shim/shimx64.efi.signed
	check uefi-esp-grub cmp <(mtype -i custom.esp ::/EFI/boot/grubx64.efi) /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed
	check uefi-esp-no-kernel bash -c "[ \$(wc -c <custom.esp) -lt 8000000 ]"
	check uefi-disk-info bash -c "isoinfo -R -i custom.iso -x /.disk/info | grep -q '^KIOSK (mklive'"
	# the same menu: one GRUB entry per isolinux LABEL, the same command lines
	isoinfo -R -i custom.iso -x /boot/isolinux/isolinux.cfg >custom.isolinux
	isoinfo -R -i custom.iso -x /boot/grub/grub.cfg >custom.grub
	# (memtest86+'s 16-bit .bin has no GRUB entry on UEFI)
	diff <(awk '/^ *APPEND/ { $1 = ""; sub(/^ /, ""); print }' custom.isolinux | grep -vx 'console=ttyS0,115200') \
		<(awk '$1 == "linux" || $1 == "linux16" { $1 = ""; $2 = ""; sub(/^  /, ""); print }' custom.grub) >menu.diff &&
		t_pass uefi-grub-same-cmdlines || t_fail uefi-grub-same-cmdlines "$(head -c 300 menu.diff)"
	check uefi-grub-default grep -qx "set default='live'" custom.grub
	check uefi-grub-timeout grep -qx 'set timeout=3' custom.grub
	check uefi-grub-serial grep -qx 'serial --unit=0 --speed=115200' custom.grub
	check uefi-grub-memtest-left-out grep -q 'memtest' custom.grub
	# --no-uefi: BIOS only, the isohybrid MBR of before, no GPT
	"$MKLIVE" build "${q[@]}" --no-cache --no-uefi -o bios.iso
	xorriso -indev bios.iso -report_el_torito plain >bios.et 2>/dev/null
	check no-uefi-one-entry bash -c "grep -c '^El Torito boot img' bios.et | grep -qx 1"
	# /boot/grub/loopback.cfg stays: GRUB on BIOS multiboot sticks reads it too
	check no-uefi-no-esp bash -c "! isoinfo -R -f -i bios.iso | grep -q -e '^/boot/efi.img' -e '^/boot/grub/grub.cfg' -e '^/.disk'"
	check no-uefi-loopback-cfg bash -c "isoinfo -R -f -i bios.iso | grep -qx /boot/grub/loopback.cfg"
	check no-uefi-mbr bash -c "sfdisk -d bios.iso 2>/dev/null | grep -q 'type=17\|type=0'"
	# a kernel without an EFI stub: the bzImage with its "MZ" taken away
	{ printf 'XX'; tail -c +3 "$kernel"; } >nostub-vmlinuz
	expect_fail uefi-kernel-no-stub "nostub-vmlinuz: no EFI stub" out.iso \
		"$MKLIVE" build "${q[@]}" --kernel nostub-vmlinuz -o out.iso
	"$MKLIVE" build --timeout 1 --no-cache --uefi auto --kernel nostub-vmlinuz -o auto.iso 2>auto.err
	check uefi-auto-falls-back bash -c "grep -q 'boots on BIOS only (--uefi auto)' auto.err && \
		! isoinfo -R -f -i auto.iso | grep -q '^/boot/efi.img'"
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
		for hide in /usr/lib/shim:shim-signed /usr/lib/grub/x86_64-efi-signed:grub-efi-amd64-signed; do
			dir=${hide%%:*} pkg=${hide#*:}
			expect_fail "uefi-without-$pkg" "UEFI boot (Boot.UEFI yes; --no-uefi .*Debian package $pkg" out.iso \
				unshare -m sh -c "mount -t tmpfs none '$dir' && exec '$MKLIVE' build -q --timeout 1 -o out.iso"
		done
	else
		t_skip uefi-without-packages "needs root and unshare"
	fi
else
	t_skip uefi "needs shim-signed and grub-efi-amd64-signed"
fi

# ---- the article's profile (cloop needs the module built from cloop-src) ----------
kver=${kernel#/boot/vmlinuz-}
if ko=$(BUILD=$BUILD "$TESTS_DIR/lib/build_cloop_ko.sh" "$kver" 2>cloopko.err); then
	check build-article "$MKLIVE" build -q --profile article --add-module "$ko" -o article.iso
	isoinfo -R -i article.iso -x /live/root.cloop >root.cloop
	extract_compressed_fs root.cloop root.inner.iso >/dev/null 2>&1 && isoinfo -R -l -i root.inner.iso | grep -q ' init -> /bin/busybox' &&
		t_pass article-cloop-inner-iso || t_fail article-cloop-inner-iso
	isoinfo -R -i article.iso -x /live/root_fs.tgz | tar tzf - >tgz.ls && grep -qx 'etc/passwd' tgz.ls && grep -qx 'root/' tgz.ls &&
		t_pass article-root-fs-tgz || t_fail article-root-fs-tgz "$(head -n 3 tgz.ls)"
	isoinfo -R -i article.iso -x /boot/isolinux/isolinux.cfg | grep -q 'live.writable=tgz' && t_pass article-cmdline || t_fail article-cmdline
else
	t_skip article "$(cat cloopko.err)"
fi
expect_fail article-no-cloop-module "build it from cloop-src" art2.iso "$MKLIVE" build -q --profile article -o art2.iso
t_done
