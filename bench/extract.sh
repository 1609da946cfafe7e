#!/usr/bin/env bash
# Extracting the Debian minbase squashfs (xz and zstd) with mklive's squashfs
# reader (`mklive extract`) against unsquashfs -d, same number of processors,
# side by side, with the -j scaling 1 -> 2 of both (`mklive extract -j N`:
# N writers and N threads decoding ahead; `unsquashfs -processors N`) and
# the decode floor (bench/decode_floor.c: the image's compressed blocks
# decoded by the codec's library alone on BENCH_PROCS threads, no files
# written). EXTRACT_CMD="build/tools/treeread extract" measures the bare
# reader instead (files written by two threads, metadata on descriptors);
# MKLIVE_BASE=path/to/another/mklive adds its default extraction as a row
# (before/after in one run).
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

# the decode floor, built against the library beside $MKLIVE
libdir=$(dirname "$MKLIVE")
floor_bin=$BENCH_WORK/decode_floor
cc -O2 -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I"$BENCH_DIR/../src" -o "$floor_bin" \
	"$BENCH_DIR/decode_floor.c" "$libdir/libmklive.a" -ldeflate -llzma -lzstd -llz4 -larchive -lpthread ||
	floor_bin=
# floor_run LABEL IMAGE THREADS: the medians of the decode times (wall and
# CPU) it prints, recorded as a row of the next table (its own clocks:
# reading the image into memory is not timed)
floor_run() {
	local label=$1 out times=() cpus=() i
	for ((i = 0; i < BENCH_REPS; i++)); do
		out=$("$floor_bin" "$2" "$3") || return 1
		times+=("$(echo "$out" | awk '{ print $8 }')")
		cpus+=("$(echo "$out" | awk '{ print $10 }')")
	done
	bench_labels+=("$label")
	bench_time[$label]=$(bench_median "${times[*]}")
	bench_cpu[$label]=$(bench_median "${cpus[*]}")
	bench_rss[$label]=0
	bench_size[$label]=
}
# scale SLOW FAST NAME: the speed-up from one thread to two
scale() {
	[ -n "${bench_time[$1]:-}" ] && [ -n "${bench_time[$2]:-}" ] &&
		printf '%s, 1 -> 2 threads: %.2fx faster\n' "$3" "$(echo "${bench_time[$1]} / ${bench_time[$2]}" | bc -l)"
}
echo "load before the runs: $(uptime)"

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
		if [ -n "${MKLIVE_BASE:-}" ]; then
			bench_run "mklive extract (MKLIVE_BASE)" "$MKLIVE_BASE" extract -q "$img" "$dest"
		fi
		bench_run "unsquashfs -processors 1" unsquashfs -q -no-progress -processors 1 -d "$dest" "$img"
		if [ "$EXTRACT_CMD" = "$MKLIVE extract -q" ]; then
			bench_run "mklive extract -j 1" $EXTRACT_CMD -j 1 "$img" "$dest"
			bench_run "mklive extract -j 2" $EXTRACT_CMD -j 2 "$img" "$dest"
		fi
		if [ -n "$floor_bin" ]; then
			floor_run "decode floor, 1 thread" "$img" 1
			floor_run "decode floor, $procs threads" "$img" "$procs"
		fi
		echo "load: $(uptime)"
		bench_table "extract the Debian minbase squashfs ($comp, $(($(stat -c %s "$img") >> 20)) MiB) to $fs" \
			"unsquashfs -processors $procs"
		scale "unsquashfs -processors 1" "unsquashfs -processors $procs" unsquashfs
		scale "mklive extract -j 1" "mklive extract -j 2" "mklive extract -j"
		scale "decode floor, 1 thread" "decode floor, $procs threads" "decode floor"
		rm -rf "$dest"
		[ "$out" = "$fresh" ] || [ "$out" = "$img_dir" ] || rmdir "$out" 2>/dev/null
	done
done
