#!/usr/bin/env bash
# Boot time to mklive-init's "live: booted by ..." line on every firmware
# path (SeaBIOS CD and USB, OVMF CD and USB, q35 AHCI, OVMF Secure Boot CD
# and USB), mklive's medium beside the anchor: the same tree (shim, GRUB,
# Debian's kernel, the same initramfs and root, the same efi.img) through
# `xorriso -as mkisofs -isohybrid-mbr ... -e boot/efi.img -no-emul-boot
# -isohybrid-gpt-basdat`, Debian's command line. The two guests of a path
# run at the same time, so both see the same load. Then the two sizes.
source "$(dirname "$0")/lib/bench.sh"
REPS=${BENCH_REPS_UEFI:-2}
export BUILD=${BUILD:-$(cd "$(dirname "$MKLIVE")" && pwd)}
export TEST_OUT=$BENCH_WORK/uefi TESTS_DIR=$BENCH_DIR/../tests
mkdir -p "$TEST_OUT"
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/uefi_image.sh"
[ -x "$BUILD/tools/bootcfg" ] || make -C "$BENCH_DIR/.." -s "BUILD=$BUILD" "$BUILD/tools/bootcfg" >&2
uefi_anchor_image || { echo "bench uefi: $UEFI_WHY" >&2; exit 1; }
marker="live: booted by"
paths=(bios-cd bios-usb uefi-cd uefi-usb q35-cd sb-cd sb-usb)
declare -A t

one() { # HOW IMAGE TAG -> seconds to the marker, or "fail"
	local s=$(bench_now)
	if uefi_boot "$TEST_OUT/$3.serial" "$marker" 600 "$1" "$2"; then
		echo "$(bench_now) - $s" | bc -l >"$TEST_OUT/$3.time"
	else
		echo fail >"$TEST_OUT/$3.time"
	fi
}
for p in "${paths[@]}"; do
	for ((r = 0; r < REPS; r++)); do
		one "$p" "$UEFI_ISO" "m-$p-$r" &
		one "$p" "$UEFI_ANCHOR" "a-$p-$r" &
		wait
		t[m-$p]+="$(cat "$TEST_OUT/m-$p-$r.time") "
		t[a-$p]+="$(cat "$TEST_OUT/a-$p-$r.time") "
	done
done
echo
echo "## boot to mklive-init's message under QEMU TCG (median of $REPS; ratio = mklive / xorriso)"
printf '%-10s %12s %12s %8s\n' path xorriso mklive ratio
for p in "${paths[@]}"; do
	a=$(bench_median "${t[a-$p]}") m=$(bench_median "${t[m-$p]}")
	case "$a $m" in *fail*) printf '%-10s %12s %12s %8s\n' "$p" "$a" "$m" - ;;
	*) printf '%-10s %12.1f %12.1f %8.2f\n' "$p" "$a" "$m" "$(echo "$m / $a" | bc -l)" ;; esac
done
s=$(stat -c %s "$UEFI_ISO") a=$(stat -c %s "$UEFI_ANCHOR")
echo
echo "## image size (same tree; target: at most 1.01 x the anchor)"
printf '%-44s %14s %8s\n' image bytes ratio
printf '%-44s %14s %8.4f\n' "xorriso -as mkisofs (anchor)" "$a" 1
printf '%-44s %14s %8.4f\n' "mklive iso" "$s" "$(echo "$s / $a" | bc -l)"
