# The medium of the UEFI tests and benchmark (sourced): `mklive build` of
# the embedded default system with Debian's kernel, isolinux and Debian's
# signed UEFI chain, as a user gets it (both El Torito entries, the
# isohybrid MBR and the GPT, one menu as isolinux.cfg and grub.cfg), its
# default entry the debug one so the kernel's messages (lockdown) reach
# the serial log. Built once per mklive binary under
# $BUILD/test-out/cache/uefi, with a lock, so boot tests running at once
# share one image; its tree is extracted beside it for the images made
# from the same files.
#
#   uefi_image            sets UEFI_ISO, UEFI_DIR (the tree), UEFI_KERNEL,
#                         UEFI_ID; returns 1 with UEFI_WHY when it cannot
#   uefi_anchor_image     also UEFI_ANCHOR: the same tree through xorriso
#                         (-isohybrid-mbr ... -e ... -isohybrid-gpt-basdat)
#   uefi_unsigned_image   UEFI_UNSIGNED: the same with GRUB from
#                         grub-mkstandalone (unsigned) as bootx64.efi
#
# The default system's banner says "booted: BIOS", "booted: UEFI, Secure
# Boot on" or "... off" (UEFI_MARK_*); mklive-init itself says
# "live: booted by ...".

UEFI_MARK_BIOS="booted: BIOS"
UEFI_MARK_UEFI="booted: UEFI, Secure Boot off"
UEFI_MARK_SB="booted: UEFI, Secure Boot on"

uefi_need() { # sets UEFI_WHY and fails when a piece is missing
	local f
	for f in /usr/lib/shim/shimx64.efi.signed:shim-signed /usr/lib/shim/mmx64.efi.signed:shim-signed \
		/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed:grub-efi-amd64-signed \
		/usr/lib/ISOLINUX/isolinux.bin:isolinux /usr/lib/ISOLINUX/isohdpfx.bin:isolinux \
		/usr/lib/syslinux/modules/bios/ldlinux.c32:syslinux-common /bin/busybox:busybox-static; do
		[ -e "${f%%:*}" ] || { UEFI_WHY="needs ${f%%:*} from the Debian package ${f#*:}"; return 1; }
	done
	UEFI_KERNEL=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$UEFI_KERNEL" ] || { UEFI_WHY="needs a kernel from linux-image-amd64"; return 1; }
	return 0
}

uefi_image() {
	uefi_need || return 1
	export SOURCE_DATE_EPOCH=1700000000
	UEFI_ID=mklive-uefi-test
	local cache=$BUILD/test-out/cache/uefi
	local stamp
	stamp=$( (sha256sum "$MKLIVE" "$UEFI_KERNEL" /usr/lib/shim/shimx64.efi.signed \
		/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed; echo v4) | sha256sum | cut -c1-16)
	UEFI_DIR=$cache/cd
	UEFI_ISO=$cache/uefi.iso
	mkdir -p "$cache"
	(
		flock 9
		[ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ] && [ -s "$UEFI_ISO" ] && exit 0
		rm -rf "$cache/stamp" "$UEFI_ISO" "$UEFI_DIR"
		"$MKLIVE" build -q --no-cache -o "$UEFI_ISO" -k "$UEFI_KERNEL" --volume-id MKLIVE_UEFI \
			--set Live.Id="$UEFI_ID" --set Boot.Default=debug --timeout 2 \
			--append "no_timer_check panic=-1" || exit 1
		"$MKLIVE" extract -q "$UEFI_ISO" "$UEFI_DIR" || exit 1
		rm -f "$UEFI_DIR/boot/isolinux/boot.cat"
		echo "$stamp" >"$cache/stamp"
	) 9>"$cache/lock" || { UEFI_WHY="building the test medium failed (see above)"; return 1; }
}

