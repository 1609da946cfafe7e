#!/usr/bin/env bash
# mklive run --screenshot on mklive build's default image (BIOS, CD, TCG):
# the isolinux boot menu and then the live system's console are pictured in
# turn (--screenshot-after REGEX), and the run ends by itself once both are
# taken; the PNGs are whole (file(1), and a zlib decode with the PNG filters
# and CRCs) and are pictures of text: two colours at least, and a share of
# text pixels, not one flat colour. A numbered series (--screenshot-every),
# a moment that never comes (exit 1, no file, no temporary file), and a
# directory that does not exist (refused before QEMU starts). The menu
# picture is the README's docs/img/boot-menu.png (make readme-images).
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need python3 python3
O=$TEST_OUT
rm -rf "${O:?}"/*
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || { echo "SKIP: $T_SCRIPT (needs Debian's kernel, package linux-image-amd64)"; exit 0; }
[ -x /bin/busybox ] || { echo "SKIP: $T_SCRIPT (needs /bin/busybox, package busybox-static)"; exit 0; }
[ -f /usr/lib/ISOLINUX/isolinux.bin ] || { echo "SKIP: $T_SCRIPT (needs isolinux.bin, package isolinux)"; exit 0; }
# the default image as a user gets it: the menu waits 5 s at its prompt
# (no_timer_check: a loaded TCG host can fail the kernel's IO-APIC timer test)
if ! "$MKLIVE" build -q --no-uefi --append no_timer_check -o "$O/live.iso" 2>"$O/build.err"; then
	t_fail build "$(cat "$O/build.err")"
	t_done
fi
mkdir -p "$O/tmp"
export TMPDIR=$O/tmp
run() { "$MKLIVE" run "$O/live.iso" --accel tcg "$@" </dev/null; }

# stats NAME FILE MIN-COLOURS MIN-OTHER [SIZE]: a whole PNG (of SIZE, default
# VGA text mode's 720 x 400) with enough detail
stats() {
	local s
	if ! file "$2" | grep -q "PNG image data, ${5:-720 x 400}"; then
		t_fail "$1-png" "$(file "$2")"
		return
	fi
	if ! s=$(python3 "$TESTS_DIR/lib/png_stats.py" "$2" 2>&1); then
		t_fail "$1-png" "$s"
		return
	fi
	echo "# $1: $s"
	awk -v min="$3" -v other="$4" '{ split($2, c, "="); split($3, o, "=");
		exit !(c[2] + 0 >= min && o[2] + 0 >= other) }' <<<"$s" && t_pass "$1-png" ||
		t_fail "$1-png" "too plain: $s (want colours >= $3, other >= $4)"
}

# ---- the menu, then the shell: in turn, and the run ends by itself --------
start=$SECONDS
run --screenshot "$O/menu.png" --screenshot-after 'boot:' \
	--screenshot "$O/shell.png" --screenshot-after 'mklive:/# ' \
	--timeout 400 --log "$O/menu.log" >"$O/menu.out" 2>"$O/menu.err"
rc=$?
if [ $rc = 0 ] && grep -q "screenshot $O/menu.png (720x400)" "$O/menu.err" &&
	grep -q "screenshot $O/shell.png (720x400)" "$O/menu.err" &&
	grep -q "every screenshot is taken; the guest was powered off" "$O/menu.err"; then
	t_pass menu-then-shell
	echo "# two screenshots and power-off: $((SECONDS - start)) s"
else
	t_fail menu-then-shell "exit $rc: $(cat "$O/menu.err")"
fi
stats menu "$O/menu.png" 2 0.01
stats shell "$O/shell.png" 2 0.01
# different pictures: the menu's prompt, then the live system's banner
if [ -s "$O/menu.png" ] && [ -s "$O/shell.png" ] && ! cmp -s "$O/menu.png" "$O/shell.png"; then
	t_pass pictures-differ
else
	t_fail pictures-differ
fi
[ -z "$(ls -A "$O/tmp")" ] && [ -z "$(ls -A "$O" | grep '^\.')" ] && t_pass nothing-left ||
	t_fail nothing-left "$(ls -A "$O/tmp" "$O")"

# ---- a numbered series until --expect; a moment that never comes ---------
run --screenshot "$O/every-%02d.png" --screenshot-every 2 --expect 'mklive:/# ' --timeout 400 \
	>/dev/null 2>"$O/every.err"
rc=$?
n=$(ls "$O"/every-*.png 2>/dev/null | wc -l)
if [ $rc = 0 ] && [ "$n" -ge 2 ] && [ -s "$O/every-01.png" ] && [ -s "$O/every-02.png" ]; then
	t_pass every
	echo "# --screenshot-every 2: $n pictures"
else
	t_fail every "exit $rc, $n pictures: $(cat "$O/every.err")"
fi
# the first is SeaBIOS's screen (640 x 480), the rest isolinux's or Linux's
stats every "$O/every-01.png" 1 0 '[0-9]* x [0-9]*'
stats every-last "$(ls "$O"/every-*.png | tail -n 1)" 2 0.01

run --screenshot "$O/never.png" --screenshot-after 'this never appears' --screenshot "$O/end.png" \
	--expect 'mklive:/# ' --timeout 400 >/dev/null 2>"$O/never.err"
rc=$?
if [ $rc = 1 ] && grep -q "screenshot $O/never.png: not taken: 'this never appears' did not appear" "$O/never.err" &&
	grep -q "1 screenshot not taken" "$O/never.err" && [ ! -e "$O/never.png" ] &&
	! ls -A "$O" | grep -q '^\.never'; then
	t_pass moment-never-comes
else
	t_fail moment-never-comes "exit $rc: $(cat "$O/never.err")"
fi
# the shot without a moment is still taken at the end (at --expect's match)
grep -q "screenshot $O/end.png (720x400)" "$O/never.err" && t_pass end-shot || t_fail end-shot "$(cat "$O/never.err")"

# ---- refused before the guest starts ---------------------------------------
expect_fail missing-dir "screenshot $O/nodir/a.png: No such file or directory" "$O/nodir" \
	"$MKLIVE" run "$O/live.iso" --screenshot "$O/nodir/a.png"
expect_fail after-without-shot "--screenshot-after 5: no --screenshot FILE for it" "" \
	"$MKLIVE" run "$O/live.iso" --screenshot-after 5
expect_fail every-needs-number "needs a %d" "" \
	"$MKLIVE" run "$O/live.iso" --screenshot "$O/a.png" --screenshot-every 5
pgrep -f "$O/tmp/mklive-run-" >/dev/null && t_fail no-qemu-left || t_pass no-qemu-left
t_done
