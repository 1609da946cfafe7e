#!/usr/bin/env bash
# Remastering in place: the root of a live CD read from an image made by a
# reference tool (an xorriso ISO 9660 with Rock Ridge), plus one overlay
# file, rebuilt into a new medium by `mklive build --root old.iso`, with no
# extraction and no root privileges; the medium boots under QEMU (SeaBIOS,
# CD) and the booted system prints the overlay file.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need xorriso xorriso
need_file /bin/busybox busybox-static
kernel=$(debian_kernel)
[ -n "$kernel" ] || { echo "SKIP: $T_SCRIPT (needs linux-image-amd64)"; exit 0; }
T=$TEST_OUT
rm -rf "$T/root" "$T/ov" "$T"/*.iso
mkdir -p "$T/root/bin" "$T/root/sbin" "$T/root/etc" "$T/ov/etc"
cp /bin/busybox "$T/root/bin/busybox"
ln -s busybox "$T/root/bin/sh"
ln -s /bin/busybox "$T/root/sbin/init"
cat >"$T/root/show" <<'SH'
#!/bin/sh
/bin/busybox echo "REMASTER: $(/bin/busybox cat /etc/remaster-marker) + $(/bin/busybox cat /etc/original)"
/bin/busybox poweroff -f
SH
chmod 755 "$T/root/show"
echo "from the original image" >"$T/root/etc/original"
xorriso -as mkisofs -quiet -R -o "$T/old.iso" "$T/root" 2>/dev/null
echo "overlay file of the remastered medium" >"$T/ov/etc/remaster-marker"

kver=$(basename "$kernel" | sed 's/^vmlinuz-//')
if ! "$MKLIVE" build -q --root "$T/old.iso" --overlay "$T/ov" --kernel "$kernel" --set "Kernel.Version=$kver" \
	--append "live.init=/show console=ttyS0,115200" -o "$T/new.iso" 2>"$T/build.err"; then
	t_fail build "$(tail -n 3 "$T/build.err")"
	t_done
fi
t_pass build
check medium-parts bash -c "'$MKLIVE' info '$T/new.iso' | grep -q '^root image: /live/root' && '$MKLIVE' info '$T/new.iso' | grep -q '^kernel: /boot/vmlinuz'"
log=$T/boot.serial
if qemu_boot "$log" "REMASTER: overlay file of the remastered medium + from the original image" 240 -cdrom "$T/new.iso" -boot d; then
	t_pass boots-and-shows-the-overlay
else
	t_fail boots-and-shows-the-overlay "no marker in $log: $(tail -c 400 "$log" | tr -d '\r')"
fi
t_done
