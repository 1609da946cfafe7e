#!/usr/bin/env bash
# Extracting the Debian minbase squashfs (xz and zstd) with mklive's squashfs
# reader against unsquashfs -d, same number of processors, side by side. The
# reader is measured through build/tools/treeread extract (a minimal extractor:
# files written by two threads, metadata set on descriptors) until
# `mklive extract` exists; set EXTRACT_CMD="mklive extract" to measure that.
source "$(dirname "$0")/lib/bench.sh"
source "$BENCH_DIR/../tests/lib/trees.sh"
tree=$(bench_debian_tree) || exit 1
out=${BENCH_EXTRACT_DIR:-$BENCH_WORK/extract}
mkdir -p "$out"
procs=${BENCH_PROCS:-2}
TR=${TREEREAD:-$BENCH_DIR/../build/tools/treeread}
[ -x "$TR" ] || { echo "bench/extract.sh: $TR missing (make unit-bins)" >&2; exit 1; }
dest=$out/dest
export BENCH_BEFORE="rm -rf '$dest'; sync"

for comp in zstd xz; do
	img=$out/debian-$comp.sqfs
	[ -s "$img" ] || mksquashfs "$tree" "$img" -comp "$comp" -noappend -quiet -no-progress \
		-processors "$procs" >/dev/null || exit 1
	rm -rf "$dest"
	# the two extractions agree before they are timed
	unsquashfs -q -no-progress -processors "$procs" -d "$dest.ref" "$img" >/dev/null 2>&1
	TREEREAD_THREADS=$procs ${EXTRACT_CMD:-$TR extract} "$img" "$dest" >/dev/null
	if ! tree_compare "$dest.ref" "$dest" >"$out/compare.txt" 2>&1; then
		echo "bench/extract.sh: the extractions of $comp differ: $(head -c 300 "$out/compare.txt")" >&2
		exit 1
	fi
	rm -rf "$dest" "$dest.ref"
	bench_run "unsquashfs -processors $procs ($comp)" \
		unsquashfs -q -no-progress -processors "$procs" -d "$dest" "$img"
	bench_run "mklive reader, $procs threads ($comp)" \
		env TREEREAD_THREADS="$procs" ${EXTRACT_CMD:-$TR extract} "$img" "$dest"
	bench_table "extract the Debian minbase squashfs ($comp, $(($(stat -c %s "$img") >> 20)) MiB)" \
		"unsquashfs -processors $procs ($comp)"
done
rm -rf "$dest"
