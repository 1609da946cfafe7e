#!/usr/bin/env bash
# mklive build against the classic pipeline on the same Debian root (the
# acceptance tests' tarball: minbase + linux-image-amd64, systemd-sysv, udev,
# kmod), same compressor and level (zstd 15), same threads (2), in one run:
#   classic: unpack the tarball as root (tar -x), mksquashfs -comp zstd,
#            the same initramfs packed with cpio | gzip -9, xorriso -as mkisofs
#            with isolinux and -isohybrid-mbr
#   mklive:  mklive build --root TARBALL (no unpacking: data read in place),
#            --no-uefi as the classic side is BIOS only; the default build
#            with UEFI (shim, GRUB, efi.img, GPT) is measured beside them
# Then a rebuild after changing one file (the block cache), the embedded
# default's build, the image sizes, and the time both images take to reach
# the login prompt under QEMU (TCG, same machine, same run).
source "$(dirname "$0")/lib/bench.sh"
export SOURCE_DATE_EPOCH=1700000000
tarball=$(BUILD=${BUILD:-$BENCH_DIR/../build} "$BENCH_DIR/../tests/lib/debian_root.sh") || exit 1
out=$BENCH_WORK/build
rm -rf "$out"; mkdir -p "$out"
kver=$(tar -tf "$tarball" | sed -n 's|^\./boot/vmlinuz-||p' | sort -V | tail -n 1)
[ -n "$kver" ] || { echo "bench: no kernel in $tarball" >&2; exit 1; }

# The initramfs both pipelines carry: mklive's, unpacked once, so the
# classic side packs the same files (find | cpio -H newc | gzip -9).
"$MKLIVE" build -q --no-cache --no-uefi --root "$tarball" --set Live.Compression=lz4 -o "$out/probe.iso"
mkdir -p "$out/initrd" "$out/cd/boot/isolinux" "$out/cd/live"
isoinfo -R -i "$out/probe.iso" -x /boot/initrd.img | gzip -dc | (cd "$out/initrd" && cpio -id --quiet)
for f in isolinux.cfg boot.txt; do isoinfo -R -i "$out/probe.iso" -x /boot/isolinux/$f >"$out/cd/boot/isolinux/$f"; done
isoinfo -R -i "$out/probe.iso" -x /live/mklive.id >"$out/cd/live/mklive.id"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$out/cd/boot/isolinux/"

classic() {
	rm -rf "$out/root" "$out/cd/live/root.squashfs"
	mkdir -p "$out/root"
	tar -xpf "$tarball" -C "$out/root" --numeric-owner --xattrs --xattrs-include='*' &&
	mksquashfs "$out/root" "$out/cd/live/root.squashfs" -comp zstd -Xcompression-level 15 -processors 2 \
		-noappend -quiet -no-progress &&
	(cd "$out/initrd" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9n >"$out/cd/boot/initrd.img") &&
	cp "$out/root/boot/vmlinuz-$kver" "$out/cd/boot/vmlinuz" &&
	xorriso -as mkisofs -quiet -r -J -V MKLIVE -b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
		-o "$out/classic.iso" "$out/cd"
}
build() { "$MKLIVE" build -q --no-cache --no-uefi --root "$tarball" --set Live.Threads=2 -o "$out/mklive.iso"; }
build_uefi() { "$MKLIVE" build -q --no-cache --root "$tarball" --set Live.Threads=2 -o "$out/mklive-uefi.iso"; }
BENCH_OUTPUT=$out/classic.iso bench_run "classic pipeline (tar, mksquashfs, cpio|gzip, xorriso)" classic
BENCH_OUTPUT=$out/mklive.iso bench_run "mklive build --root TARBALL --no-uefi" build
BENCH_OUTPUT=$out/mklive-uefi.iso bench_run "mklive build --root TARBALL (BIOS + UEFI)" build_uefi
bench_table "a Debian live CD from the same root, zstd 15, 2 threads" \
	"classic pipeline (tar, mksquashfs, cpio|gzip, xorriso)"
