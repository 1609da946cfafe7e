#!/usr/bin/env bash
# mklive squashfs vs mksquashfs (squashfs-tools) on the Debian minbase tree:
# same compressor, level, block size (128K) and -processors 2, side by side.
source "$(dirname "$0")/lib/bench.sh"
tree=$(bench_debian_tree) || exit 1
out=$BENCH_WORK/squashfs
mkdir -p "$out"
export SOURCE_DATE_EPOCH=1700000000
common="-b 128K -processors 2 -noappend -quiet"

run_pair() { # TITLE COMP [EXTRA...]
	local title=$1 comp=$2; shift 2
	BENCH_OUTPUT=$out/mksquashfs.sqfs bench_run "mksquashfs -comp $comp $*" \
		mksquashfs "$tree" "$out/mksquashfs.sqfs" -comp "$comp" "$@" $common -no-progress
	BENCH_OUTPUT=$out/mklive.sqfs bench_run "mklive squashfs -comp $comp $*" \
		"$MKLIVE" squashfs "$tree" "$out/mklive.sqfs" -comp "$comp" "$@" $common
	bench_table "$title" "mksquashfs -comp $comp $*"
}

run_pair "squashfs gzip (level 9)" gzip
run_pair "squashfs zstd level 15" zstd -Xcompression-level 15
run_pair "squashfs xz" xz
run_pair "squashfs lz4" lz4
rm -rf "$out"
