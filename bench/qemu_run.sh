#!/usr/bin/env bash
# mklive run against QEMU started by hand the classic way (serial console
# to a file, a shell loop polling it for the marker every 0.2 s, then
# kill), on the same live image (mklive build's default system), TCG:
#   - to SeaBIOS's banner: what mklive run adds before the guest runs (the
#     KVM test, the private directory, QMP), with --accel auto and tcg;
#   - to the live system's shell prompt, and a typed command's answer:
#     relaying, matching and typing cost nothing next to the boot.
source "$(dirname "$0")/lib/bench.sh"
BENCH_REPS=${BENCH_REPS_RUN:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
iso=$(BUILD=${BUILD:-$here/build} MKLIVE=$MKLIVE bash "$here/tests/lib/make_live_iso.sh" bios) || exit 1
w=$BENCH_WORK/qemu_run
rm -rf "$w" && mkdir -p "$w" && cd "$w" || exit 1

# the classic: boot, poll the serial log, kill (a script: bench_run times
# a command)
cat >classic.sh <<'SH'
iso=$1 marker=$2
: >serial.log
qemu-system-x86_64 -machine accel=tcg -m 1024 -nographic -no-reboot -monitor none \
	-serial file:serial.log -display none -cdrom "$iso" </dev/null >/dev/null 2>&1 &
pid=$!
until grep -qa -- "$marker" serial.log; do
	kill -0 $pid 2>/dev/null || exit 1
	sleep 0.2
done
kill $pid; wait $pid 2>/dev/null
exit 0
SH

bench_run "qemu + poll loop: SeaBIOS banner" bash classic.sh "$iso" 'SeaBIOS (version'
bench_run "mklive run --accel tcg: SeaBIOS banner" "$MKLIVE" run -q --accel tcg "$iso" --expect 'SeaBIOS \(version'
bench_run "mklive run (auto, KVM test): SeaBIOS banner" "$MKLIVE" run -q "$iso" --expect 'SeaBIOS \(version'
bench_table "start to SeaBIOS's banner on the serial console, TCG" "qemu + poll loop: SeaBIOS banner"

bench_run "qemu + poll loop: shell prompt" bash classic.sh "$iso" 'mklive:/# '
bench_run "mklive run: shell prompt" "$MKLIVE" run -q "$iso" --expect 'mklive:/# '
bench_run "mklive run: --send, answer seen" "$MKLIVE" run -q "$iso" --send 'echo $((6*7))\n' --expect '\n42\n'
bench_table "start to the live system's shell prompt, TCG" "qemu + poll loop: shell prompt"
