#!/usr/bin/env bash
# mklive against Debian's live-build on the same packages, side by side in
# one run (live-build's image and chroot: bench/lib/live_build.sh, made once
# and kept in bench/work/lb):
#   - the image stage alone: `lb binary` on live-build's own chroot (its
#     squashfs is xz) against `mklive build --root CHROOT` at xz and at
#     mklive's default zstd 15;
#   - the whole build from packages: `lb build` from a warm package cache
#     against `mklive build --root debian:bookworm`.
# Long-running (live-build's own steps take many minutes): `make bench` runs
# it. BENCH_LB_IMAGE=0 leaves out the image stage, BENCH_LB_FULL=0 the
# whole build.
source "$(dirname "$0")/lib/bench.sh"
source "$(dirname "$0")/lib/live_build.sh"
export SOURCE_DATE_EPOCH=1700000000
# one run each and no warm-up: live-build's runs take many minutes; the CPU
# seconds column is the figure to compare on a machine doing other work
export BENCH_WARMUP=0 BENCH_REPS=1
lb_iso >/dev/null || exit 1
out=$BENCH_WORK/livebuild
rm -rf "$out"; mkdir -p "$out"
# The image stage on live-build's own chroot.
lbdir=$BENCH_WORK/lb
if [ -d "$lbdir/chroot/usr" ] && command -v lb >/dev/null; then
	if [ "${BENCH_LB_IMAGE:-1}" = 1 ]; then
		# lb binary works in a copy, so the image bench/boot-media.sh boots
		# stays as it is (lb binary installs its boot loaders into the chroot
		# and takes them out again: a real copy, not hard links)
		bin=$BENCH_WORK/lb-binary
		lb_binary() {
			rm -rf "$bin" && mkdir -p "$bin" && cp -a "$lbdir/config" "$lbdir/auto" "$lbdir/.build" "$lbdir/chroot" \
				"$lbdir/chroot.files" "$lbdir/chroot.packages.install" "$lbdir/chroot.packages.live" "$bin/" &&
				rm -f "$bin"/.build/binary* && (cd "$bin" && lb binary >lb-binary.log 2>&1) &&
				[ -s "$bin/live-image-amd64.hybrid.iso" ]
		}
		mk_xz() { "$MKLIVE" build -q --no-cache --no-uefi --root "$lbdir/chroot" --compression xz -o "$out/lbroot-xz.iso"; }
		mk_zstd() { "$MKLIVE" build -q --no-cache --no-uefi --root "$lbdir/chroot" -o "$out/lbroot.iso"; }
		BENCH_REPS=1 BENCH_OUTPUT=$bin/live-image-amd64.hybrid.iso bench_run "live-build: lb binary (xz)" lb_binary
		BENCH_REPS=1 BENCH_OUTPUT=$out/lbroot-xz.iso bench_run "mklive build --root CHROOT (xz)" mk_xz
		BENCH_REPS=1 BENCH_OUTPUT=$out/lbroot.iso bench_run "mklive build --root CHROOT (zstd)" mk_zstd
		bench_table "the image stage on live-build's chroot" "live-build: lb binary (xz)"
		rm -rf "$bin"
	fi
	# The whole build from packages: lb build (debootstrap, the packages,
	# the image) in a copy of the benchmark's configuration whose package
	# cache (cache/, hard-linked) is warm, against mklive build --root
	# debian:bookworm with the same packages and an empty root cache
	# (mmdebstrap keeps no package cache: it downloads what it installs,
	# which only counts against mklive). BENCH_LB_FULL=0 leaves it out.
	if [ "${BENCH_LB_FULL:-1}" = 1 ]; then
		full=$BENCH_WORK/lb-full
		lb_full() {
			rm -rf "$full" && mkdir -p "$full" && cp -a "$lbdir/config" "$lbdir/auto" "$full/" &&
				(cd "$full" && lb config >lb-config.log 2>&1) &&
			mkdir -p "$full/cache" && cp -al "$lbdir"/cache/packages.* "$full/cache/" &&
				(cd "$full" && lb build >lb-build.log 2>&1) &&
				[ -s "$full/live-image-amd64.hybrid.iso" ]
		}
		mk_full() {
			rm -rf "$out/debcache"
			"$MKLIVE" build -q --no-uefi --cache-dir "$out/debcache" --root debian:bookworm \
				--set "Root.Packages=linux-image-amd64 $LB_PACKAGES" -o "$out/debian.iso"
		}
		BENCH_REPS=1 BENCH_OUTPUT=$full/live-image-amd64.hybrid.iso bench_run "live-build: lb build (xz)" lb_full
		BENCH_REPS=1 BENCH_OUTPUT=$out/debian.iso bench_run "mklive build --root debian:bookworm (zstd)" mk_full
		bench_table "the whole build from Debian's packages, same package list" "live-build: lb build (xz)"
		rm -rf "$full" "$out/debcache"
	fi
else
	echo "bench livebuild: no live-build chroot in $lbdir" >&2
	exit 1
fi

rm -rf "$out"
