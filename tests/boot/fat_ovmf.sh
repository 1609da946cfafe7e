#!/usr/bin/env bash
# UEFI firmware (OVMF) reads an EFI system partition image written by
# mklive fat: it finds \EFI\BOOT\BOOTX64.EFI (memtest86+'s EFI binary) on
# the FAT12 image given as a virtio disk, loads it and starts it.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need_file /usr/share/OVMF/OVMF_CODE_4M.fd ovmf
need_file /boot/memtest86+x64.efi memtest86+
export SOURCE_DATE_EPOCH=1700000000
O=$TEST_OUT
rm -rf "$O/esp"; mkdir -p "$O/esp/EFI/BOOT"
cp /boot/memtest86+x64.efi "$O/esp/EFI/BOOT/BOOTX64.EFI"
if ! "$MKLIVE" fat -o "$O/esp.img" --label ESP "$O/esp" 2>"$O/esp.err"; then
	t_fail make-esp "$(cat "$O/esp.err")"; t_done
fi
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$O/vars.fd"
# The marker names the disk's boot option: without a loadable BOOTX64.EFI
# OVMF goes on to its built-in shell ("EFI Internal Shell") instead.
if qemu_boot "$O/ovmf.serial" 'BdsDxe: starting Boot[0-9A-F]* "UEFI Non-Block Boot Device"' 60 \
	-machine q35 -m 256 -net none \
	-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
	-drive if=pflash,format=raw,file="$O/vars.fd" \
	-drive if=virtio,format=raw,file="$O/esp.img"; then
	t_pass ovmf-starts-bootx64-from-fat12
else
	t_fail ovmf-starts-bootx64-from-fat12 "$(tr -d '\033' <"$O/ovmf.serial" | tail -c 300)"
fi
t_done