# The anchor: the same tree and efi.img through xorriso, Debian's command line.
uefi_anchor_image() {
	uefi_image || return 1
	command -v xorriso >/dev/null || { UEFI_WHY="needs xorriso"; return 1; }
	UEFI_ANCHOR=$BUILD/test-out/cache/uefi/anchor.iso
	(
		flock 9
		[ -s "$UEFI_ANCHOR" ] && [ "$UEFI_ANCHOR" -nt "$UEFI_ISO" ] && exit 0
		xorriso -as mkisofs -quiet -r -J -V MKLIVE_UEFI -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
			-c boot/isolinux/boot.cat -b boot/isolinux/isolinux.bin -no-emul-boot \
			-boot-load-size 4 -boot-info-table -eltorito-alt-boot -e boot/efi.img -no-emul-boot \
			-isohybrid-gpt-basdat -o "$UEFI_ANCHOR" "$UEFI_DIR" >/dev/null 2>&1
	) 9>"$BUILD/test-out/cache/uefi/lock" || { UEFI_WHY="xorriso failed"; return 1; }
}

# The negative control: an unsigned GRUB as the removable-media loader.
uefi_unsigned_image() {
	uefi_image || return 1
	command -v grub-mkstandalone >/dev/null && [ -d /usr/lib/grub/x86_64-efi ] ||
		{ UEFI_WHY="needs grub-mkstandalone from grub-efi-amd64-bin"; return 1; }
	local c=$BUILD/test-out/cache/uefi
	UEFI_UNSIGNED=$c/unsigned.iso
	(
		flock 9
		[ -s "$UEFI_UNSIGNED" ] && [ "$UEFI_UNSIGNED" -nt "$UEFI_ISO" ] && exit 0
		rm -rf "$c/unsigned" && mkdir -p "$c/unsigned/EFI/boot"
		printf 'search --file --set=root /.disk/info\nconfigfile /boot/grub/grub.cfg\n' >"$c/unsigned.cfg"
		grub-mkstandalone -O x86_64-efi -o "$c/unsigned/EFI/boot/bootx64.efi" \
			"boot/grub/grub.cfg=$c/unsigned.cfg" >/dev/null 2>&1 || exit 1
		"$MKLIVE" fat -q -o "$c/unsigned-efi.img" "$c/unsigned" || exit 1
		"$MKLIVE" iso -quiet -r -J -V MKLIVE_UEFI -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
			-c boot/isolinux/boot.cat -b boot/isolinux/isolinux.bin -no-emul-boot \
			-boot-load-size 4 -boot-info-table -eltorito-alt-boot -e boot/efi.img -no-emul-boot \
			-isohybrid-gpt-basdat -graft-points -o "$UEFI_UNSIGNED" "/=$UEFI_DIR" \
			"boot/efi.img=$c/unsigned-efi.img" || exit 1
	) 9>"$c/lock" || { UEFI_WHY="building the unsigned image failed"; return 1; }
}

# uefi_boot LOG MARKER TIMEOUT HOW IMAGE: boot IMAGE on one path, HOW one of
#   bios-cd bios-usb uefi-cd uefi-usb q35-cd sb-cd sb-usb
# (OVMF's code read-only, a private copy of its variables beside LOG).
uefi_boot() {
	local log=$1 marker=$2 timeout=$3 how=$4 img=$5 vars=$1.vars
	local fw=() media=()
	case $how in
	uefi-* | q35-*)
		cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"
		fw=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
			-drive "if=pflash,format=raw,file=$vars") ;;
	sb-*)
		cp /usr/share/OVMF/OVMF_VARS_4M.ms.fd "$vars"
		fw=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on
			-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
			-drive "if=pflash,format=raw,unit=1,file=$vars") ;;
	esac
	case $how in
	*-cd) [ "$how" = q35-cd ] && fw+=(-machine q35) # AHCI: the q35 IDE bus
		media=(-drive "file=$img,media=cdrom,readonly=on,format=raw,if=none,id=cd"
			-device ide-cd,drive=cd,bootindex=0) ;;
	*-usb) media=(-device qemu-xhci -drive "file=$img,if=none,id=stick,format=raw,readonly=on"
		-device usb-storage,drive=stick,bootindex=0) ;;
	esac
	qemu_boot "$log" "$marker" "$timeout" -m 768 -net none "${fw[@]}" "${media[@]}"
}
