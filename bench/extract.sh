#!/usr/bin/env bash
# Extracting the Debian minbase squashfs (xz and zstd) with mklive's squashfs
# reader against unsquashfs -d, same number of processors, side by side. The
# reader is measured through build/tools/treeread extract (a minimal extractor:
# files written by two threads, metadata set on descriptors) until
# `mklive extract` exists; set EXTRACT_CMD="mklive extract" to measure that.
# Both extract to the disk (BENCH_WORK) and to tmpfs (/dev/shm), where the
# readers' own work shows without the file system's.
source "$(dirname "$0")/lib/bench.sh"
source "$BENCH_DIR/../tests/lib/trees.sh"
tree=$(bench_debian_tree) || exit 1
img_dir=$BENCH_WORK/extract
mkdir -p "$img_dir"
procs=${BENCH_PROCS:-2}
TR=${TREEREAD:-$BENCH_DIR/../build/tools/treeread}
[ -x "$TR" ] || { echo "bench/extract.sh: $TR missing (make unit-bins)" >&2; exit 1; }
# targets: the disk (what users do) and tmpfs (the readers' own work, without the file system's)
targets=${BENCH_EXTRACT_DIRS:-"$BENCH_WORK/extract /dev/shm/mklive-bench-extract"}

for comp in zstd xz; do
	img=$img_dir/debian-$comp.sqfs
	[ -s "$img" ] || mksquashfs "$tree" "$img" -comp "$comp" -noappend -quiet -no-progress \
		-processors "$procs" >/dev/null || exit 1
	for out in $targets; do
		mkdir -p "$out" 2>/dev/null || continue
		dest=$out/dest
		fs=$(stat -f -c %T "$out")
		export BENCH_BEFORE="rm -rf '$dest'; sync"
		rm -rf "$dest" "$dest.ref"
		# the two extractions agree before they are timed
		unsquashfs -q -no-progress -processors "$procs" -d "$dest.ref" "$img" >/dev/null 2>&1
		TREEREAD_THREADS=$procs ${EXTRACT_CMD:-$TR extract} "$img" "$dest" >/dev/null
		if ! tree_compare "$dest.ref" "$dest" >"$img_dir/compare.txt" 2>&1; then
			echo "bench/extract.sh: the extractions of $comp differ: $(head -c 300 "$img_dir/compare.txt")" >&2
			exit 1
		fi
		rm -rf "$dest" "$dest.ref"
		bench_run "unsquashfs -processors $procs" \
			unsquashfs -q -no-progress -processors "$procs" -d "$dest" "$img"
		bench_run "mklive reader, $procs threads" \
			env TREEREAD_THREADS="$procs" ${EXTRACT_CMD:-$TR extract} "$img" "$dest"
		bench_table "extract the Debian minbase squashfs ($comp, $(($(stat -c %s "$img") >> 20)) MiB) to $fs" \
			"unsquashfs -processors $procs"
		rm -rf "$dest"
		[ "$out" = "$img_dir" ] || rmdir "$out" 2>/dev/null
	done
done
