#!/usr/bin/env bash
# live.check on a USB stick (QEMU, TCG, xHCI, SeaBIOS): a clean medium
# passes and boots on; a copy with one byte flipped inside
# /live/root.squashfs is reported by name and the boot stops at the
# rescue shell, without a kernel panic. The guest's MB/s is printed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/live_image.sh"
need qemu-system-x86_64 qemu-system-x86
need xorriso xorriso
need isoinfo genisoimage
need_file /usr/lib/ISOLINUX/isohdpfx.bin isolinux
[ -n "$(debian_kernel)" ] || { echo "SKIP: $T_SCRIPT (needs linux-image-amd64)"; exit 0; }
cd "$TEST_OUT"

if ! live_image live.iso; then
	t_fail image "$(tail -n 3 live_image.log)"; t_done
fi
check sha256sum-accepts sh -c "rm -rf t && xorriso -osirrox on -indev live.iso -extract / t >/dev/null 2>&1 && cd t && sha256sum --quiet -c live/SHA256SUMS"

# one byte flipped in the middle of the root image's data
cp live.iso bad.iso
lba=$(xorriso -indev live.iso -find /live/root.squashfs -exec report_lba -- 2>/dev/null |
	sed -n "s/^File data lba: *0 *, *\([0-9]*\) *, *[0-9]* *, *\([0-9]*\) *,.*/\1 \2/p")
set -- $lba
off=$(($1 * 2048 + $2 / 2))
b=$(od -An -tu1 -j "$off" -N1 bad.iso | tr -d ' ')
printf "$(printf '\\%03o' $(((b ^ 0x10) & 255)))" | dd of=bad.iso bs=1 seek="$off" conv=notrunc status=none
check flipped sh -c "! cmp -s live.iso bad.iso"

stick() { echo -device qemu-xhci,id=xhci -drive if=none,id=stick,file=$1,format=raw -device usb-storage,bus=xhci.0,drive=stick,bootindex=0; }

qemu_serial_start good.log $(stick live.iso)
if serial_wait "boot:" 120; then
	sleep 1; serial_type "live live.check no_timer_check"
	if serial_wait "type 'poweroff' to leave" 300; then t_pass clean-boots-on; else t_fail clean-boots-on "log good.log"; fi
else t_fail clean-boots-on "no isolinux prompt"; fi
qemu_serial_stop
check clean-passes grep -qa "medium check passed: all [0-9]* files are correct" good.log
check clean-progress grep -qa "checking the medium: 100%" good.log
rate=$(grep -ao "medium check passed.*" good.log | tr -d '\r' | sed -n 's/.*, \([0-9.]*\) MB\/s).*/\1/p' | head -n 1)
echo "INFO: $T_SCRIPT: medium check in the guest (TCG, usb-storage): ${rate:-?} MB/s"

qemu_serial_start bad.log $(stick bad.iso)
if serial_wait "boot:" 120; then
	sleep 1; serial_type "live live.check no_timer_check"
	serial_wait "starting a shell" 300
	sleep 5
fi
qemu_serial_stop
check damaged-named grep -qa "medium check FAILED: /live/root.squashfs does not match its SHA-256 checksum" bad.log
check damaged-said grep -qa "is damaged" bad.log
check damaged-stops-at-shell grep -qa "the medium is damaged: starting a shell" bad.log
if grep -qa "Kernel panic" bad.log; then t_fail damaged-no-panic; else t_pass damaged-no-panic; fi
if grep -qa "type 'poweroff' to leave" bad.log; then t_fail damaged-not-booted "the damaged medium booted on"; else t_pass damaged-not-booted; fi
t_done
