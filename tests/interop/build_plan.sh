#!/usr/bin/env bash
# Every error that needs only the settings is reported before any work:
# with a debian: root, mmdebstrap is never started (a fake one first in
# PATH records any call and fails loudly). Also the values that reach a
# boot loader's file (control characters refused), a UTF-8 BOM in
# mklive.conf, long values shortened in messages and --print-config, and
# host names checked against RFC 1123.
source "$TESTS_DIR/lib/common.sh"
cd "$TEST_OUT" || exit 1
rm -rf ./* 2>/dev/null
mkdir -p fakebin cache
cat >fakebin/mmdebstrap <<'SH'
#!/bin/sh
echo "$0 $*" >>"$(dirname "$0")/../mmdebstrap.called"
echo "FAKE MMDEBSTRAP: must not be started" >&2
exit 99
SH
chmod +x fakebin/mmdebstrap
export PATH="$TEST_OUT/fakebin:$PATH"
printf '[Output]\nPublisher = %s\n' "$(printf 'p%.0s' $(seq 129))" >mk-pub.conf
d=(--root debian:bookworm --cache-dir "$TEST_OUT/cache" --timeout 1)

# plan_fail NAME TEXT ARGS...: exit 1, TEXT on stderr, mmdebstrap not started
plan_fail() {
	local name=$1 text=$2; shift 2
	rm -f mmdebstrap.called
	expect_fail "$name" "$text" out.iso "$MKLIVE" build "${d[@]}" "$@" -o out.iso
	[ ! -e mmdebstrap.called ] || t_fail "$name-no-mmdebstrap" "mmdebstrap was started: $(cat mmdebstrap.called)"
}

# the fake works: a good plan starts it
rm -f mmdebstrap.called
"$MKLIVE" build "${d[@]}" -o good.iso 2>good.err
[ -e mmdebstrap.called ] && t_pass fake-mmdebstrap-is-used || t_fail fake-mmdebstrap-is-used "$(head -c 300 good.err)"

# ---- the errors mklive-build(1) lists as found before any work ----------------
plan_fail remove-relative "Remove etc/motd: patterns start with /" --remove etc/motd
plan_fail attr-fields "Attr /etc/motd 0644: expected PATH MODE UID GID" --set 'Root.Attr=/etc/motd 0644'
plan_fail attr-mode "Attr /etc/motd: mode '0999' is not octal" --set 'Root.Attr=/etc/motd 0999 0 0'
plan_fail attr-uid "Attr /etc/motd: uid 'root' is not a number" --set 'Root.Attr=/etc/motd 0644 root 0'
plan_fail hostname-chars "Hostname 'kiosk_1': not a host name (RFC 1123)" --hostname kiosk_1
plan_fail hostname-leading-dash "a label starting or ending with '-'" --hostname -kiosk
plan_fail hostname-empty-label "an empty label" --hostname kiosk..lan
plan_fail hostname-label-63 "a label (between dots) of more than 63" --hostname "$(printf 'a%.0s' $(seq 64)).lan"
plan_fail hostname-253 "at most 253 characters" --hostname "$(for i in 1 2 3 4 5; do printf '%s.' "$(printf 'a%.0s' $(seq 60))"; done)x"
# the longest label and a '-' inside are fine: the plan passes, mmdebstrap is started
rm -f mmdebstrap.called
"$MKLIVE" build "${d[@]}" --hostname "$(printf 'a%.0s' $(seq 63)).example-1.lan" -o out.iso 2>/dev/null
[ -e mmdebstrap.called ] && t_pass hostname-good || t_fail hostname-good
plan_fail entries-unknown "Entries bogus: not a built-in entry (live, toram, persist, check, debug, shell, safe, lang, fwsetup, memtest)" --set Boot.Entries=bogus
plan_fail entries-twice "Entries: 'live' is named twice" --set 'Boot.Entries=live debug live'
plan_fail help-syntax "Help F11 notes.txt: expected F1..F10 FILE \[TITLE\]" --set 'Boot.Help=F11 notes.txt'
plan_fail default-missing "Default nope: no such menu entry" --set Boot.Default=nope
plan_fail default-left-out "Default live: no such menu entry" --set 'Boot.Entries=debug'
plan_fail menu-empty "the boot menu has no entries" --set 'Boot.Entries='
plan_fail floppy-entries "FloppyEntries nope: no such menu entry" --set Boot.FloppyEntries=nope
plan_fail volume-id-long "--volume-id: volume id \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\" is 33 characters; at most 32 fit" --volume-id ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456
plan_fail publisher-long "mk-pub.conf:2: Publisher: publisher id \".*\" is 129 characters; at most 128 fit" -c mk-pub.conf
plan_fail id-bad "Id a/b: up to 60 characters" --set Live.Id=a/b
plan_fail cloop-zstd "Compression zstd: cloop has zlib, xz, lz4" --root-format cloop --compression zstd
plan_fail writable-paths "WritablePaths /usr/share: root_fs.tgz holds top-level directories" --writable tgz --set 'Live.WritablePaths=/usr/share'
plan_fail bad-level "Level: 99 is out of range" --set Live.Level=99
# a root format's own keys ([squashfs], --set squashfs.KEY=V), checked by its _opts_check
plan_fail format-key-unknown "--set squashfs.nope: not a squashfs option" --set squashfs.nope=1
plan_fail format-key-rule "--set squashfs.b 3000: the block size must be a power of two" --set squashfs.b=3000
plan_fail format-key-other-format "--set cloop.block-size 1000: the block size must be a multiple of 512" --set cloop.block-size=1000
plan_fail format-level-label "--set Live.Level 0: gzip compression levels are 1 to 9" --compression gzip --set Live.Level=0
printf '[squashfs]\nb = 3000\n' >sqb.conf
plan_fail format-key-file "sqb.conf:2: b 3000: the block size must be a power of two" -c sqb.conf

# ---- control characters in what reaches a boot loader's file (19.4) -----------
nl=$'\n' cr=$'\r'
for c in nl cr; do
	ch=${!c}
	plan_fail "append-$c" "--append: Append 'quiet.*a control character" --append "quiet${ch}LABEL evil${ch} KERNEL /evil"
	plan_fail "hostname-$c" "--hostname: Hostname .*a control character" --hostname "kiosk${ch}x"
	plan_fail "volume-id-$c" "--volume-id: volume id: a control character" --volume-id "LIVE${ch}X"
	plan_fail "publisher-$c" "--set Output.Publisher: publisher id: a control character" --set "Output.Publisher=me${ch}you"
	plan_fail "entry-append-$c" "--set Entry.x.Append: Append .*a control character" --set "Entry.x.Append=a${ch}LABEL evil"
	plan_fail "entry-title-$c" "--set Entry.x.Title: Title .*a control character" --set "Entry.x.Title=a${ch}LABEL evil"
	plan_fail "help-$c" "--set Boot.Help: Help .*a control character" --set "Boot.Help=F1 /etc/motd Mo${ch}td"
done
# in mklive.conf, with the file and line named: a CR, and a NUL
printf '[Boot]\nTimeout = 1\nAppend = quiet\rLABEL evil\n' >cr.conf
plan_fail conf-append-cr "cr.conf:3: Append: Append 'quiet.*a control character (0x0d at byte 5)" -c cr.conf
printf '[Entry x]\nTitle = Live\rLABEL evil\n' >cr-title.conf
plan_fail conf-title-cr "cr-title.conf:2: Title: Title .*a control character" -c cr-title.conf
printf '[Output]\nVolumeId = LIVE\rX\n' >cr-vol.conf
plan_fail conf-volume-id-cr "cr-vol.conf:2: VolumeId: volume id: a control character (0x0d at byte 4)" -c cr-vol.conf
printf '[Root]\nHostname = kiosk\n[Boot]\nAppend = quiet\000LABEL evil\n' >nul.conf
plan_fail conf-nul "nul.conf:4: a NUL byte" -c nul.conf
grep -q "a control character" "$TEST_OUT/append-nl.stderr" && [ "$(wc -l <"$TEST_OUT/append-nl.stderr")" = 1 ] &&
	grep -q "Append 'quiet.x0aLABEL evil.x0a KERNEL /evil'" "$TEST_OUT/append-nl.stderr" &&
	t_pass control-message-one-line || t_fail control-message-one-line "$(cat "$TEST_OUT/append-nl.stderr")"

# ---- a UTF-8 byte order mark at the start of mklive.conf (19.13) ------------------
printf '\xef\xbb\xbf[Boot]\nTimeout = 7\n' >bom.conf
"$MKLIVE" build -c bom.conf --print-config >bom.out 2>bom.err
grep -q '^Timeout = 7    # bom.conf:2: Timeout$' bom.out && t_pass conf-bom || t_fail conf-bom "$(head -c 300 bom.err)"

# ---- long values: shortened in messages and in --print-config (19.14) -------------
# (in a file: the command line takes at most 128 KiB in one argument)
long=$(head -c 200000 /dev/zero | tr '\0' 'x')
printf '[Boot]\nAppend = %s\rLABEL evil\n' "$long" >long1.conf
"$MKLIVE" build "${d[@]}" -c long1.conf -o out.iso 2>long.err
[ "$(wc -c <long.err)" -lt 400 ] && grep -q "long1.conf:2: Append: Append 'xxx*\.\.\.': a control character (0x0d at byte 200000)" long.err &&
	t_pass long-value-error || t_fail long-value-error "$(head -c 300 long.err)"
printf '[Boot]\nTimeout = %s\n' "$long" >long2.conf
"$MKLIVE" build "${d[@]}" -c long2.conf -o out.iso 2>long2.err
[ "$(wc -c <long2.err)" -lt 400 ] && grep -q 'long2.conf:2: Timeout: .xxx*\.\.\.. (200000 bytes) is too long' long2.err &&
	t_pass long-number-error || t_fail long-number-error "$(head -c 300 long2.err)"
printf '[Boot]\nAppend = %s\n' "$long" >long3.conf
"$MKLIVE" build -c long3.conf --print-config >long.cfg
[ "$(wc -c <long.cfg)" -lt 20000 ] && grep -q '^Append = x*\.\.\. (200000 bytes)    # long3.conf:2: Append$' long.cfg &&
	t_pass long-print-config || t_fail long-print-config "$(wc -c <long.cfg) bytes"

# ---- a root format's keys reach the writer (and --print-config shows them) ----------
printf '[squashfs]\nb = 256K\nno-fragments = yes\n' >sq.conf
"$MKLIVE" build -c sq.conf --print-config >sq.cfg
grep -q '^\[squashfs\]$' sq.cfg && grep -q '^b = 256K    # sq.conf:2: b$' sq.cfg && t_pass format-key-print-config ||
	t_fail format-key-print-config "$(tail -n 3 sq.cfg)"
kernel=$(debian_kernel)
if [ -n "$kernel" ] && command -v unsquashfs >/dev/null && [ -x /bin/busybox ]; then
	SOURCE_DATE_EPOCH=1700000000 "$MKLIVE" build -q --no-cache --timeout 1 -c sq.conf -o sq.iso &&
		isoinfo -R -i sq.iso -x /live/root.squashfs >sq.sqfs && unsquashfs -s sq.sqfs >sq.super
	grep -q 'Block size 262144' sq.super && grep -q 'Fragments are not stored' sq.super &&
		t_pass format-keys-reach-writer || t_fail format-keys-reach-writer "$(head -c 300 sq.super)"
else
	t_skip format-keys-reach-writer "needs linux-image-amd64, squashfs-tools and busybox-static"
fi

# ---- quotes are not syntax in a single value (19.15): kept as written ---------------
printf '[Output]\nVolumeId = "LIVE"\n' >quoted.conf
"$MKLIVE" build -c quoted.conf --print-config | grep -q '^VolumeId = "LIVE"    # quoted.conf:2: VolumeId$' &&
	t_pass quotes-kept || t_fail quotes-kept
t_done
