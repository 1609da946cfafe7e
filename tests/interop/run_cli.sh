#!/usr/bin/env bash
# mklive run without booting anything: its messages for bad input, and the
# session itself (typing, matching, timeouts, power-off, signals, the
# terminal's raw mode and Ctrl-A X) against a stand-in for QEMU that
# prints a prompt and answers what is typed. The boot tests (tests/boot/run*.sh)
# do the same with QEMU and real firmware.
source "$TESTS_DIR/lib/common.sh"
O=$TEST_OUT
rm -rf "$O/tmp"
mkdir -p "$O/tmp"
export TMPDIR=$O/tmp
img=$O/img.iso
head -c 65536 /dev/zero >"$img"

# The stand-in: records its arguments, then behaves as FAKE_MODE says.
# Only shell builtins, so that it is the one process to look for.
fake=$O/fake-qemu
cat >"$fake" <<'FAKE'
#!/usr/bin/env bash
printf '%s\n' "$@" >"$FAKE_ARGS"
case $FAKE_MODE in
prompt)
	printf '\033c\033[2JFake BIOS\r\n'
	read -r -t 1 _ || true
	printf 'fake login: \033[6n'
	while IFS= read -r -t 100 line; do
		printf '%s\r\ngot: %s\r\nfake login: ' "$line" "${line%$'\r'}"
	done ;;
silent) # as QEMU: an end of its input does not end it
	exec 9<>"$FAKE_FIFO"
	read -r -t 100 -u 9 _ ;;
fail) echo "fake-qemu: -drive: Could not open the image" >&2; exit 3 ;;
poweroff) printf 'powering off\r\n'; exit 0 ;;
esac
FAKE
chmod +x "$fake"
export FAKE_ARGS=$O/fake.args FAKE_FIFO=$O/fake.fifo
rm -f "$FAKE_FIFO"
mkfifo "$FAKE_FIFO"

# no fake process and no private directory left behind
left_behind() {
	pgrep -f "$TMPDIR/mklive-run-" >/dev/null && { echo "a QEMU stand-in is still running"; return 0; }
	[ -z "$(ls -A "$TMPDIR")" ] || { echo "left in TMPDIR: $(ls -A "$TMPDIR")"; return 0; }
	return 1
}

# ---- bad input ------------------------------------------------------------
expect_fail missing-image "$O/nope.iso: No such file or directory" "" "$MKLIVE" run "$O/nope.iso"
expect_fail no-image "no IMAGE given" "" "$MKLIVE" run
expect_fail two-images "one IMAGE only" "" "$MKLIVE" run "$img" "$img"
: >"$O/empty.iso"
expect_fail empty-image "empty" "" "$MKLIVE" run "$O/empty.iso"
expect_fail writable-cd "--usb" "" "$MKLIVE" run --writable "$img"
expect_fail bad-regex "not a POSIX extended regular expression" "" "$MKLIVE" run --expect '(' "$img"
expect_fail bad-escape "unknown escape" "" "$MKLIVE" run --send 'a\q' "$img"
expect_fail bad-memory "--memory" "" "$MKLIVE" run --memory 1 "$img"
expect_fail bad-accel "kvm, tcg or auto" "" "$MKLIVE" run --accel xen "$img"
expect_fail unknown-option "unknown option --bogus" "" "$MKLIVE" run --bogus "$img"
expect_fail no-qemu "qemu-system-x86_64 not found in PATH (it comes with the Debian package qemu-system-x86)" "" \
	env PATH=/nonexistent "$MKLIVE" run --accel tcg "$img"
expect_fail no-ovmf "the Debian package ovmf" "" env MKLIVE_OVMF_DIR=$O/no-ovmf "$MKLIVE" run --uefi --qemu "$fake" "$img"
expect_fail no-ovmf-secboot "OVMF_CODE_4M.secboot.fd" "" \
	env MKLIVE_OVMF_DIR=$O/no-ovmf "$MKLIVE" run --secure-boot --qemu "$fake" "$img"
if [ "$(id -u)" != 0 ]; then
	cp "$img" "$O/ro.iso"; chmod 444 "$O/ro.iso"
	expect_fail writable-readonly-file "Permission denied" "" "$MKLIVE" run --usb --writable "$O/ro.iso"
