#!/usr/bin/env bash
# mklive run --record-boot-order on the default live image (BIOS CD): one
# boot with QEMU's block trace until the shell prompt, mapped to the files
# of the squashfs root: a non-empty list, /sbin/init in it, every path a
# file of the root. Then mklive build --boot-order auto (one more boot):
# the order is kept beside the image, and a build given that list makes
# the same bytes.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need rdsquashfs squashfs-tools-ng
O=$TEST_OUT
iso=$(bash "$TESTS_DIR/lib/make_live_iso.sh" bios 2>"$O/fixture.err"); rc=$?
[ $rc = 77 ] && { echo "SKIP: $T_SCRIPT ($(cat "$O/fixture.err"))"; exit 0; }
[ $rc = 0 ] || { t_fail fixture "$(cat "$O/fixture.err")"; t_done; }
rm -f "$O"/order* "$O"/auto* "$O"/again*

"$MKLIVE" run --record-boot-order "$O/order" "$iso" --timeout 400 --log "$O/record.log" </dev/null \
	>"$O/record.out" 2>"$O/record.err"
rc=$?
n=$(grep -vc '^#' "$O/order" 2>/dev/null)
if [ $rc = 0 ] && [ "${n:-0}" -gt 0 ] && grep -qx /sbin/init "$O/order"; then
	t_pass record-lists-init
	echo "# $(grep 'the boot read' "$O/record.err")"
else
	t_fail record-lists-init "exit $rc, ${n:-0} paths: $(cat "$O/record.err")"
fi
# every path is a regular file of the image's root (rdsquashfs resolves it)
"$MKLIVE" cat "$iso:/live/root.squashfs" >"$O/root.sqfs" 2>/dev/null
bad=
while read -r p; do
	case $p in '#'*|'') continue ;; esac
	t=$(rdsquashfs -s "$p" "$O/root.sqfs" 2>/dev/null | sed -n 's/^Inode type: //p')
	[ "$t" = file ] || { [ "$p" = /sbin/init ] && [ "$t" = "symbolic link" ]; } || bad="$bad $p($t)"
done <"$O/order"
[ -z "$bad" ] && t_pass record-paths-are-files || t_fail record-paths-are-files "$bad"

# --boot-order auto: build, boot once, build again in that order
export SOURCE_DATE_EPOCH=1700000000
"$MKLIVE" build -o "$O/auto.iso" --boot-order auto --timeout 1 --no-uefi >"$O/auto.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -qx /sbin/init "$O/auto.iso.boot-order" && grep -q 'laid out in the boot order' "$O/auto.out"; then
	t_pass auto-records
else
	t_fail auto-records "exit $rc: $(tail -5 "$O/auto.out")"
fi
"$MKLIVE" build -o "$O/again.iso" --boot-order "$O/auto.iso.boot-order" --timeout 1 --no-uefi -q >"$O/again.out" 2>&1
check auto-same-as-list cmp -s "$O/auto.iso" "$O/again.iso"
# the medium says how long the boot set is, and mklive-init reads it ahead
# when asked (live.readahead)
ra=$(isoinfo -R -i "$O/auto.iso" -x /live/root.readahead 2>/dev/null)
if [ "${ra:-0}" -gt 0 ] 2>/dev/null &&
	"$MKLIVE" run "$O/auto.iso" --append 'live.debug live.readahead' --expect "reading ahead the first $ra bytes" --timeout 300 \
		--log "$O/readahead.log" </dev/null >/dev/null 2>"$O/readahead.err"; then
	t_pass init-reads-ahead
else
	t_fail init-reads-ahead "root.readahead '$ra': $(cat "$O/readahead.err")"
fi
# a root in boot order gets the medium's 1 MiB read-ahead window (before
# the loop device opens the image, which is when it takes effect)
if grep -aq 'read-ahead of sr0: 1024 KiB (a root in boot order)' "$O/readahead.log" &&
	[ "$(grep -an 'read-ahead of sr0' "$O/readahead.log" | cut -d: -f1)" -lt \
		"$(grep -an 'reading ahead the first' "$O/readahead.log" | cut -d: -f1)" ]; then
	t_pass init-widens-read-ahead
else
	t_fail init-widens-read-ahead "no 'read-ahead of sr0: 1024 KiB' before the boot set read: $(grep -a 'read-ahead\|reading ahead' "$O/readahead.log" | head -3)"
fi
t_done
