#!/usr/bin/env bash
# Boot time from slow media under QEMU (TCG): QEMU's start to the live
# system's login prompt on the serial console ("login:", or the shell
# prompt of an autologin), for the same Debian root (tests/lib/debian_root.sh:
# minbase + linux-image-amd64, systemd-sysv, udev, kmod, sudo, locales,
# iproute2) as
#   - mklive's image (mklive build --root TARBALL, zstd),
#   - live-build's image of the same packages (lb build, live-boot; its
#     xz squashfs; made once and kept in bench/work/lb),
#   - mklive's image with the learned layout (--boot-order auto: built,
#     booted once unthrottled to record the order, built again),
#   - the same layout with mklive-init's read-ahead of the boot set
#     (live.readahead: all of it asked for at once before the root mounts),
# each on three media, alternated image by image, BENCH_ROUNDS rounds
# (default 3), medians and ratios; with QEMU's block trace on, so the
# bytes read, the requests and the requests that did not follow the one
# before (the seeks of a real drive) are counted too, with the time the
# drive's reads took (QMP query-blockstats, throttle waits included) and
# what a real drive would take for the same reads (drive_model below).
#
# The media: QEMU's block throttling of the drive (throttling.* of -drive,
# a token bucket on bytes and on requests per second; the request limit is
# set over QMP once the kernel starts, since SeaBIOS and isolinux load the
# kernel and initramfs in thousands of 2 KiB requests that a real drive's
# cache streams):
#   dvd:  CD drive (ide-cd), bps-read 8000000, iops-read 40. 8 MB/s is what
#         a 16x DVD drive sustains on average over a disc (about 6x of the
#         1x 1.385 MB/s; 16x is reached at the outer edge only). A drive's
#         random access takes about 100 ms (10 per second), but its cache
#         serves the next sectors of a sequential stream without a seek;
#         QEMU charges every request alike and cannot tell a seek from the
#         next read, so 40 per second (25 ms a request) sits between the
#         two: a boot that reads in order pays less than one that seeks
#         only through having fewer, larger requests.
#   usb2: USB stick (xHCI usb-storage), bps-read 25000000, iops-read 400:
#         a USB 2 stick reads 20-30 MB/s (the bus tops out near 35); the
#         bulk-only transport's command, flash latency and status cost
#         about 2.5 ms per command.
#   none: the CD drive unthrottled (TCG's own speed; BENCH_MEDIA="dvd usb2 none").
# Long-running (an hour): not part of make check; `make bench` runs it.
source "$(dirname "$0")/lib/bench.sh"
source "$(dirname "$0")/lib/live_build.sh"
here=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
MEDIA=${BENCH_MEDIA:-"dvd usb2"}
TIMEOUT=${BENCH_BOOT_TIMEOUT:-480}
w=$BENCH_WORK/boot-media
mkdir -p "$w" && cd "$w" || exit 1
export SOURCE_DATE_EPOCH=1700000000

tar=$(bash "$here/tests/lib/debian_root.sh") || { echo "bench boot-media: no Debian root" >&2; exit 1; }
names=(mklive lb learned ra)
if [ "${BENCH_LB:-1}" = 0 ]; then
	names=(mklive learned ra) lb=
	echo "# BENCH_LB=0: no live-build image"
elif lb=$(lb_iso); then
	echo "# live-build image: $lb ($(stat -c %s "$lb") bytes)"
else
	echo "bench boot-media: no live-build image (see above)" >&2
	exit 1
fi

# mklive's images: the plain one, and the learned layout (its order kept
# as learned.iso.boot-order for the report)
if [ ! -s mklive.iso ] || [ "$MKLIVE" -nt mklive.iso ]; then
	"$MKLIVE" build -q --root "$tar" --no-uefi -o mklive.iso || exit 1
fi
if [ ! -s learned.iso ] || [ "$MKLIVE" -nt learned.iso ]; then
	/usr/bin/time -f %e -o learned.time "$MKLIVE" build --root "$tar" --no-uefi --boot-order auto \
		-o learned.iso >learned.log 2>&1 || { tail -n 5 learned.log >&2; exit 1; }
	echo "# --boot-order auto: $(cat learned.time) s in all (build, boot, rebuild); $(grep 'the boot read' learned.log | sed 's/^mklive build: //')"
