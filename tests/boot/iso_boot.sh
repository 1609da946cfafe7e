#!/usr/bin/env bash
# The article's mkisofs command line, unchanged but for the program name,
# on a tree with Debian's isolinux.bin, ldlinux.c32 and memtest86+ as the
# kernel: the image boots under QEMU (SeaBIOS, TCG) as a CD, and with
# -isohybrid-mbr also as a hard disk. The serial log must show ISOLINUX's
# banner and Memtest86+. The hybrid image also carries an EFI El Torito
# entry (-eltorito-alt-boot -e, a FAT image made by mklive fat holding
# memtest86+x64.efi as EFI/BOOT/BOOTX64.EFI): OVMF must start it from the CD.
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

efi=()
ovmf=/usr/share/OVMF/OVMF_CODE_4M.fd
if [ -e /boot/memtest86+x64.efi ] && [ -e "$ovmf" ] && "$MKLIVE" fat --help >/dev/null 2>&1; then
	rm -rf "$O/esp"; mkdir -p "$O/esp/EFI/BOOT"
	cp /boot/memtest86+x64.efi "$O/esp/EFI/BOOT/BOOTX64.EFI"
	"$MKLIVE" fat -o "$tree/boot/efi.img" --size 1440K "$O/esp" && efi=(-eltorito-alt-boot -e boot/efi.img -no-emul-boot)
fi
if "$MKLIVE" iso -quiet -pad -l -r -J -V "My KNOPPIX" -no-emul-boot -boot-load-size 4 -boot-info-table -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat -hide-rr-moved "${efi[@]}" -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o hybrid.iso tree/ 2>"$O/hybrid.err"; then
	# isolinux reports EHDD when it was started from a disk through isohdpfx
	booted hybrid-disk "ISOLINUX 6.04 [0-9]* EHDD" -drive file="$O/hybrid.iso",format=raw -boot c
	if [ ${#efi[@]} -gt 0 ]; then
		cp /usr/share/OVMF/OVMF_VARS_4M.fd "$O/vars.fd"
		log=$O/uefi-cdrom.serial
		# OVMF says "starting" only once it has loaded the EFI image from the
		# El Torito entry ("failed to load ... Not Found" otherwise)
		if qemu_boot "$log" 'BdsDxe: starting Boot[0-9]* "UEFI QEMU DVD-ROM' 90 \
			-drive if=pflash,format=raw,readonly=on,file="$ovmf" -drive if=pflash,format=raw,file="$O/vars.fd" \
			-cdrom "$O/hybrid.iso"; then
			t_pass uefi-cdrom
		else
			t_fail uefi-cdrom "serial log: $(tr -d '\033' <"$log" | tr '\r\n' '  ' | tail -c 300)"
		fi
	else
		t_skip uefi-cdrom "needs OVMF (ovmf), memtest86+x64.efi and mklive fat"
	fi
else
	t_fail hybrid-disk "mklive iso: $(cat "$O/hybrid.err")"
fi
t_done