echo "image size: mklive $(stat -c %s "$out/mklive.iso") bytes, classic $(stat -c %s "$out/classic.iso") bytes," \
	"ratio $(echo "$(stat -c %s "$out/mklive.iso") / $(stat -c %s "$out/classic.iso")" | bc -l | cut -c1-5);" \
	"with UEFI $(stat -c %s "$out/mklive-uefi.iso") bytes"

# A rebuild after changing one file: a directory root (one file edited
# between the runs), with the block cache.
rm -rf "$out/root"; mkdir -p "$out/root"
tar -xpf "$tarball" -C "$out/root" --numeric-owner --xattrs --xattrs-include='*'
first() { rm -rf "$out/cache"; "$MKLIVE" build -q --cache-dir "$out/cache" --root "$out/root" -o "$out/r.iso"; }
again() { date +%s.%N >"$out/root/etc/motd"; "$MKLIVE" build -q --cache-dir "$out/cache" --root "$out/root" -o "$out/r.iso"; }
BENCH_REPS=1 bench_run "mklive build (first, empty cache)" first
"$MKLIVE" build -q --cache-dir "$out/cache" --root "$out/root" -o "$out/r.iso" # the cache warm
bench_run "mklive build after one file changed" again
bench_table "rebuild after changing /etc/motd (directory root)" "mklive build (first, empty cache)"

# The floor: libzstd alone on the same file data (bench/floor.c: read
# every file, 128 KiB blocks, tails packed, zstd 15, 2 threads), against
# the squashfs writer alone and the whole build, from the same directory.
cc -O2 -o "$BENCH_WORK/floor" "$BENCH_DIR/floor.c" -lzstd -lpthread || exit 1
floor() { "$BENCH_WORK/floor" "$out/root" 15 2 131072; }
sqfs_dir() { "$MKLIVE" squashfs "$out/root" "$out/d.sqfs" -comp zstd -processors 2 -quiet -noappend; }
build_dir() { "$MKLIVE" build -q --no-cache --no-uefi --root "$out/root" --set Live.Threads=2 -o "$out/d.iso"; }
bench_run "floor: read + libzstd 15, 128K blocks, 2 thr" floor
BENCH_OUTPUT=$out/d.sqfs bench_run "mklive squashfs DIR -comp zstd" sqfs_dir
BENCH_OUTPUT=$out/d.iso bench_run "mklive build --root DIR --no-uefi" build_dir
bench_table "the build against its floor (zstd 15, 2 threads, same directory)" \
	"floor: read + libzstd 15, 128K blocks, 2 thr"
"$BENCH_WORK/floor" "$out/root" 15 2 131072

BENCH_OUTPUT=$out/default.iso bench_run "mklive build (the embedded default)" \
	"$MKLIVE" build -q --no-cache -o "$out/default.iso"
bench_table "the embedded default system" "mklive build (the embedded default)"

# Time to the login prompt, both images, under TCG on this machine.
login_time() { # ISO -> seconds until "login:" on ttyS0
	local log=$out/$(basename "$1").serial t0 t1 i
	: >"$log"
	t0=$(bench_now)
	qemu-system-x86_64 -machine accel=tcg -m 1536 -nographic -no-reboot -monitor none \
		-serial "file:$log" -display none -cdrom "$1" >/dev/null 2>&1 </dev/null &
	local pid=$!
	for ((i = 0; i < 3000; i++)); do
		grep -qa "login:" "$log" && break
		sleep 0.2
	done
	t1=$(bench_now)
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	grep -qa "login:" "$log" && echo "$t1 - $t0" | bc -l | cut -c1-6 || echo "none"
}
for round in 1 2; do
	echo "boot to login (round $round): classic $(login_time "$out/classic.iso") s, mklive $(login_time "$out/mklive.iso") s"
done
rm -rf "$out/root" "$out/initrd"
