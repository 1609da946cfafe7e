#!/usr/bin/env bash
# mklive fat vs mkfs.fat -C + mcopy -s (dosfstools + mtools): a 64 MiB
# FAT16 image holding 1,000 files (about 40 MB) in 10 directories; and the
# floor, cp -r of the same files.
source "$(dirname "$0")/lib/bench.sh"
out=$BENCH_WORK/fat
rm -rf "$out"; mkdir -p "$out/src"
export SOURCE_DATE_EPOCH=1700000000 MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8
for ((d = 0; d < 10; d++)); do
	mkdir -p "$out/src/directory-$d"
	for ((i = 0; i < 100; i++)); do
		# sizes from 1 byte to about 80 KB, long names
		head -c $(( (i * 7919 + d * 104729) % 81920 + 1 )) /dev/urandom >"$out/src/directory-$d/file-number-$i-of-directory-$d.bin"
	done
done

# One shell command, so that /usr/bin/time measures both programs.
classic='rm -f "$1/classic.img" && mkfs.fat -C "$1/classic.img" 65536 >/dev/null && mcopy -s -i "$1/classic.img" "$1"/src/* ::'
BENCH_OUTPUT=$out/classic.img bench_run "mkfs.fat -C + mcopy -s" bash -c "$classic" _ "$out"
# Both start from no image (mkfs.fat -C refuses an existing one), through the
# same shell: replacing an existing file costs ext4 an early block allocation
# (auto_da_alloc), which would be measured for one side only.
ours='rm -f "$1/mklive.img" && "$2" fat -o "$1/mklive.img" --size 64M "$1"/src'
BENCH_OUTPUT=$out/mklive.img bench_run "mklive fat --size 64M" bash -c "$ours" _ "$out" "$MKLIVE"
# The floor: copying the same bytes once, file by file (no filesystem to build).
floor='rm -rf "$1/copy" && cp -r "$1/src" "$1/copy"'
bench_run "floor: cp -r of the same files" bash -c "$floor" _ "$out"
bench_table "FAT16 64 MiB, 1,000 files" "mkfs.fat -C + mcopy -s"
rm -rf "$out"