fi
if "$MKLIVE" run --help | grep -q -- '--secure-boot'; then t_pass help; else t_fail help "--help lacks --secure-boot"; fi

# ---- the session, against the stand-in ------------------------------------
# --send waits for the prompt, --expect sees the answer: exit 0, at once
start=$SECONDS
FAKE_MODE=prompt "$MKLIVE" run --accel tcg --qemu "$fake" --send 'ls /\n' --expect 'got: ls /' \
	--log "$O/send.log" "$img" -- -nic none -name 'odd, name' >"$O/send.out" 2>"$O/send.err"
rc=$?
if [ $rc = 0 ] && grep -q "appeared after" "$O/send.err" && grep -aq 'got: ls /' "$O/send.out" &&
	cmp -s "$O/send.out" "$O/send.log" && [ $((SECONDS - start)) -lt 30 ]; then
	t_pass send-expect
else
	t_fail send-expect "exit $rc: $(cat "$O/send.err")"
fi
# typed once the prompt is there, not at once: "got:" is its first answer
if [ "$(grep -ac 'got: ls /' "$O/send.log")" = 1 ]; then t_pass send-once-matched; else
	t_fail send-once-matched "$(grep -ac 'got:' "$O/send.log") answers"; fi
# the arguments after -- come last, verbatim
if tail -n 4 "$FAKE_ARGS" | diff - <(printf '%s\n' -nic none -name 'odd, name') >/dev/null; then
	t_pass qemu-args-verbatim
else
	t_fail qemu-args-verbatim "$(tail -n 4 "$FAKE_ARGS" | tr '\n' ' ')"
fi
if grep -qx -- "if=none,id=mklive-medium,format=raw,media=cdrom,readonly=on,file=$img" "$FAKE_ARGS" &&
	grep -qx -- "-accel" "$FAKE_ARGS" && grep -qx "tcg" "$FAKE_ARGS"; then
	t_pass qemu-cdrom-readonly
else
	t_fail qemu-cdrom-readonly "$(tr '\n' ' ' <"$FAKE_ARGS")"
fi
if left_behind >"$O/left"; then t_fail send-cleanup "$(cat "$O/left")"; else t_pass send-cleanup; fi

# --expect never matches: exit 1 after --timeout, saying so
start=$SECONDS
FAKE_MODE=prompt "$MKLIVE" run --accel tcg --qemu "$fake" --expect 'never-printed' --timeout 3 "$img" \
	>/dev/null 2>"$O/timeout.err"
rc=$? took=$((SECONDS - start))
if [ $rc = 1 ] && grep -q "timeout: 'never-printed' did not appear within 3 s" "$O/timeout.err" &&
	[ $took -ge 3 ] && [ $took -lt 20 ]; then
	t_pass expect-timeout
else
	t_fail expect-timeout "exit $rc after $took s: $(cat "$O/timeout.err")"
fi
if left_behind >"$O/left"; then t_fail timeout-cleanup "$(cat "$O/left")"; else t_pass timeout-cleanup; fi

# QEMU fails: its message is shown, exit 1
FAKE_MODE=fail "$MKLIVE" run --accel tcg --qemu "$fake" "$img" >/dev/null 2>"$O/fail.err"
rc=$?
if [ $rc = 1 ] && grep -q "Could not open the image" "$O/fail.err" && grep -q "exited with status 3" "$O/fail.err"; then
	t_pass qemu-failure
else
	t_fail qemu-failure "exit $rc: $(cat "$O/fail.err")"
fi
# the guest powers off: exit 0 without --expect, 1 with one that did not appear
FAKE_MODE=poweroff "$MKLIVE" run --accel tcg --qemu "$fake" "$img" >"$O/off.out" 2>"$O/off.err"
rc=$?
if [ $rc = 0 ] && grep -aq "powering off" "$O/off.out"; then t_pass guest-poweroff; else
	t_fail guest-poweroff "exit $rc: $(cat "$O/off.err")"; fi
