#!/usr/bin/env bash
# mklive run --usb: the live image boots as a USB stick on xHCI, and the
# guest writes to the stick. By default the writes go to a snapshot (the
# file's SHA-256 stays); with --writable they reach the file.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
O=$TEST_OUT
iso=$(bash "$TESTS_DIR/lib/make_live_iso.sh" bios 2>"$O/fixture.err"); rc=$?
[ $rc = 77 ] && { echo "SKIP: $T_SCRIPT ($(cat "$O/fixture.err"))"; exit 0; }
[ $rc = 0 ] || { t_fail fixture "$(cat "$O/fixture.err")"; t_done; }
rm -rf "$O/tmp"; mkdir -p "$O/tmp"
export TMPDIR=$O/tmp
stick=$O/stick.img
cp "$iso" "$stick"
sum0=$(sha256sum <"$stick")

# In the guest: the stick is the only disk; write a line into its second
# sector (the isohybrid system area, zeros), flush, then answer with where
# the disk sits (a USB bus) and the xHCI controllers bound to their driver.
write='echo mklive-was-here | dd of=/dev/sda bs=512 seek=1 conv=notrunc 2>/dev/null && sync && echo WROTE-$((40+2)) bus=$(readlink -f /sys/block/sda | grep -o "/usb[0-9]*/" | head -n 1) xhci=$(ls /sys/bus/pci/drivers/xhci_hcd | grep -c :)\n'

for mode in snapshot writable; do
	extra=(); [ $mode = writable ] && extra=(--writable)
	start=$SECONDS
	"$MKLIVE" run "$stick" --usb "${extra[@]}" --send "$write" --expect 'WROTE-42 [^\n]*\n' --timeout 400 \
		--log "$O/$mode.log" </dev/null >/dev/null 2>"$O/$mode.err"
	rc=$? took=$((SECONDS - start))
	if [ $rc = 0 ] && grep -aq '^booted: BIOS' <(tr -d '\r' <"$O/$mode.log") &&
		grep -aq '^WROTE-42 bus=/usb[0-9]*/ xhci=1' <(tr -d '\r' <"$O/$mode.log"); then
		t_pass usb-boot-xhci-$mode
		echo "# --usb ($mode): $took s"
	else
		t_fail usb-boot-xhci-$mode "exit $rc after $took s: $(cat "$O/$mode.err"); $(tail -c 300 "$O/$mode.log" | tr -d '\033')"
		continue
	fi
	sum=$(sha256sum <"$stick")
	if [ $mode = snapshot ]; then
		if [ "$sum" = "$sum0" ]; then t_pass readonly-default-keeps-file; else
			t_fail readonly-default-keeps-file "the image changed"; fi
	else
		if [ "$sum" != "$sum0" ] && [ "$(dd if="$stick" bs=512 skip=1 count=1 2>/dev/null | head -c 16)" = mklive-was-here ]; then
			t_pass writable-reaches-file
		else
			t_fail writable-reaches-file "sector 1: $(dd if="$stick" bs=512 skip=1 count=1 2>/dev/null | head -c 32 | od -c | head -n 2)"
		fi
	fi
done
pids=$(pgrep -f "$TMPDIR/mklive-run-")
if [ -n "$pids" ] || [ -n "$(ls -A "$TMPDIR")" ]; then
	kill -KILL $pids 2>/dev/null
	t_fail nothing-left "QEMU: $pids; TMPDIR: $(ls -A "$TMPDIR")"
else
	t_pass nothing-left
fi
t_done
