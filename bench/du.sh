#!/usr/bin/env bash
# mklive du on a Debian live-like image: an ISO holding Debian's kernel
# (/boot/vmlinuz-*, /boot/initrd.img) and the minbase tree as a squashfs.
# The issue asks for under a second; `du -s` of the unpacked tree is shown
# beside it as the cost of the same question asked of a directory.
source "$(dirname "$0")/lib/bench.sh"
tree=$(bench_debian_tree) || exit 1
kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "bench: needs linux-image-amd64" >&2; exit 1; }
out=$BENCH_WORK/du
mkdir -p "$out/medium/boot" "$out/medium/live"
iso=$out/live.iso
if [ ! -s "$iso" ]; then
	cp "$kernel" "$out/medium/boot/" && head -c 30000000 /dev/urandom >"$out/medium/boot/initrd.img"
	"$MKLIVE" squashfs -quiet "$tree" "$out/medium/live/filesystem.squashfs" -comp xz >/dev/null 2>&1 ||
		mksquashfs "$tree" "$out/medium/live/filesystem.squashfs" -comp xz -quiet -no-progress >/dev/null
	"$MKLIVE" iso -quiet -R -J -o "$iso" "$out/medium" || exit 1
fi
bench_run "du -s (the unpacked tree)" du -s "$tree"
bench_run "mklive du live.iso" "$MKLIVE" du "$iso"
if "$MKLIVE" ls "$iso:/live/filesystem.squashfs:" >/dev/null 2>&1; then
	bench_run "mklive du live.iso:/live/filesystem.squashfs" "$MKLIVE" du "$iso:/live/filesystem.squashfs"
	bench_run "mklive du -d 2 -n 20 (the squashfs)" "$MKLIVE" du -d 2 -n 20 "$iso:/live/filesystem.squashfs"
fi
bench_table "mklive du on a Debian live-like ISO (kernel + squashfs)" "du -s (the unpacked tree)"
