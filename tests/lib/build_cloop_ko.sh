#!/usr/bin/env bash
# Builds the cloop kernel module from Debian's cloop-src (3.14.1.3) for the
# installed Debian kernel, applying tests/data/cloop-6.1.patch (the 6.1 block
# API: request->rq_disk is gone, blk_cleanup_disk() became put_disk()).
# The .ko is cached under $BUILD/cloop-ko/VERSION/cloop.ko.
#   build_cloop_ko.sh KERNEL_VERSION   prints the path of cloop.ko
# Exits 77 (skip) when cloop-src or the kernel headers are missing.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$here/../build}"
kver=${1:?usage: build_cloop_ko.sh KERNEL_VERSION}
src_tar=/usr/src/cloop.tar.xz
kdir=/lib/modules/$kver/build
out=$BUILD/cloop-ko/$kver
patch=$here/data/cloop-6.1.patch

[ -f "$src_tar" ] || { echo "needs $src_tar from the Debian package cloop-src" >&2; exit 77; }
[ -d "$kdir" ] || { echo "needs $kdir from the Debian package linux-headers-amd64" >&2; exit 77; }
# One build at a time: the boot tests that need the module run in parallel.
mkdir -p "$BUILD"
exec 9>"$BUILD/cloop-ko.lock"
flock 9
stamp=$(cat "$src_tar" "$patch" | sha256sum | cut -c1-16)
if [ -f "$out/cloop.ko" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$out/cloop.ko"; exit 0
fi
rm -rf "$out"
mkdir -p "$out/src"
tar -xf "$src_tar" -C "$out/src"
mod=$(dirname "$(find "$out/src" -name cloop.c | head -n 1)")
patch -s -d "$mod" -p1 <"$patch" >&2
printf 'obj-m := cloop.o\n' >"$mod/Kbuild"
make -s -C "$kdir" M="$mod" modules >"$out/build.log" 2>&1 || { tail -n 20 "$out/build.log" >&2; exit 1; }
cp "$mod/cloop.ko" "$out/cloop.ko"
echo "$stamp" >"$out/stamp"
echo "$out/cloop.ko"
