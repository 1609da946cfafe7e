#!/usr/bin/env bash
# El Torito and isohybrid as other tools read them: xorriso's catalog report
# (no emulation, floppy, hard disk, EFI alternative entry, -no-boot, load
# segment and size), the boot-info-table recomputed independently, and the
# isohybrid partition table as sfdisk dumps it.
source "$TESTS_DIR/lib/common.sh"
need xorriso xorriso
need isoinfo genisoimage
need sfdisk fdisk
need_file /usr/lib/ISOLINUX/isolinux.bin isolinux
need_file /usr/lib/ISOLINUX/isohdpfx.bin isolinux
export SOURCE_DATE_EPOCH=1700000000
T=$TEST_OUT
src=$T/src
rm -rf "$src"; mkdir -p "$src/boot/isolinux" "$src/efi"
cp /usr/lib/ISOLINUX/isolinux.bin "$src/boot/isolinux/"
head -c 1474560 /dev/urandom >"$src/boot/floppy144.img"
head -c 2949120 /dev/urandom >"$src/boot/floppy288.img"
head -c 100000 /dev/urandom >"$src/boot/bad-floppy.img"
head -c $((2 * 1024 * 1024)) /dev/zero >"$src/boot/hd.img"
echo 'start=2048, type=6, bootable' | sfdisk -q "$src/boot/hd.img" >/dev/null 2>&1
head -c 1474560 /dev/zero >"$src/efi/efi.img"

report() { xorriso -indev "$1" -report_el_torito plain 2>/dev/null; }

# 1. the article's options: no emulation, 4 sectors, boot-info-table
"$MKLIVE" iso -quiet -R -no-emul-boot -boot-load-size 4 -boot-info-table -b boot/isolinux/isolinux.bin \
	-c boot/isolinux/boot.cat -o "$T/noemul.iso" "$src"
report "$T/noemul.iso" >"$T/noemul.rep"
check noemul-entry grep -Eq 'El Torito boot img : +1 +BIOS +y +none +0x0000 +0x00 +4 ' "$T/noemul.rep"
check noemul-catalog-path grep -q 'El Torito cat path : /boot/isolinux/boot.cat' "$T/noemul.rep"
check noemul-info-table grep -q 'boot-info-table' "$T/noemul.rep"
# boot-info-table recomputed from the image: PVD at 16, file LBA and length, checksum
lba=$(isoinfo -R -l -i "$T/noemul.iso" | awk '/ isolinux.bin *$/ { gsub(/\[/, ""); print $9 }')
# the checksum: 32-bit little-endian words of the original file from byte 64
orig=/usr/lib/ISOLINUX/isolinux.bin
olen=$(stat -c %s "$orig")
want_sum=$( { tail -c +65 "$orig"; head -c $(((4 - olen % 4) % 4)) /dev/zero; } | od -An -tu4 -v |
	awk '{ for (i = 1; i <= NF; i++) s = (s + $i) % 4294967296 } END { printf "%.0f", s }')
