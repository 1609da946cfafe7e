#!/usr/bin/env bash
# mklive iso on bad input: a clear message naming the path and the reason,
# exit status 1, and nothing left at the destination. And reproducibility:
# same tree, same SOURCE_DATE_EPOCH, different directories and times ->
# byte-identical images.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need isoinfo genisoimage
need xorriso xorriso
export SOURCE_DATE_EPOCH=1700000000
T=$TEST_OUT
src=$T/src
rm -rf "$src" "$T"/*.iso "$T/out"; mkdir -p "$src/boot" "$T/out"
echo hello >"$src/hello.txt"
head -c 100000 /dev/urandom >"$src/boot/bad-floppy.img"
head -c 2048 /dev/urandom >"$src/boot/small.bin"
: >"$src/boot/empty.bin"
O=$T/out/bad.iso

expect_fail unknown-option "unknown option -frobnicate" "$O" "$MKLIVE" iso -frobnicate -o "$O" "$src"
expect_fail missing-argument "option -V needs an argument" "$O" "$MKLIVE" iso -o "$O" "$src" -V
expect_fail no-output "use -o FILE" "" "$MKLIVE" iso "$src"
expect_fail missing-source "$T/nope: No such file or directory" "$O" "$MKLIVE" iso -o "$O" "$T/nope"
expect_fail missing-boot-image "boot image boot/nope.bin: not in the image tree" "$O" \
	"$MKLIVE" iso -b boot/nope.bin -no-emul-boot -c boot.cat -o "$O" "$src"
expect_fail boot-outside-tree "boot image etc/passwd: not in the image tree" "$O" \
	"$MKLIVE" iso -b /etc/passwd -no-emul-boot -c boot.cat -o "$O" "$src"
expect_fail floppy-size "boot/bad-floppy.img is 100000 bytes; floppy emulation needs exactly" "$O" \
	"$MKLIVE" iso -b boot/bad-floppy.img -c boot.cat -o "$O" "$src"
expect_fail hard-disk-no-mbr "boot image boot/small.bin: no MBR signature" "$O" \
	"$MKLIVE" iso -b boot/small.bin -hard-disk-boot -c boot.cat -o "$O" "$src"
expect_fail empty-boot-image "boot image boot/empty.bin: is empty" "$O" \
	"$MKLIVE" iso -b boot/empty.bin -no-emul-boot -c boot.cat -o "$O" "$src"
expect_fail conflicting-emulation "-no-emul-boot and -hard-disk-boot conflict" "$O" \
	"$MKLIVE" iso -b boot/small.bin -no-emul-boot -hard-disk-boot -c boot.cat -o "$O" "$src"
expect_fail load-size-with-floppy "-boot-load-size applies only to -no-emul-boot" "$O" \
	"$MKLIVE" iso -b boot/bad-floppy.img -boot-load-size 4 -c boot.cat -o "$O" "$src"
expect_fail alt-boot-first "-eltorito-alt-boot: the boot entry before it has no -b or -e" "$O" \
	"$MKLIVE" iso -eltorito-alt-boot -b boot/small.bin -c boot.cat -o "$O" "$src"
expect_fail info-table-without-boot "boot options given without a boot image" "$O" \
	"$MKLIVE" iso -boot-info-table -o "$O" "$src"
expect_fail hybrid-without-boot "-isohybrid-mbr needs an El Torito boot image" "$O" \
	"$MKLIVE" iso -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o "$O" "$src"
expect_fail hybrid-bad-template "expected 432 to 512" "$O" \
	"$MKLIVE" iso -b boot/small.bin -no-emul-boot -c boot.cat -isohybrid-mbr "$src/boot/small.bin" -o "$O" "$src"
expect_fail iso-level "-iso-level 4: must be 1, 2 or 3" "$O" "$MKLIVE" iso -iso-level 4 -o "$O" "$src"
expect_fail volume-id-too-long "at most 32 fit" "$O" \
	"$MKLIVE" iso -V "a volume id that is longer than thirty-two characters" -o "$O" "$src"
expect_fail catalog-dir-missing "boot catalog no/such/boot.cat: directory no/such is not in the tree" "$O" \
	"$MKLIVE" iso -b boot/small.bin -no-emul-boot -c no/such/boot.cat -o "$O" "$src"
# a source whose size changes between the scan and the copy (sysfs reports 4096)
if [ -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
	expect_fail file-changed "transparent_hugepage/enabled: file shrank while being read" "$O" \
		"$MKLIVE" iso -graft-points -o "$O" thp=/sys/kernel/mm/transparent_hugepage/enabled
else
	t_skip file-changed "no /sys/kernel/mm/transparent_hugepage/enabled"
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir -p "$T/unreadable" "$T/nobody"
	echo secret >"$T/unreadable/secret"; chmod 600 "$T/unreadable/secret"
	chmod 777 "$T/nobody"
	expect_fail unreadable-file "unreadable/secret: Permission denied" "$T/nobody/bad.iso" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$MKLIVE" iso -o "$T/nobody/bad.iso" "$T/unreadable"
	mkdir -p "$T/full"
	head -c 1048576 /dev/urandom >"$T/big.bin"
	mount -t tmpfs -o size=256k tmpfs "$T/full"
	expect_fail disk-full "No space left" "$T/full/bad.iso" "$MKLIVE" iso -o "$T/full/bad.iso" "$T/big.bin"
	[ -z "$(ls -A "$T/full")" ] && t_pass disk-full-clean || t_fail disk-full-clean "$(ls -A "$T/full")"
	umount "$T/full"
else
	t_skip unreadable-file "needs root"
	t_skip disk-full "needs root"
fi

# reproducibility: two runs from different directories, source tree copied
# elsewhere with different atimes/ctimes, a second apart
make_tree_all "$T/r1" >/dev/null 2>&1
mkdir -p "$T/r2" && cp -a "$T/r1/." "$T/r2/"
mkdir -p "$T/w1" "$T/w2"
args=(-pad -l -r -J -V "My KNOPPIX" -hide-rr-moved -graft-points)
(cd "$T/w1" && "$MKLIVE" iso -quiet "${args[@]}" -o a.iso /="$T/r1") 
sleep 1
(cd "$T/w2" && "$MKLIVE" iso -quiet "${args[@]}" -o b.iso /=../r2)
check reproducible bash -c "[ \"\$(sha256sum <'$T/w1/a.iso')\" = \"\$(sha256sum <'$T/w2/b.iso')\" ]"
(cd "$T/w1" && SOURCE_DATE_EPOCH=1700000001 "$MKLIVE" iso -quiet "${args[@]}" -o c.iso /="$T/r1")
check epoch-matters bash -c "! cmp -s '$T/w1/a.iso' '$T/w1/c.iso'"
check epoch-dates bash -c "xorriso -indev '$T/w1/a.iso' -pvd_info 2>&1 | grep -q 'Creation Time: 2023111422132000'"
t_done
