#!/usr/bin/env bash
# mklive run on a real live image (mklive build's default system), BIOS
# (SeaBIOS) from a CD: --send runs a command in the guest and --expect sees
# its answer and ends the run at once; an --expect that never appears ends
# it after --timeout with status 1; no QEMU survives either, nor a killed
# mklive (PR_SET_PDEATHSIG).
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
O=$TEST_OUT
iso=$(bash "$TESTS_DIR/lib/make_live_iso.sh" bios 2>"$O/fixture.err"); rc=$?
[ $rc = 77 ] && { echo "SKIP: $T_SCRIPT ($(cat "$O/fixture.err"))"; exit 0; }
[ $rc = 0 ] || { t_fail fixture "$(cat "$O/fixture.err")"; t_done; }
rm -rf "$O/tmp"; mkdir -p "$O/tmp"
export TMPDIR=$O/tmp # the private directory's path marks this test's QEMUs

# nothing of a run left: no QEMU with our private paths, no private files
left_behind() {
	local pids
	pids=$(pgrep -f "$TMPDIR/mklive-run-")
	[ -n "$pids" ] && { echo "QEMU still running: $pids"; kill -KILL $pids; return 0; }
	[ -z "$(ls -A "$TMPDIR")" ] || { echo "left in TMPDIR: $(ls -A "$TMPDIR")"; return 0; }
	return 1
}

# --send types at the shell prompt; the answer (not the echoed command)
# ends the run well before the timeout
start=$SECONDS
"$MKLIVE" run "$iso" --send 'echo $((6*7))\n' --expect '\n42\n' --timeout 400 --log "$O/send.log" \
	</dev/null >"$O/send.out" 2>"$O/send.err"
rc=$? took=$((SECONDS - start))
if [ $rc = 0 ] && grep -q "'\\\\n42\\\\n' appeared after" "$O/send.err" && grep -aq '^booted: BIOS' <(tr -d '\r' <"$O/send.log") &&
	[ $took -lt 400 ]; then
	t_pass send-expect
	echo "# --send/--expect: $took s"
else
	t_fail send-expect "exit $rc after $took s: $(cat "$O/send.err"); $(tail -c 300 "$O/send.log" | tr -d '\033')"
fi
grep -q "accelerator: " "$O/send.err" && t_pass says-accelerator || t_fail says-accelerator "$(cat "$O/send.err")"
if left_behind >"$O/left"; then t_fail send-nothing-left "$(cat "$O/left")"; else t_pass send-nothing-left; fi

# --append boots the image's own kernel directly with its default entry's
# command line plus ARGS: live.debug shows mklive-init's steps, which the
# quiet default entry does not, and the command line keeps the entry's id
"$MKLIVE" run "$iso" --append 'live.debug' --expect 'live: \[ *[0-9.]+\] starting /sbin/init' --timeout 400 \
	--log "$O/append.log" </dev/null >"$O/append.out" 2>"$O/append.err"
rc=$?
if [ $rc = 0 ] && grep -aq 'looking for medium with id [0-9a-f]' "$O/append.log" && ! grep -aq 'ISOLINUX' "$O/append.log"; then
	t_pass append-direct-kernel
else
	t_fail append-direct-kernel "exit $rc: $(cat "$O/append.err"); $(tail -c 300 "$O/append.log" | tr -d '\033')"
fi
if left_behind >"$O/left"; then t_fail append-nothing-left "$(cat "$O/left")"; else t_pass append-nothing-left; fi

# an --expect that never appears: status 1 after --timeout, and the guest off
start=$SECONDS
"$MKLIVE" run "$iso" --expect 'this text never appears' --timeout 20 </dev/null >/dev/null 2>"$O/timeout.err"
rc=$? took=$((SECONDS - start))
if [ $rc = 1 ] && grep -q "timeout: 'this text never appears' did not appear within 20 s" "$O/timeout.err" &&
	[ $took -ge 20 ]; then
	t_pass expect-timeout
else
	t_fail expect-timeout "exit $rc after $took s: $(cat "$O/timeout.err")"
fi
if left_behind >"$O/left"; then t_fail timeout-nothing-left "$(cat "$O/left")"; else t_pass timeout-nothing-left; fi

# mklive killed outright: QEMU goes with it, and the private directory was
# already removed once QEMU was up
"$MKLIVE" run "$iso" </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
	pgrep -f "$TMPDIR/mklive-run-" >/dev/null && [ -z "$(ls -A "$TMPDIR")" ] && break
	sleep 0.2
done
found=$(pgrep -f "$TMPDIR/mklive-run-")
kill -KILL $pid; wait $pid 2>/dev/null
for _ in $(seq 50); do pgrep -f "$TMPDIR/mklive-run-" >/dev/null || break; sleep 0.1; done
if [ -z "$found" ]; then
	t_fail sigkill-qemu-goes "QEMU did not start"
elif left_behind >"$O/left"; then
	t_fail sigkill-qemu-goes "$(cat "$O/left")"
else
	t_pass sigkill-qemu-goes
fi
t_done