fi
echo "# learned order: $(grep -vc '^#' learned.iso.boot-order) files, boot set $(isoinfo -R -i learned.iso -x /live/root.readahead) bytes"
if [ ! -s ra.iso ] || [ learned.iso -nt ra.iso ]; then
	"$MKLIVE" build -q --root "$tar" --no-uefi --boot-order learned.iso.boot-order --append live.readahead \
		-o ra.iso || exit 1
fi

# qmp SOCKET JSON: one QMP command (after the capabilities handshake)
qmp() {
	python3 - "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
for cmd in ('{"execute": "qmp_capabilities"}', sys.argv[2]):
    f.write(cmd + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            break
    if "error" in r:
        sys.exit(r["error"]["desc"])
print(json.dumps(r["return"]))
PY
}

# boot1 IMAGE MEDIUM: one boot; prints "seconds bytes requests seeks", or
# fails; exit 2 when the guest kernel panicked (TCG on a loaded host can
# miss the IO-APIC timer check: the boot is retried)
boot1() {
	local img=$1 medium=$2 log=$w/serial.log trace=$w/blk.trace sock=$w/qmp.sock dev t0 t1 pid ok=0
	local bps= iops= throttled=0 menu=0 menu_t=
	case $medium in
	dvd) bps=8000000 iops=40 ;;
	usb2) bps=25000000 iops=400 ;;
	esac
	# The firmware and isolinux read the kernel and initramfs in 2 KiB
	# requests (thousands of them); a drive's cache streams those, so the
	# request limit starts with the kernel ("Linux version" on ttyS0, or
	# mklive-init's first line when the kernel is quiet) and only the
	# bandwidth applies before it.
	local drive="if=none,id=m,format=raw,readonly=on,file=$img${bps:+,throttling.bps-read=$bps}"
	if [ "$medium" = usb2 ]; then
		dev=(-device qemu-xhci,id=xhci -drive "$drive" -device usb-storage,bus=xhci.0,drive=m,removable=on,bootindex=1)
	else
		dev=(-drive "$drive,media=cdrom" -device ide-cd,drive=m,bootindex=1)
	fi
	: >"$log"; rm -f "$trace" "$sock"
	t0=$(bench_now)
	qemu-system-x86_64 -machine accel=tcg -m 1024 -nographic -no-reboot -monitor none -display none \
		-serial "file:$log" "${dev[@]}" -qmp "unix:$sock,server=on,wait=off" \
		-trace "enable=blk_co_preadv,file=$trace" </dev/null >/dev/null 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		if [ $throttled = 0 ] && [ -n "$iops" ] && grep -aqE 'Linux version|live: booted by' "$log"; then
			qmp "$sock" "{\"execute\": \"block_set_io_throttle\", \"arguments\": {\"device\": \"m\", \"bps\": 0, \"bps_rd\": $bps, \"bps_wr\": 0, \"iops\": 0, \"iops_rd\": $iops, \"iops_wr\": 0}}" >/dev/null ||
				{ kill $pid; wait $pid 2>/dev/null; return 1; }
			throttled=1
		fi
		grep -aq 'Kernel panic' "$log" && { kill $pid; wait $pid 2>/dev/null; return 2; }
		# live-build's isolinux menu waits for a key (timeout 0): Enter,
		# 5 s after the boot loader starts, as mklive's menu times out
		if [ $menu = 0 ] && grep -aq 'ISOLINUX' "$log"; then
			[ -n "$menu_t" ] || menu_t=$(bench_now)
			if [ "$(echo "$(bench_now) - $menu_t > 5" | bc)" = 1 ]; then
				qmp "$sock" '{"execute": "send-key", "arguments": {"keys": [{"type": "qcode", "data": "ret"}]}}' >/dev/null || true
				menu=1
			fi
		fi
		# a getty's prompt, or an autologin shell's
		if grep -aqE 'login: *$|login: |[$#] *$' <(tail -c 200 "$log" | tr -d '\r'); then
			ok=1; break
		fi
		t1=$(bench_now)
		[ "$(echo "$t1 - $t0 > $TIMEOUT" | bc)" = 1 ] && break
		sleep 0.2
	done
	t1=$(bench_now)
	# the time the drive's reads took, throttle waits included (QEMU's
	# accounting starts when the device model issues the request)
	local iot=0
	if [ $ok = 1 ]; then
		iot=$(qmp "$sock" '{"execute": "query-blockstats"}' | python3 -c '
import json, sys
for d in json.load(sys.stdin):
    if d.get("device") == "m" or d.get("qdev", "").endswith("m"):
        print(d["stats"]["rd_total_time_ns"] / 1e9); break
else:
    print(0)') || iot=0
	fi
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	[ $ok = 1 ] || { echo "boot of $img ($medium) did not reach a prompt: $(tail -c 300 "$log" | tr -d '\r\033')" >&2; return 1; }
	# the drive's reads: bytes, requests, requests not at the end of the last one
	awk '/blk_co_preadv/ { for (i = 1; i < NF; i++) { if ($i == "offset") o = $(i + 1); if ($i == "bytes") b = $(i + 1) }
		n++; by += b; if (o != next_off) s++; next_off = o + b }
		END { printf "%d %d %d\n", by, n, s }' "$trace" >"$w/io"
	printf '%.2f %s %.2f\n' "$(echo "$t1 - $t0" | bc -l)" "$(cat "$w/io")" "$iot"
}

