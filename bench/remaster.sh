#!/usr/bin/env bash
# Remastering a live ISO: live-build's image of the benchmarks' Debian root
# (bench/lib/live_build.sh, made once) turned into a new live ISO with its
# root recompressed at zstd 15 on 2 threads, side by side, alternated:
#   classic: xorriso extracts the ISO's files, unsquashfs -processors 2
#            unpacks its root (as root, to keep owners), mksquashfs -comp
#            zstd packs it again, xorriso -as mkisofs masters the ISO with
#            the medium's own isolinux;
#   mklive:  mklive build --root live-build.iso (the root read in place
#            from the squashfs inside the ISO, no unpacking; a new
#            initramfs and boot menu of mklive's).
source "$(dirname "$0")/lib/bench.sh"
source "$(dirname "$0")/lib/live_build.sh"
lb=$(lb_iso) || exit 1
w=$BENCH_WORK/remaster
rm -rf "$w" && mkdir -p "$w" && cd "$w" || exit 1
export SOURCE_DATE_EPOCH=1700000000

classic() {
	rm -rf cd root new.iso
	xorriso -osirrox on -indev "$lb" -extract / cd >/dev/null 2>&1 && chmod -R u+w cd &&
	unsquashfs -q -processors 2 -d root cd/live/filesystem.squashfs >/dev/null &&
	rm -f cd/live/filesystem.squashfs &&
	mksquashfs root cd/live/filesystem.squashfs -comp zstd -Xcompression-level 15 -processors 2 \
		-noappend -quiet -no-progress &&
	rm -f cd/isolinux/boot.cat &&
	xorriso -as mkisofs -quiet -r -J -V REMASTER -b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
		-o new.iso cd
}
mk() { "$MKLIVE" build -q --no-cache --no-uefi --root "$lb" --set Live.Threads=2 -o mk.iso; }
BENCH_OUTPUT=$w/new.iso bench_run "classic remaster (unsquashfs, mksquashfs, xorriso)" classic
BENCH_OUTPUT=$w/mk.iso bench_run "mklive build --root live-build.iso" mk
bench_table "remastering live-build's ISO, zstd 15, 2 threads" "classic remaster (unsquashfs, mksquashfs, xorriso)"
cd / && rm -rf "$w/cd" "$w/root"
