#!/usr/bin/env bash
# The embedded default system as `mklive build` makes it
# (tests/lib/uefi_image.sh: isolinux, Debian's signed shim and CD GRUB,
# Debian's kernel) boots to its banner and shell under QEMU TCG on every
# path: SeaBIOS CD and USB, OVMF CD and USB, q35 + OVMF from AHCI, and
# OVMF's Secure Boot firmware with Microsoft's keys from CD and USB, where
# the banner and mklive-init report Secure Boot on and the kernel is
# locked down. Negative control: the same firmware
# refuses the medium when its loader is an unsigned GRUB ("Access Denied"),
# which OVMF without Secure Boot boots. An ESP past 32 MiB (El Torito
# count 0) is found by OVMF too, and Arch's layout (-partition_offset 16,
# the ESP appended as GPT partition 2) boots from USB and CD. Two guests
# run at a time.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/uefi_image.sh"
need qemu-system-x86_64 qemu-system-x86
need_file /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ovmf
need_file /usr/share/OVMF/OVMF_VARS_4M.ms.fd ovmf
uefi_image || { echo "SKIP: $T_SCRIPT ($UEFI_WHY)"; exit 0; }
O=$TEST_OUT
T=${UEFI_BOOT_TIMEOUT:-420}

bios=$UEFI_MARK_BIOS uefi=$UEFI_MARK_UEFI sb=$UEFI_MARK_SB
boots=(
	"bios-cd|bios-cd|$UEFI_ISO|$bios"
	"bios-usb|bios-usb|$UEFI_ISO|$bios"
	"uefi-cd|uefi-cd|$UEFI_ISO|$uefi"
	"uefi-usb|uefi-usb|$UEFI_ISO|$uefi"
	"q35-ahci-cd|q35-cd|$UEFI_ISO|$uefi"
	"secure-boot-cd|sb-cd|$UEFI_ISO|$sb"
	"secure-boot-usb|sb-usb|$UEFI_ISO|$sb"
)
if uefi_unsigned_image; then
	boots+=("unsigned-refused-cd|sb-cd|$UEFI_UNSIGNED|Access Denied"
		"unsigned-refused-usb|sb-usb|$UEFI_UNSIGNED|Access Denied"
		"unsigned-boots-without-sb|uefi-cd|$UEFI_UNSIGNED|$uefi")
else
	t_skip negative-control "$UEFI_WHY"
fi
# an ESP of 40 MiB in the same tree: the El Torito count 0
mkdir -p "$O/big"
if "$MKLIVE" fat -q --esp --size 40M -o "$O/big/efi.img" &&
	"$MKLIVE" iso -quiet -r -J -V MKLIVE_UEFI -c boot/isolinux/boot.cat -b boot/isolinux/isolinux.bin \
		-no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot -e boot/efi.img \
		-no-emul-boot -graft-points -o "$O/big.iso" "/=$UEFI_DIR" "boot/efi.img=$O/big/efi.img"; then
	boots+=("esp-past-32mib-cd|uefi-cd|$O/big.iso|$uefi")
else
	t_fail esp-past-32mib-cd "could not make the image"
fi

# Arch's layout: the ISO from block 16 as GPT partition 1, the ESP
# appended as partition 2 and UEFI's El Torito entry pointing at it
mkdir -p "$O/noesp" && cp -a "$UEFI_DIR/boot" "$UEFI_DIR/live" "$UEFI_DIR/.disk" "$O/noesp/" &&
	rm "$O/noesp/boot/efi.img"
if "$MKLIVE" iso -quiet -r -J -V MKLIVE_UEFI -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
	-c boot/isolinux/boot.cat -b boot/isolinux/isolinux.bin -no-emul-boot -boot-load-size 4 \
	-boot-info-table -partition_offset 16 -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B \
	"$UEFI_DIR/boot/efi.img" -appended_part_as_gpt -eltorito-alt-boot \
	-e --interval:appended_partition_2:all:: -no-emul-boot -o "$O/arch.iso" "$O/noesp"; then
	boots+=("appended-esp-uefi-cd|uefi-cd|$O/arch.iso|$uefi"
		"appended-esp-uefi-usb|uefi-usb|$O/arch.iso|$uefi"
		"partition-offset-bios-usb|bios-usb|$O/arch.iso|$bios")
else
	t_fail appended-esp "could not make the image"
fi

run() { # NAME HOW IMAGE MARKER
	local start=$SECONDS
	if uefi_boot "$O/$1.serial" "$4" "$T" "$2" "$3"; then
		echo "ok $((SECONDS - start))" >"$O/$1.result"
	else
		echo "fail $((SECONDS - start))" >"$O/$1.result"
	fi
}
pids=()
for b in "${boots[@]}"; do
	IFS='|' read -r name how img marker <<<"$b"
	rm -f "$O/$name.result"
	run "$name" "$how" "$img" "$marker" &
	pids+=($!)
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do sleep 1; done
done
wait

for b in "${boots[@]}"; do
	IFS='|' read -r name how img marker <<<"$b"
	read -r res secs <"$O/$name.result" 2>/dev/null || res=fail
	if [ "$res" = ok ]; then
		echo "# $name: $secs s"
		t_pass "$name"
	else
		t_fail "$name" "no '$marker' within $T s: $(tr -d '\033' <"$O/$name.serial" | tr '\r\n' '  ' | tail -c 300)"
	fi
done
# what the Secure Boot runs also show: mklive-init's own line, lockdown
for n in secure-boot-cd secure-boot-usb; do
	[ -s "$O/$n.serial" ] || continue
	check "$n-init-says" grep -qa 'live: booted by UEFI, Secure Boot on' "$O/$n.serial"
	check "$n-lockdown" grep -qa 'Kernel is locked down from EFI Secure Boot' "$O/$n.serial"
done
check uefi-init-says grep -qa 'live: booted by UEFI, Secure Boot off' "$O/uefi-cd.serial"
check bios-init-says grep -qa 'live: booted by BIOS' "$O/bios-cd.serial"
t_done
