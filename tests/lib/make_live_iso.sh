#!/usr/bin/env bash
# Test fixture: bootable live images with a shell on the serial console,
# built once per mklive binary and cached, for the boot tests that run
# `mklive run` (they run in parallel, so a lock guards the cache).
#   make_live_iso.sh bios   prints the path of a BIOS live ISO: `mklive build`'s
#                           embedded default (busybox, Debian's kernel), the
#                           isolinux prompt shortened to 1 s
#   make_live_iso.sh uefi   prints the path of the same system with a second
#                           El Torito entry (platform 0xEF) holding a FAT image
#                           (`mklive fat`) with EFI/boot/bootx64.efi: GRUB from
#                           grub-mkstandalone (unsigned, package
#                           grub-efi-amd64-bin), its grub.cfg built in, booting
#                           the ISO's kernel and initrd with the isolinux entry's
#                           command line
#   make_live_iso.sh secure the same with Debian's signed chain instead (shim,
#                           the signed CD GRUB, /boot/grub/grub.cfg on the ISO),
#                           which boots with Secure Boot enforcing
# Exits 77 (skip) with the reason on stderr when a tool is missing.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$here/../build}"
: "${MKLIVE:=$BUILD/mklive}"
kind=${1:?usage: make_live_iso.sh bios|uefi|secure}
cache=$BUILD/test-out/cache

skip() { echo "$*" >&2; exit 77; }
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || skip "needs Debian's kernel (package linux-image-amd64)"
[ -x /bin/busybox ] || skip "needs /bin/busybox (package busybox-static)"
[ -f /usr/lib/ISOLINUX/isolinux.bin ] || skip "needs isolinux.bin (package isolinux)"

mkdir -p "$cache"
exec 9>"$cache/live-iso.lock"
flock 9
# one image per mklive binary, kernel and version of this script
key=$(cat "$MKLIVE" "$0" /boot/vmlinuz-*-amd64 | sha256sum | cut -c1-16)
dir=$cache/live-$key
export SOURCE_DATE_EPOCH=1700000000

if [ ! -f "$dir/bios.iso" ]; then
	rm -rf "$cache"/live-*
	mkdir -p "$dir"
	# no_timer_check: Debian's kernel otherwise may panic on the TCG timer
	# of a loaded machine
	"$MKLIVE" build -q -o "$dir/bios.iso.tmp" --timeout 1 --append no_timer_check >"$dir/build.log" 2>&1 ||
		{ cat "$dir/build.log" >&2; exit 1; }
	mv "$dir/bios.iso.tmp" "$dir/bios.iso"
fi

# uefi_iso NAME: the BIOS image's files plus /boot/efi.img made from
# $dir/NAME-esp, as a second El Torito entry; extra files in $dir/NAME-add
uefi_iso() {
	local name=$1 tree=$dir/$1-tree
	rm -rf "$tree"
	mkdir -p "$tree"
	xorriso -osirrox on -indev "$dir/bios.iso" -extract / "$tree" >"$dir/xorriso.log" 2>&1 ||
		{ cat "$dir/xorriso.log" >&2; exit 1; }
	chmod -R u+w "$tree"
	rm -f "$tree/boot/isolinux/boot.cat"
	[ ! -d "$dir/$name-add" ] || cp -r "$dir/$name-add/." "$tree/"
	"$MKLIVE" fat -q -o "$tree/boot/efi.img" --label EFI "$dir/$name-esp" >/dev/null
	# BIOS entry as mklive build makes it, then the UEFI one (mkisofs style)
	"$MKLIVE" iso -quiet -r -J -V MKLIVE_UEFI_TEST -o "$dir/$name.iso.tmp" \
		-b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
		-eltorito-alt-boot -e boot/efi.img -no-emul-boot "$tree"
	mv "$dir/$name.iso.tmp" "$dir/$name.iso"
	rm -rf "$tree"
}

# the live entry's command line, as isolinux would boot it
live_append() {
	xorriso -osirrox on -indev "$dir/bios.iso" -extract /boot/isolinux/isolinux.cfg "$dir/isolinux.cfg" \
		>/dev/null 2>&1 || { echo "cannot read isolinux.cfg from $dir/bios.iso" >&2; exit 1; }
	awk '/^LABEL live$/ { e = 1; next } /^LABEL / { e = 0 } e && $1 == "APPEND" { $1 = ""; print; exit }' \
		"$dir/isolinux.cfg"
}

case $kind in
bios) ;;
uefi)
	if [ ! -f "$dir/uefi.iso" ]; then
		command -v xorriso >/dev/null || skip "needs xorriso (package xorriso) to unpack the BIOS image"
		command -v grub-mkstandalone >/dev/null || skip "needs grub-mkstandalone (package grub-common)"
		[ -d /usr/lib/grub/x86_64-efi ] || skip "needs GRUB's EFI modules (package grub-efi-amd64-bin)"
		append=$(live_append)
		rm -rf "$dir/uefi-esp"
		mkdir -p "$dir/uefi-esp/EFI/boot"
		cat >"$dir/grub.cfg" <<CFG
set timeout=0
search --no-floppy --file --set=root /live/mklive.id
echo "mklive test GRUB: booting /boot/vmlinuz from \$root"
linux /boot/vmlinuz $append
initrd /boot/initrd.img
boot
CFG
		grub-mkstandalone -O x86_64-efi -o "$dir/uefi-esp/EFI/boot/bootx64.efi" \
			--modules="iso9660 search search_fs_file linux echo" \
			--install-modules="iso9660 search search_fs_file linux echo normal" \
			--locales= --fonts= --themes= "boot/grub/grub.cfg=$dir/grub.cfg" >"$dir/grub.log" 2>&1 ||
			{ cat "$dir/grub.log" >&2; exit 1; }
		uefi_iso uefi
	fi
	;;
secure)
	# Debian's signed chain, as Debian's own images carry it: shim (signed
	# by Microsoft's UEFI CA) as bootx64.efi, the signed CD GRUB beside it,
	# which finds /.disk/info and reads /boot/grub/grub.cfg from the ISO
	if [ ! -f "$dir/secure.iso" ]; then
		command -v xorriso >/dev/null || skip "needs xorriso (package xorriso) to unpack the BIOS image"
		[ -f /usr/lib/shim/shimx64.efi.signed ] || skip "needs shimx64.efi.signed (package shim-signed)"
		[ -f /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed ] ||
			skip "needs gcdx64.efi.signed (package grub-efi-amd64-signed)"
		append=$(live_append)
		rm -rf "$dir/secure-esp" "$dir/secure-add"
		mkdir -p "$dir/secure-esp/EFI/boot" "$dir/secure-add/boot/grub" "$dir/secure-add/.disk"
		cp /usr/lib/shim/shimx64.efi.signed "$dir/secure-esp/EFI/boot/bootx64.efi"
		cp /usr/lib/shim/mmx64.efi.signed "$dir/secure-esp/EFI/boot/mmx64.efi"
		cp /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed "$dir/secure-esp/EFI/boot/grubx64.efi"
		echo "mklive test image" >"$dir/secure-add/.disk/info"
		cat >"$dir/secure-add/boot/grub/grub.cfg" <<CFG
set timeout=0
echo "mklive test GRUB (signed): booting /boot/vmlinuz from \$root"
linux /boot/vmlinuz $append
initrd /boot/initrd.img
boot
CFG
		uefi_iso secure
	fi
	;;
*) echo "usage: make_live_iso.sh bios|uefi|secure" >&2; exit 2 ;;
esac
echo "$dir/$kind.iso"
