#!/usr/bin/env bash
# live.toram with too little memory: mklive-init compares the image plus a
# margin with MemAvailable, says so and boots from the medium (it used to
# fill RAM until the kernel panicked, "System is deadlocked on memory").
# With enough memory the copy is still made and the medium released.
# The default system with 64 MB of incompressible ballast in its root.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
[ -n "$(debian_kernel)" ] || { echo "SKIP: $T_SCRIPT (needs a kernel from linux-image-amd64)"; exit 0; }
need_file /bin/busybox busybox-static
O=$TEST_OUT
export SOURCE_DATE_EPOCH=1700000000
rm -rf "$O/ballast"; mkdir -p "$O/ballast/opt"
head -c 64M /dev/urandom >"$O/ballast/opt/ballast"
iso=$O/toram.iso
if ! "$MKLIVE" build -q -o "$iso" --overlay "$O/ballast" --timeout 1 --append no_timer_check >"$O/build.log" 2>&1; then
	t_fail build "$(tail -c 400 "$O/build.log")"; t_done
fi
rm -rf "$O/ballast"
boot() { # NAME MEMORY
	"$MKLIVE" run "$iso" -m "$2" --append 'live.toram live.debug' --expect 'mklive:/# |Kernel panic|boot failed' \
		--timeout 300 --log "$O/$1.log" </dev/null >"$O/$1.out" 2>"$O/$1.err"
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
t_done
