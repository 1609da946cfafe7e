#!/usr/bin/env bash
# The main job, end to end: build a small live system and boot it once.
#   scripts/demo.sh MKLIVE OUTDIR
# Makes OUTDIR/demo.iso — Debian's kernel, an initramfs from `mklive initrd`,
# a squashfs root holding busybox, ISOLINUX with a serial console — then
# boots it under QEMU (BIOS, CD-ROM) and waits for the root's login banner.
# With no kernel-based pipeline available it falls back to an ISOLINUX CD
# that boots memtest86+.
set -eu
mklive=${1:?usage: demo.sh MKLIVE OUTDIR}
out=${2:?usage: demo.sh MKLIVE OUTDIR}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
rm -rf "$out"; mkdir -p "$out"
cd=$out/cd
mkdir -p "$cd/boot/isolinux" "$cd/live"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$cd/boot/isolinux/"

say() { printf 'demo: %s\n' "$*" >&2; }
has_cmd() { "$mklive" help 2>/dev/null | grep -q "^  $1 "; }

kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$kernel" ] && has_cmd initrd && has_cmd squashfs; then
	kver=${kernel#/boot/vmlinuz-}
	id=$(printf 'mklive-demo-%s' "$SOURCE_DATE_EPOCH" | sha256sum | cut -c1-16)
	say "root filesystem: busybox"
	root=$out/root
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,root}
	cp /bin/busybox "$root/bin/busybox"
	for a in sh ls cat echo mount uname dmesg poweroff sync; do ln -sf busybox "$root/bin/$a"; done
	cat >"$root/sbin/init" <<'INIT'
#!/bin/sh
echo "mklive demo: the live root is up on $(uname -r)"
echo "mklive demo: root filesystem: $(grep ' / ' /proc/mounts | cut -d' ' -f1,3)"
echo "mklive demo: type 'poweroff -f' to leave"
exec /bin/sh
INIT
	chmod 755 "$root/sbin/init"
	say "squashfs root"
	"$mklive" squashfs "$root" "$cd/live/root.squashfs" -comp xz -quiet
	echo "$id" >"$cd/live/mklive.id"
	say "initramfs for $kver"
	"$mklive" initrd -o "$cd/boot/initrd.img" --kernel-version "$kver" --id "$id"
	cp "$kernel" "$cd/boot/vmlinuz"
	cat >"$cd/boot/isolinux/isolinux.cfg" <<CFG
SERIAL 0 115200
DEFAULT live
TIMEOUT 10
PROMPT 0
LABEL live
  KERNEL /boot/vmlinuz
  INITRD /boot/initrd.img
  APPEND console=ttyS0,115200 live.id=$id quiet no_timer_check
CFG
	marker="mklive demo: the live root is up"
	timeout=120
else
	say "kernel pipeline not available; demo boots memtest86+"
	cp /boot/memtest86+x64.bin "$cd/boot/memtest"
	cat >"$cd/boot/isolinux/isolinux.cfg" <<'CFG'
SERIAL 0 115200
DEFAULT memtest
TIMEOUT 10
PROMPT 0
LABEL memtest
  KERNEL /boot/memtest
  APPEND console=ttyS0,115200
CFG
	marker="Memtest86+"
	timeout=60
fi

say "ISO image"
"$mklive" iso -quiet -r -J -V MKLIVE_DEMO -no-emul-boot -boot-load-size 4 -boot-info-table \
	-b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \
	-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o "$out/demo.iso" "$cd"
say "wrote $out/demo.iso ($(stat -c %s "$out/demo.iso") bytes); booting it in QEMU (TCG)"

log=$out/serial.log
: >"$log"
qemu-system-x86_64 -machine accel=tcg -m 512 -nographic -no-reboot -monitor none \
	-serial "file:$log" -display none -cdrom "$out/demo.iso" >"$out/qemu.log" 2>&1 </dev/null &
pid=$!
for ((i = 0; i < timeout * 5; i++)); do
	grep -qa -- "$marker" "$log" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.2
done
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
if grep -qa -- "$marker" "$log"; then
	grep -ao -- "$marker.*" "$log" | head -n 1 | tr -d "\r" >&2
	say "booted: $out/demo.iso works (serial log: $log)"
	say "run it yourself: qemu-system-x86_64 -m 512 -cdrom $out/demo.iso"
else
	say "the demo ISO did not reach '$marker' within $timeout s; serial log: $log"
	tail -n 20 "$log" >&2
	exit 1
fi
