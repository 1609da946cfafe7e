#!/usr/bin/env bash
# mklive write vs dd bs=4M conv=fsync followed by cmp: a 700 MB hybrid ISO
# (incompressible data, as a live medium's compressed root is) written to
# a file that exists, with the same verification after it; and dd followed
# by a read-back past the page cache (iflag=direct), which is what mklive
# write's verification reads. Then the medium check on the host: mklive
# check vs sha256sum -c over the same tree (MB/s).
source "$(dirname "$0")/lib/bench.sh"
out=$BENCH_WORK/write
rm -rf "$out"; mkdir -p "$out/cd/boot/isolinux" "$out/cd/live"
cp /usr/lib/ISOLINUX/isolinux.bin "$out/cd/boot/isolinux/"
head -c 700000000 /dev/urandom >"$out/cd/live/root.squashfs"
echo bench >"$out/cd/live/mklive.id"
"$MKLIVE" check --write-sums "$out/cd" >/dev/null 2>&1
"$MKLIVE" iso -quiet -r -V BENCH -no-emul-boot -boot-load-size 4 -boot-info-table \
	-b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \
	-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o "$out/live.iso" "$out/cd" || exit 1
size=$(stat -c %s "$out/live.iso")
: >"$out/target.img"

classic='dd if="$1/live.iso" of="$1/target.img" bs=4M conv=fsync status=none && cmp "$1/live.iso" "$1/target.img"'
BENCH_OUTPUT=$out/target.img bench_run "dd bs=4M conv=fsync + cmp" bash -c "$classic" _ "$out"
direct='dd if="$1/live.iso" of="$1/target.img" bs=4M conv=fsync status=none && dd if="$1/target.img" iflag=direct bs=4M status=none | cmp - "$1/live.iso"'
BENCH_OUTPUT=$out/target.img bench_run "dd conv=fsync + dd iflag=direct | cmp" bash -c "$direct" _ "$out"
ours='"$2" write -q "$1/live.iso" "$1/target.img"'
BENCH_OUTPUT=$out/target.img bench_run "mklive write (SHA-256 read-back)" bash -c "$ours" _ "$out" "$MKLIVE"
bench_table "write a $((size / 1000000)) MB image to a file and verify it" "dd bs=4M conv=fsync + cmp"

sums='cd "$1/cd" && sha256sum --quiet -c live/SHA256SUMS'
bench_run "sha256sum -c live/SHA256SUMS" bash -c "$sums" _ "$out"
check='"$2" check -q "$1/cd"'
bench_run "mklive check" bash -c "$check" _ "$out" "$MKLIVE"
bench_table "medium check of $((size / 1000000)) MB on the host" "sha256sum -c live/SHA256SUMS"
for l in "sha256sum -c live/SHA256SUMS" "mklive check"; do
	printf '%-44s %8.0f MB/s\n' "$l" "$(echo "$size / 1000000 / ${bench_time[$l]:-1}" | bc -l 2>/dev/null || echo 0)"
done
rm -rf "$out"
