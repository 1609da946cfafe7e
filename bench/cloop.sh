#!/usr/bin/env bash
# cloop: mklive cloop create against create_compressed_fs (cloop-utils) on an
# ISO 9660 image of the Debian minbase tree, block size 128 KiB, 2 threads.
# create_compressed_fs compresses with zlib level 9 (its default); mklive's
# zlib blocks come from libdeflate at its default level 6, whose output is
# no larger (checked below). Also: mklive -t 1 (the thread speed-up) and
# v4 images with xz and lz4 blocks.
source "$(dirname "$0")/lib/bench.sh"
command -v create_compressed_fs >/dev/null || { echo "bench cloop: needs create_compressed_fs (cloop-utils)" >&2; exit 1; }
command -v genisoimage >/dev/null || { echo "bench cloop: needs genisoimage" >&2; exit 1; }
tree=$(bench_debian_tree) || exit 1
iso=$BENCH_WORK/debian-tree.iso
if [ ! -s "$iso" ] || [ "$tree" -nt "$iso" ]; then
	genisoimage -quiet -r -J -o "$iso.tmp" "$tree" 2>/dev/null && mv "$iso.tmp" "$iso" || exit 1
fi
out=$BENCH_WORK/cloop
mkdir -p "$out"
echo "input: $iso ($(stat -c %s "$iso") bytes)"

BENCH_OUTPUT=$out/cfs.cloop bench_run "create_compressed_fs -B 131072 -t 2" \
	create_compressed_fs -q -B 131072 -t 2 "$iso" "$out/cfs.cloop"
BENCH_OUTPUT=$out/t2.cloop bench_run "mklive cloop create -B 131072 -t 2" \
	"$MKLIVE" cloop create -q -B 131072 -t 2 "$iso" "$out/t2.cloop"
BENCH_OUTPUT=$out/t1.cloop bench_run "mklive cloop create -B 131072 -t 1" \
	"$MKLIVE" cloop create -q -B 131072 -t 1 "$iso" "$out/t1.cloop"
BENCH_OUTPUT=$out/lz4.cloop bench_run "mklive cloop create -c lz4 -t 2 (v4)" \
	"$MKLIVE" cloop create -q -B 131072 -t 2 -c lz4 "$iso" "$out/lz4.cloop"
BENCH_OUTPUT=$out/xz.cloop bench_run "mklive cloop create -c xz -t 2 (v4)" \
	"$MKLIVE" cloop create -q -B 131072 -t 2 -c xz "$iso" "$out/xz.cloop"
t_cfs=${bench_time["create_compressed_fs -B 131072 -t 2"]}
t_2=${bench_time["mklive cloop create -B 131072 -t 2"]}
t_1=${bench_time["mklive cloop create -B 131072 -t 1"]}
bench_table "cloop create, $(basename "$iso")" "create_compressed_fs -B 131072 -t 2"

s_cfs=$(stat -c %s "$out/cfs.cloop"); s_mk=$(stat -c %s "$out/t2.cloop")
printf 'speed-up over create_compressed_fs: %.2fx\n' "$(echo "$t_cfs / $t_2" | bc -l)"
printf 'speed-up from 1 to 2 threads: %.2fx\n' "$(echo "$t_1 / $t_2" | bc -l)"
printf 'size mklive / create_compressed_fs: %.4f (%s)\n' "$(echo "$s_mk / $s_cfs" | bc -l)" \
	"$([ "$s_mk" -le "$s_cfs" ] && echo "no larger" || echo "LARGER")"
# CPU seconds (user + sys) of one run each: robust when other jobs share the cores.
cpu() { /usr/bin/time -f '%U %S' -o "$BENCH_WORK/cpu" "$@" >/dev/null 2>&1; awk '{ print $1 + $2 }' "$BENCH_WORK/cpu"; }
c_cfs=$(cpu create_compressed_fs -q -B 131072 -t 2 "$iso" "$out/cfs.cloop")
c_mk=$(cpu "$MKLIVE" cloop create -q -B 131072 -t 2 "$iso" "$out/t2.cloop")
printf 'CPU seconds: create_compressed_fs %.2f, mklive %.2f (%.2fx less)\n' "$c_cfs" "$c_mk" "$(echo "$c_cfs / $c_mk" | bc -l)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
cmp -s "$out/t1.cloop" "$out/t2.cloop" && echo "-t 1 and -t 2 outputs identical" || echo "-t 1 and -t 2 outputs DIFFER"
rm -rf "$out"