# a log that cannot be written: said once, the run goes on
if [ -w /dev/full ]; then
	FAKE_MODE=poweroff "$MKLIVE" run --accel tcg --qemu "$fake" --log /dev/full "$img" >/dev/null 2>"$O/full.err"
	rc=$?
	if [ $rc = 0 ] && [ "$(grep -c 'log /dev/full: No space left on device' "$O/full.err")" = 1 ]; then
		t_pass log-write-error
	else
		t_fail log-write-error "exit $rc: $(cat "$O/full.err")"
	fi
fi
FAKE_MODE=poweroff "$MKLIVE" run --accel tcg --qemu "$fake" --expect nothing "$img" >/dev/null 2>"$O/off2.err"
rc=$?
if [ $rc = 1 ] && grep -q "powered off before 'nothing' appeared" "$O/off2.err"; then t_pass poweroff-before-expect
else t_fail poweroff-before-expect "exit $rc: $(cat "$O/off2.err")"; fi

# SIGTERM and SIGINT: the guest goes, mklive says so and exits 128+N
for sig in TERM INT; do
	FAKE_MODE=silent "$MKLIVE" run --accel tcg --qemu "$fake" "$img" </dev/null >/dev/null 2>"$O/sig.err" &
	pid=$!
	for _ in $(seq 50); do pgrep -f "$TMPDIR/mklive-run-" >/dev/null && break; sleep 0.1; done
	kill -$sig $pid
	wait $pid
	rc=$?
	want=$((128 + $(kill -l $sig)))
	sleep 0.2
	if [ $rc = $want ] && grep -q "SIG$sig: the guest was powered off" "$O/sig.err" && ! left_behind >"$O/left"; then
		t_pass sig$sig
	else
		t_fail sig$sig "exit $rc (want $want): $(cat "$O/sig.err") $(cat "$O/left" 2>/dev/null)"
	fi
done

# SIGKILL of mklive: PR_SET_PDEATHSIG takes QEMU along, nothing is left
FAKE_MODE=silent "$MKLIVE" run --accel tcg --qemu "$fake" "$img" </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do pgrep -f "$TMPDIR/mklive-run-" >/dev/null && break; sleep 0.1; done
kill -KILL $pid
wait $pid 2>/dev/null
for _ in $(seq 20); do pgrep -f "$TMPDIR/mklive-run-" >/dev/null || break; sleep 0.1; done
if pgrep -f "$TMPDIR/mklive-run-" >/dev/null; then
	t_fail sigkill-pdeathsig "the stand-in survived mklive"
	kill -KILL $(pgrep -f "$TMPDIR/mklive-run-") 2>/dev/null
else
	t_pass sigkill-pdeathsig
fi
rm -rf "${TMPDIR:?}"/*

# On a terminal: raw mode (keys reach the guest as typed), Ctrl-A X leaves,
# and the terminal's settings are back as they were.
if command -v script >/dev/null; then
	cat >"$O/tty.sh" <<EOF
stty -g >"$O/stty.before"
FAKE_MODE=prompt "$MKLIVE" run --accel tcg --qemu "$fake" "$img" >"$O/tty.out" 2>"$O/tty.err"
echo \$? >"$O/tty.rc"
stty -g >"$O/stty.after"
EOF
	# the keys: a line for the guest with a Ctrl-C in it (raw: a byte for
	# the guest, not SIGINT for mklive), then Ctrl-A X; pauses so the
	# stand-in is up and answering
	{ sleep 2; printf 'hel\003lo\n'; sleep 1; printf '\001x'; sleep 2; } |
		FAKE_ARGS=$FAKE_ARGS script -q -e -c "bash $O/tty.sh" /dev/null >/dev/null 2>&1
	if [ "$(cat "$O/tty.rc" 2>/dev/null)" = 0 ] && grep -aq "got: hel$(printf '\003')lo" "$O/tty.out" &&
		grep -q "Ctrl-A X" "$O/tty.err" && cmp -s "$O/stty.before" "$O/stty.after"; then
		t_pass tty-raw-escape-restore
	else
		t_fail tty-raw-escape-restore "rc $(cat "$O/tty.rc" 2>/dev/null): $(cat "$O/tty.err" 2>/dev/null)"
	fi
else
	t_skip tty-raw-escape-restore "needs script (package bsdutils)"
fi
t_done
