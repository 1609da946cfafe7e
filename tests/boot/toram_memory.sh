#!/usr/bin/env bash
# live.toram with too little memory: mklive-init compares the image plus a
# margin with MemAvailable, says so and boots from the medium (it used to
# fill RAM until the kernel panicked, "System is deadlocked on memory").
# With enough memory the copy is still made and the medium released.
# live.fetch= of an image larger than the memory stops before downloading,
# with the same figures, at the rescue shell. A read error in the middle of
# the copy (QEMU's blkdebug fails one sector of the image on the CD) frees
# the tmpfs and boots from the medium.
# The default system (with the net modules) with 64 MB of incompressible
# ballast in its root.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/live_image.sh"
need qemu-system-x86_64 qemu-system-x86
need python3 python3
[ -n "$(debian_kernel)" ] || { echo "SKIP: $T_SCRIPT (needs a kernel from linux-image-amd64)"; exit 0; }
need_file /bin/busybox busybox-static
O=$TEST_OUT
export SOURCE_DATE_EPOCH=1700000000
rm -rf "$O/ballast"; mkdir -p "$O/ballast/opt"
head -c 64M /dev/urandom >"$O/ballast/opt/ballast"
iso=$O/toram.iso
printf '[Kernel]\nModuleProfile = generic+net\n' >"$O/net.conf"
if ! "$MKLIVE" build -q -c "$O/net.conf" -o "$iso" --overlay "$O/ballast" --timeout 1 --append no_timer_check >"$O/build.log" 2>&1; then
	t_fail build "$(tail -c 400 "$O/build.log")"; t_done
fi
rm -rf "$O/ballast"
rm -rf "$O/srv"; mkdir -p "$O/srv/live"
for f in live/root.squashfs live/SHA256SUMS; do "$MKLIVE" cat "$iso:/$f" >"$O/srv/$f"; done
boot() { # NAME MEMORY [APPEND [QEMU ARGS]]
	local name=$1 mem=$2 append=${3:-live.toram live.debug}
	shift 3 2>/dev/null || shift $#
	"$MKLIVE" run "$iso" -m "$mem" --append "$append" --expect 'mklive:/# |Kernel panic|boot failed: starting a shell' \
		--timeout 300 --log "$O/$name.log" -- "$@" </dev/null >"$O/$name.out" 2>"$O/$name.err"
}
has() { tr -d '\r' <"$O/$1.log" | grep -aqE -- "$2"; }
tail_of() { tr -d '\033\r' <"$O/$1.log" | grep -a 'live:\|panic' | tail -n 4 | tr '\n' ' ' | tail -c 400; }
# 160 MiB: the kernel and initramfs boot, about 60 MiB are left
boot small 160 &
boot large 768 &
wait
if has small 'live: live.toram: the copy needs [0-9]+ MiB of RAM .* only [0-9]+ MiB are available' &&
	has small 'live: live.toram: not enough memory; booting from the medium sr0 instead' &&
	has small 'mklive:/# ' && ! has small 'Kernel panic|copying root.squashfs to RAM: '; then
	t_pass too-little-memory-boots-from-medium
else
	t_fail too-little-memory-boots-from-medium "$(cat "$O/small.err"); $(tail_of small)"
fi
if has large 'copying root.squashfs to RAM: 100%' && has large 'medium sr0 released' && has large 'mklive:/# ' &&
	! has large 'not enough memory'; then
	t_pass enough-memory-copies
else
	t_fail enough-memory-copies "$(cat "$O/large.err"); $(tail_of large)"
fi
boot fetch 160 'live.fetch=http://10.0.2.100/live/root.squashfs' \
	-nic "user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:python3 $TESTS_DIR/lib/http_stdio.py $O/srv" &
# a sector in the middle of root.squashfs (the ballast: booting from the
# medium afterwards does not read it) fails every read
midway() {
	local lba
	lba=$(xorriso -indev "$iso" -find /live/root.squashfs -exec report_lba -- 2>/dev/null |
		awk -F, '/root.squashfs/ {gsub(/ /, "", $2); gsub(/ /, "", $3); print $2 + int($3 / 2)}')
	[ -n "$lba" ] || { echo "no LBA for /live/root.squashfs" >"$O/midway.err"; return; }
	printf '[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "%d"\nonce = "off"\n' $((lba * 4)) >"$O/blkdebug.conf"
	"$MKLIVE" cat "$iso:/boot/vmlinuz" >"$O/vmlinuz" && "$MKLIVE" cat "$iso:/boot/initrd.img" >"$O/initrd.img"
	qemu_serial_start "$O/midway.log" -kernel "$O/vmlinuz" -initrd "$O/initrd.img" -nic none \
		-append 'console=ttyS0 panic=-1 no_timer_check live.toram' \
		-drive "if=none,id=cd,format=raw,read-only=on,file=blkdebug:$O/blkdebug.conf:$iso" -device ide-cd,drive=cd
	if serial_wait 'mklive:/# ' 240; then
		serial_type 'grep -q " /run/live/toram " /proc/mounts || echo TORAM-$((1+1))-UNMOUNTED'
		serial_wait 'TORAM-2-UNMOUNTED' 60
	fi
	qemu_serial_stop
}
if command -v xorriso >/dev/null; then
	midway &
else
	t_skip copy-fails-midway-boots-from-medium "needs xorriso for the image's LBA"
fi
wait
if has fetch 'live: root.squashfs needs [0-9]+ MiB of RAM .* only [0-9]+ MiB are available' &&
	has fetch 'live: live.fetch: too little RAM for http://10.0.2.100/live/root.squashfs' &&
	has fetch 'boot failed: starting a shell' && ! has fetch 'Kernel panic|fetching root.squashfs'; then
	t_pass fetch-too-little-memory
else
	t_fail fetch-too-little-memory "$(cat "$O/fetch.err"); $(tail_of fetch)"
fi
if [ -f "$O/midway.log" ]; then
	if has midway 'I/O error, dev sr0' && has midway 'live: copying /run/live/medium/live/root.squashfs to RAM: I/O error' &&
		has midway 'live: live.toram: the copy failed, its memory is freed; booting from the medium sr0 instead' &&
		has midway 'TORAM-2-UNMOUNTED' && ! has midway 'Kernel panic'; then
		t_pass copy-fails-midway-boots-from-medium
	else
		t_fail copy-fails-midway-boots-from-medium "$(cat "$O/midway.err" 2>/dev/null); $(tail_of midway)"
	fi
fi
t_done
