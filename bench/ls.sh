#!/usr/bin/env bash
# Listing an ISO 9660 image of the Debian minbase tree (Rock Ridge +
# Joliet, made by xorriso): mklive ls -lR and ls -R against isoinfo -R -l
# (the classic long listing, directory by directory) and xorriso -find.
source "$(dirname "$0")/lib/bench.sh"
tree=$(bench_debian_tree) || exit 1
out=$BENCH_WORK/ls
mkdir -p "$out"
iso=$out/minbase.iso
[ -s "$iso" ] || xorriso -as mkisofs -quiet -R -J -o "$iso" "$tree" 2>/dev/null || exit 1
echo "image: $(stat -c %s "$iso") bytes, $("$MKLIVE" ls -R "$iso" | wc -l) files"

bench_run "isoinfo -R -l" isoinfo -R -l -i "$iso"
bench_run "xorriso -indev X -find /" xorriso -indev "$iso" -find /
bench_run "xorriso -indev X -find / -exec lsdl" xorriso -indev "$iso" -find / -exec lsdl
bench_run "mklive ls -R" "$MKLIVE" ls -R "$iso"
bench_run "mklive ls -lR" "$MKLIVE" ls -lR "$iso"
bench_table "Listing an ISO of the Debian minbase tree" "isoinfo -R -l"
