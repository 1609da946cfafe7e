#!/usr/bin/env bash
# Extracting the Debian minbase squashfs (xz and zstd) with mklive's squashfs
# reader (`mklive extract`) against unsquashfs -d, same number of processors,
# side by side. EXTRACT_CMD="build/tools/treeread extract" measures the bare
# reader instead (files written by two threads, metadata on descriptors).
source "$(dirname "$0")/lib/bench.sh"
source "$BENCH_DIR/../tests/lib/trees.sh"
tree=$(bench_debian_tree) || exit 1
img_dir=$BENCH_WORK/extract
mkdir -p "$img_dir"
procs=${BENCH_PROCS:-2}
EXTRACT_CMD=${EXTRACT_CMD:-$MKLIVE extract -q}
# Targets: a fresh ext4 file system for every run (as root: a loop device,
# so the other work on this machine's disk does not decide the times), and
# tmpfs (the readers' own work, without a file system's).
fresh=$BENCH_WORK/extract/fresh
targets=${BENCH_EXTRACT_DIRS:-"$fresh /dev/shm/mklive-bench-extract"}
fresh_fs() { # an empty ext4 at $fresh
	mountpoint -q "$fresh" && umount "$fresh"
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$BENCH_WORK/extract/fresh.img" &&
		mount -o loop "$BENCH_WORK/extract/fresh.img" "$fresh"
}
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null; then
	mkdir -p "$fresh"
	truncate -s 2G "$BENCH_WORK/extract/fresh.img"
	trap 'mountpoint -q "$fresh" && umount "$fresh"; rm -f "$BENCH_WORK/extract/fresh.img"' EXIT
else
	targets=${targets/$fresh/$BENCH_WORK/extract/disk}
fi

for comp in zstd xz; do
	img=$img_dir/debian-$comp.sqfs
	[ -s "$img" ] || mksquashfs "$tree" "$img" -comp "$comp" -noappend -quiet -no-progress \
		-processors "$procs" >/dev/null || exit 1
	for out in $targets; do
		mkdir -p "$out" 2>/dev/null || continue
		dest=$out/dest
		fs=$(stat -f -c %T "$out")
		[ "$out" = "$fresh" ] && fs="a fresh ext4"
		if [ "$out" = "$fresh" ]; then
			fresh_fs || exit 1
			export BENCH_BEFORE="fresh_fs"
		else
			export BENCH_BEFORE="rm -rf '$dest'; sync"
		fi
		rm -rf "$dest" "$dest.ref"
		# the two extractions agree before they are timed
		unsquashfs -q -no-progress -processors "$procs" -d "$dest.ref" "$img" >/dev/null 2>&1
		TREEREAD_THREADS=$procs $EXTRACT_CMD "$img" "$dest" >/dev/null
		if ! tree_compare "$dest.ref" "$dest" >"$img_dir/compare.txt" 2>&1; then
			echo "bench/extract.sh: the extractions of $comp differ: $(head -c 300 "$img_dir/compare.txt")" >&2
			exit 1
		fi
		rm -rf "$dest" "$dest.ref"
		bench_run "unsquashfs -processors $procs" \
			unsquashfs -q -no-progress -processors "$procs" -d "$dest" "$img"
		bench_run "mklive extract, $procs threads" \
			env TREEREAD_THREADS="$procs" $EXTRACT_CMD "$img" "$dest"
		bench_table "extract the Debian minbase squashfs ($comp, $(($(stat -c %s "$img") >> 20)) MiB) to $fs" \
			"unsquashfs -processors $procs"
		rm -rf "$dest"
		[ "$out" = "$fresh" ] || [ "$out" = "$img_dir" ] || rmdir "$out" 2>/dev/null
	done
done
