#!/usr/bin/env bash
# Network boot against the CD, same build, same run (QEMU TCG): seconds
# from QEMU's start to the live system's shell answering, for BIOS (CD
# through isolinux; PXE through QEMU's iPXE ROM and lpxelinux, and through
# boot.ipxe) and UEFI (OVMF CD; OVMF PXE -> shim -> network GRUB); the CD
# and its netboot counterpart run at the same time, so both see the same
# load. The root image's fetch throughput as mklive-init reports it. Then
# the netboot tree's size against the ISO's.
source "$(dirname "$0")/lib/bench.sh"
REPS=${BENCH_REPS_NETBOOT:-2}
W=$BENCH_WORK/netboot
rm -rf "$W"; mkdir -p "$W/tmp"
export TMPDIR=$W/tmp SOURCE_DATE_EPOCH=1700000000
K=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$K" ] || { echo "bench netboot: needs linux-image-amd64" >&2; exit 1; }
"$MKLIVE" build -q --no-cache -k "$K" -o "$W/live.iso" --netboot "$W/tree" --timeout 1 \
	--append "no_timer_check" || exit 1

one() { # TAG RUN-ARGS... -> seconds to the shell's answer, or "fail"
	local tag=$1 s; shift
	s=$(bench_now)
	if "$MKLIVE" run -q "$@" --send 'echo BENCH-$((6*7))\n' --expect 'BENCH-42' --timeout 600 \
		--log "$W/$tag.log" </dev/null >/dev/null 2>&1; then
		echo "$(bench_now) - $s" | bc -l >"$W/$tag.time"
	else
		echo fail >"$W/$tag.time"
	fi
}
declare -A t
pairs=("bios|$W/live.iso|--netboot $W/tree" "bios-ipxe|$W/live.iso|--netboot $W/tree --bootfile boot.ipxe"
	"uefi|--uefi $W/live.iso|--uefi --netboot $W/tree")
for p in "${pairs[@]}"; do
	IFS='|' read -r name cd nb <<<"$p"
	for ((r = 0; r < REPS; r++)); do
		# shellcheck disable=SC2086
		one "cd-$name-$r" $cd &
		# shellcheck disable=SC2086
		one "nb-$name-$r" $nb &
		wait
		t[cd-$name]+="$(cat "$W/cd-$name-$r.time") "
		t[nb-$name]+="$(cat "$W/nb-$name-$r.time") "
	done
done
echo
echo "## time to the live system's shell under QEMU TCG (median of $REPS; ratio = netboot / CD)"
printf '%-10s %10s %10s %8s\n' path CD netboot ratio
for p in "${pairs[@]}"; do
	IFS='|' read -r name _ _ <<<"$p"
	c=$(bench_median "${t[cd-$name]}") n=$(bench_median "${t[nb-$name]}")
	case "$c $n" in *fail*) printf '%-10s %10s %10s %8s\n' "$name" "$c" "$n" - ;;
	*) printf '%-10s %10.1f %10.1f %8.2f\n' "$name" "$c" "$n" "$(echo "$n / $c" | bc -l)" ;; esac
done
echo
echo "## the root image's fetch in the guest, as mklive-init says it"
grep -ahoE 'fetched [^ ]+ [0-9.]+ MB in [0-9.]+ s \([0-9.]+ MB/s\)' "$W"/nb-*.log | tr -d '\r' | sort -u
iso=$(stat -c %s "$W/live.iso") tree=$(du -sb --apparent-size "$W/tree" | cut -f1)
echo
echo "## size: netboot tree against the ISO (same build)"
printf 'ISO %.1f MB, tree %.1f MB (%.2f x); the tree without UEFI loaders %.1f MB\n' \
	"$(echo "$iso / 1000000" | bc -l)" "$(echo "$tree / 1000000" | bc -l)" "$(echo "$tree / $iso" | bc -l)" \
	"$(echo "($tree - $(stat -c %s "$W/tree/bootx64.efi" "$W/tree/grubx64.efi" "$W/tree/mmx64.efi" | paste -sd+ | bc)) / 1000000" | bc -l)"
