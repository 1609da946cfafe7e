# Debian's live-build image of the benchmarks' Debian root (sourced by
# bench/*.sh): the packages of tests/lib/debian_root.sh plus live-build's
# own live-boot and live-config, BIOS CD (isolinux), squashfs xz (its
# default), the serial console, made once in $BENCH_WORK/lb and kept.
#   lb_iso    prints the path of the image, building it on first use
#             (minutes: debootstrap, the packages, mksquashfs, xorriso)
LB_PACKAGES="systemd-sysv udev kmod sudo locales iproute2"

lb_iso() {
	local dir=$BENCH_WORK/lb iso
	iso=$dir/live-image-amd64.hybrid.iso
	if [ -s "$iso" ]; then echo "$iso"; return 0; fi
	command -v lb >/dev/null || { echo "needs live-build (apt-get install live-build)" >&2; return 1; }
	mkdir -p "$BENCH_WORK" && exec 8>"$BENCH_WORK/lb.lock" && flock 8 || return 1
	if [ -s "$iso" ]; then echo "$iso"; return 0; fi # made while we waited
	rm -rf "$dir" && mkdir -p "$dir/config/package-lists" || return 1
	(
		cd "$dir" || exit 1
		# the same suite and packages as mklive's image; no installer,
		# no memtest, no recommends (mmdebstrap's minbase has none either)
		lb config --distribution bookworm --archive-areas main --binary-images iso-hybrid \
			--bootloaders syslinux --debian-installer none --memtest none \
			--apt-recommends false --security false --updates false \
			--bootappend-live "boot=live components console=ttyS0,115200" >lb-config.log 2>&1 || exit 1
		echo "$LB_PACKAGES" >config/package-lists/bench.list.chroot
		lb build >lb-build.log 2>&1
	) || { echo "lb build failed: see $dir/lb-build.log" >&2; tail -n 5 "$dir/lb-build.log" >&2; return 1; }
	[ -s "$iso" ] || { echo "lb build made no $iso" >&2; return 1; }
	echo "$iso"
}
