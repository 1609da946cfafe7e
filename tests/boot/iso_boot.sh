#!/usr/bin/env bash
# The article's mkisofs command line, unchanged but for the program name,
# on a tree with Debian's isolinux.bin, ldlinux.c32 and memtest86+ as the
# kernel: the image boots under QEMU (SeaBIOS, TCG) as a CD, and with
# -isohybrid-mbr also as a hard disk. The serial log must show ISOLINUX's
# banner and Memtest86+.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need_file /usr/lib/ISOLINUX/isolinux.bin isolinux
need_file /usr/lib/ISOLINUX/isohdpfx.bin isolinux
need_file /usr/lib/syslinux/modules/bios/ldlinux.c32 syslinux-common
need_file /boot/memtest86+x64.bin memtest86+
export SOURCE_DATE_EPOCH=1700000000
O=$TEST_OUT
tree=$O/tree
rm -rf "$tree"; mkdir -p "$tree/boot/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$tree/boot/isolinux/"
cp /boot/memtest86+x64.bin "$tree/boot/"
# LINUX, not KERNEL: SYSLINUX would take a .bin file for a boot sector.
cat >"$tree/boot/isolinux/isolinux.cfg" <<'CFG'
SERIAL 0 115200
PROMPT 0
TIMEOUT 1
DEFAULT memtest
LABEL memtest
  LINUX /boot/memtest86+x64.bin
  APPEND console=ttyS0,115200
CFG

booted() { # NAME BANNER QEMU-ARGS...
	local name=$1 banner=$2 log=$O/$1.serial; shift 2
	if qemu_boot "$log" "Memtest86+" 90 "$@" && grep -qa "$banner" "$log"; then
		t_pass "$name"
	else
		t_fail "$name" "serial log: $(tr -d '\033' <"$log" | tr '\r\n' '  ' | tail -c 200)"
	fi
}

cd "$O" || exit 1
if "$MKLIVE" iso -pad -l -r -J -v -V "My KNOPPIX" -no-emul-boot -boot-load-size 4 -boot-info-table -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat -hide-rr-moved -o knoppix.iso tree/ 2>"$O/knoppix.err"; then
	booted cdrom "ISOLINUX 6" -cdrom "$O/knoppix.iso" -boot d
else
	t_fail cdrom "mklive iso: $(cat "$O/knoppix.err")"
fi

if "$MKLIVE" iso -quiet -pad -l -r -J -V "My KNOPPIX" -no-emul-boot -boot-load-size 4 -boot-info-table -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat -hide-rr-moved -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o hybrid.iso tree/ 2>"$O/hybrid.err"; then
	# isolinux reports EHDD when it was started from a disk through isohdpfx
	booted hybrid-disk "ISOLINUX 6.04 [0-9]* EHDD" -drive file="$O/hybrid.iso",format=raw -boot c
else
	t_fail hybrid-disk "mklive iso: $(cat "$O/hybrid.err")"
fi
t_done
