#!/usr/bin/env bash
# mklive iso -r -J against xorriso -as mkisofs -r -J and genisoimage -r -J
# on the Debian minbase tree, with `tar cf - tree | cat > file` as the floor
# (the cost of reading every byte once and writing it once).
source "$(dirname "$0")/lib/bench.sh"
tree=$(bench_debian_tree) || exit 1
out=$BENCH_WORK/iso
mkdir -p "$out"
export SOURCE_DATE_EPOCH=1700000000

BENCH_OUTPUT=$out/tar.tar bench_run "tar cf - | cat" sh -c "tar cf - -C '$tree' . | cat >'$out/tar.tar'"
rm -f "$out/tar.tar"
BENCH_OUTPUT=$out/genisoimage.iso bench_run "genisoimage -r -J" \
	genisoimage -quiet -r -J -o "$out/genisoimage.iso" "$tree"
rm -f "$out/genisoimage.iso"
BENCH_OUTPUT=$out/xorriso.iso bench_run "xorriso -as mkisofs -r -J" \
	xorriso -as mkisofs -quiet -r -J -o "$out/xorriso.iso" "$tree"
rm -f "$out/xorriso.iso"
BENCH_OUTPUT=$out/mklive.iso bench_run "mklive iso -r -J" \
	"$MKLIVE" iso -quiet -r -J -o "$out/mklive.iso" "$tree"
bench_table "ISO 9660 + Rock Ridge + Joliet, Debian minbase tree" "genisoimage -r -J"
rm -rf "$out"