boot() {
	local try rc
	for try in 1 2 3; do
		boot1 "$@"; rc=$?
		[ $rc = 0 ] && return 0
		echo "# $1 ($2): $([ $rc = 2 ] && echo 'the guest kernel panicked' || echo 'no prompt'); TCG on a loaded host misses its timers at times; again" >&2
	done
	return 1
}

declare -A res
declare -A files=([mklive]=$w/mklive.iso [lb]=$lb [learned]=$w/learned.iso [ra]=$w/ra.iso)
declare -A labels=([mklive]="mklive build (zstd)" [lb]="live-build lb build (xz)"
	[learned]="mklive --boot-order auto" [ra]="  the same, live.readahead")
for ((r = 1; r <= ROUNDS; r++)); do
	for m in $MEDIA; do
		for n in "${names[@]}"; do
			out=$(boot "${files[$n]}" "$m") || exit 1
			res[$m,$n]+="$out"$'\n'
			echo "# round $r $m $n: $out" >&2
		done
	done
done

median() { sort -g | sed -n "$(((ROUNDS + 1) / 2))p"; }
# drive_model MEDIUM BYTES REQUESTS SEEKS: the seconds a real drive would
# spend on these reads, which QEMU's throttle cannot show (it charges every
# request alike): a DVD drive streams at 8 MB/s and pays about 100 ms of
# random access for each request that does not follow the one before; a
# USB 2 stick streams at 25 MB/s and pays about 2.5 ms of command and
# status for every request, wherever it lies.
drive_model() {
	case $1 in
	dvd) echo "$2 / 8000000 + $4 * 0.1" | bc -l ;;
	usb2) echo "$2 / 25000000 + $3 * 0.0025" | bc -l ;;
	*) echo 0 ;;
	esac
}
for m in $MEDIA; do
	echo
	echo "## boot to login on $m, TCG (median of $ROUNDS; ratio = time / time of the first row)"
	printf '%-34s %9s %7s %7s %8s %8s %6s %7s %7s\n' image seconds ratio "vs lb" "MB read" requests seeks "I/O s" "drive s"
	base= lbt=
	for n in "${names[@]}"; do
		t=$(printf '%s' "${res[$m,$n]}" | awk '{print $1}' | median)
		[ "$n" = lb ] && lbt=$t
	done
	[ -n "$lbt" ] || lbt=0
	for n in "${names[@]}"; do
		t=$(printf '%s' "${res[$m,$n]}" | awk '{print $1}' | median)
		b=$(printf '%s' "${res[$m,$n]}" | awk '{print $2}' | median)
		q=$(printf '%s' "${res[$m,$n]}" | awk '{print $3}' | median)
		s=$(printf '%s' "${res[$m,$n]}" | awk '{print $4}' | median)
		io=$(printf '%s' "${res[$m,$n]}" | awk '{print $5}' | median)
		[ -n "$base" ] || base=$t
		printf '%-34s %9.1f %7.2f %7.2f %8.1f %8d %6d %7.1f %7.1f\n' "${labels[$n]}" "$t" "$(echo "$t / $base" | bc -l)" \
			"$( [ "$lbt" = 0 ] && echo 0 || echo "$t / $lbt" | bc -l)" "$(echo "$b / 1000000" | bc -l)" "$q" "$s" \
			"$io" "$(drive_model "$m" "$b" "$q" "$s")"
	done
done