got=$(od -An -tu4 -v -j $((lba * 2048 + 8)) -N 16 "$T/noemul.iso" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
check info-table-fields test "$got" = "16 $lba $olen $want_sum"
# bytes 24-63 are zero, everything else is the original file
check info-table-rest bash -c "cmp -n 8 '$orig' <(tail -c +$((lba * 2048 + 1)) '$T/noemul.iso') &&
	[ \"\$(tail -c +$((lba * 2048 + 25)) '$T/noemul.iso' | head -c 40 | tr -d '\\0' | wc -c)\" = 0 ] &&
	cmp <(tail -c +65 '$orig') <(tail -c +$((lba * 2048 + 65)) '$T/noemul.iso' | head -c $((olen - 64)))"
# the catalog file is the catalog sector
cat_lba=$(isoinfo -R -l -i "$T/noemul.iso" | awk '/ boot.cat *$/ { gsub(/\[/, ""); print $9 }')
check catalog-file bash -c "grep -q 'El Torito catalog  : $cat_lba  1' '$T/noemul.rep'"

# 2. floppy emulation (default), 1.44 and 2.88 MB, load segment
"$MKLIVE" iso -quiet -b boot/floppy144.img -boot-load-seg 0x7c0 -c boot.cat -o "$T/f144.iso" "$src"
check floppy-144 bash -c "xorriso -indev '$T/f144.iso' -report_el_torito plain 2>/dev/null | grep -Eq 'boot img : +1 +BIOS +y +fd1.4 +0x07c0 '"
"$MKLIVE" iso -quiet -b boot/floppy288.img -c boot.cat -o "$T/f288.iso" "$src"
check floppy-288 bash -c "xorriso -indev '$T/f288.iso' -report_el_torito plain 2>/dev/null | grep -Eq 'boot img : +1 +BIOS +y +fd2.8 '"

# 3. hard-disk emulation: partition type from the image's MBR
"$MKLIVE" iso -quiet -hard-disk-boot -b boot/hd.img -c boot.cat -o "$T/hd.iso" "$src"
check hard-disk bash -c "xorriso -indev '$T/hd.iso' -report_el_torito plain 2>/dev/null | grep -Eq 'boot img : +1 +BIOS +y +hd +0x0000 +0x06 +1 '"

# 4. BIOS entry + EFI alternative entry; a non-bootable third entry
"$MKLIVE" iso -quiet -R -J -b boot/isolinux/isolinux.bin -no-emul-boot -boot-load-size 4 -boot-info-table \
	-c boot/isolinux/boot.cat -eltorito-alt-boot -e efi/efi.img -no-emul-boot \
	-eltorito-alt-boot -b boot/floppy144.img -no-boot -o "$T/efi.iso" "$src"
report "$T/efi.iso" >"$T/efi.rep"
check efi-entry grep -Eq 'boot img : +2 +UEFI +y +none +0x0000 +0x00 +2880 ' "$T/efi.rep"
check alt-no-boot grep -Eq 'boot img : +3 +BIOS +n +fd1.4 ' "$T/efi.rep"
check bios-entry-first grep -Eq 'boot img : +1 +BIOS +y +none ' "$T/efi.rep"

# 5. isohybrid: MBR from the template, one active partition over the image
"$MKLIVE" iso -quiet -R -no-emul-boot -boot-load-size 4 -boot-info-table -b boot/isolinux/isolinux.bin \
	-c boot/isolinux/boot.cat -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o "$T/hybrid.iso" "$src"
size=$(stat -c %s "$T/hybrid.iso")
sfdisk --dump "$T/hybrid.iso" >"$T/hybrid.dump" 2>&1
check hybrid-partition grep -Eq "hybrid.iso1 : start= +0, size= +$((size / 512)), type=17, bootable" "$T/hybrid.dump"
check hybrid-one-partition bash -c "grep -c 'hybrid.iso[0-9] :' '$T/hybrid.dump' | grep -qx 1"
check hybrid-aligned test $((size % 1048576)) = 0
check hybrid-code cmp -n 432 /usr/lib/ISOLINUX/isohdpfx.bin "$T/hybrid.iso"
lba=$(isoinfo -R -l -i "$T/hybrid.iso" | awk '/ isolinux.bin *$/ { gsub(/\[/, ""); print $9 }')
check hybrid-boot-lba bash -c "[ \$(od -An -tu4 -j432 -N4 '$T/hybrid.iso') = $((lba * 4)) ]"
# with an EFI entry, the EFI image is also partition 2 (type 0xEF), as
# isohybrid --uefi makes it, for firmware that looks for an ESP on disks
"$MKLIVE" iso -quiet -R -no-emul-boot -boot-load-size 4 -boot-info-table -b boot/isolinux/isolinux.bin \
	-c boot/isolinux/boot.cat -eltorito-alt-boot -e efi/efi.img -no-emul-boot \
	-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o "$T/hybrid-efi.iso" "$src"
efi_lba=$(isoinfo -R -l -i "$T/hybrid-efi.iso" | awk '/ efi.img *$/ { gsub(/\[/, ""); print $9 }')
sfdisk --dump "$T/hybrid-efi.iso" >"$T/hybrid-efi.dump" 2>&1
check hybrid-efi-partition grep -Eq "hybrid-efi.iso2 : start= +$((efi_lba * 4)), size= +2880, type=ef\$" "$T/hybrid-efi.dump"
check hybrid-efi-first grep -Eq "hybrid-efi.iso1 : start= +0, size= +[0-9]+, type=17, bootable" "$T/hybrid-efi.dump"
check hybrid-iso-intact bash -c "xorriso -indev '$T/hybrid.iso' -check_media -- 2>&1 | grep -q '+ good'"
t_done
