#!/usr/bin/env bash
# Run= scripts inside a directory root (src/pipeline/chroot.c, sandbox.c),
# as root: the script sees a fresh /proc of its own PID namespace, a minimal
# /dev, tmpfs /tmp and /run, a read-only /sys, the host's resolv.conf and a
# clean environment; afterwards nothing is mounted, the host's /proc,
# resolv.conf and hostname are as they were, the root directory itself is
# unchanged (its changes are in the tree: --show), and what the script left
# running is gone. A failing script's output is in the error. On the shared
# Debian root (tests/lib/debian_root.sh) apt-get installs a package from the
# mirror with the reduced capabilities, and the root stays unchanged. The
# unit test binary drives it (build_root_test run-in-root ROOT SCRIPT...);
# tests/interop/build_run.sh does the same through `mklive build`.
source "$TESTS_DIR/lib/common.sh"
DRV=$BUILD/unit/build_root_test
[ -x "$DRV" ] || { echo "SKIP: $T_SCRIPT (needs $DRV: make unit-bins)"; exit 0; }
need_file /bin/busybox busybox-static
T=$TEST_OUT
rm -rf "${T:?}"/*
chmod 755 "$T"

# A directory root without root privileges: the error says what would work.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	mkdir -p "$T/plain"
	echo true >"$T/true.sh"
	expect_fail needs-root "Run as root, or use a debian:SUITE source" "" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$DRV" run-in-root "$T/plain" "$T/true.sh"
fi
need_root

# mounts_under DIR: mount points at or below DIR, as this namespace sees them
mounts_under() { awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo; }

R=$T/root
mkdir -p "$R/bin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp /bin/busybox "$R/bin/"
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
echo "nameserver 192.0.2.1 # the root's own" >"$R/etc/resolv.conf"
own_resolv=$(sha256sum <"$R/etc/resolv.conf")
manifest() { (cd "$1" && find . -printf '%p %y %m %U %G %T@ %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort); }
manifest "$R" >"$T/root.before"
host_resolv=$(sha256sum </etc/resolv.conf)
host_name=$(hostname)

cat >"$T/probe.sh" <<'EOF'
#!/bin/sh
echo "pid=$$"
echo "procs=$(ls /proc | grep -c '^[0-9]')"
echo "proc=$(awk '$2 == "/proc" { print $3 }' /proc/mounts)"
echo "sys=$(awk '$2 == "/sys" { print $3 "," $4 }' /proc/mounts | cut -d, -f1,2)"
echo "tmp=$(awk '$2 == "/tmp" { print $3 }' /proc/mounts)"
echo "run=$(awk '$2 == "/run" { print $3 }' /proc/mounts)"
echo "dev=$(awk '$2 == "/dev" { print $3 }' /proc/mounts)"
[ -c /dev/null ] && echo x >/dev/null && echo "null=ok"
echo "zero=$(head -c 5 /dev/zero | wc -c)"
echo "urandom=$(head -c 16 /dev/urandom | wc -c)"
[ -c /dev/full ] && [ -c /dev/random ] && [ -c /dev/tty ] && [ -e /dev/ptmx ] && [ -d /dev/pts ] && [ -d /dev/shm ] && echo "devs=ok"
echo made >/tmp/in-tmp && [ -f /tmp/in-tmp ] && echo "tmpwrite=ok"
touch /sys/probe 2>/dev/null || echo "sysro=ok"
echo "resolv=$(sha256sum </etc/resolv.conf)"
echo "hostname=$(hostname)"
env | grep -vE '^(PWD|SHLVL|_)=' | sort | tr '\n' ' '; echo
hostname changed-inside
sleep 98765 &
echo persisted >/persisted
echo "done"
EOF

check_line() { # NAME EXPECTED-LINE
	if grep -qxF -- "$2" "$T/probe.out"; then t_pass "$1"; else t_fail "$1" "no line '$2' in: $(tr '\n' ' ' <"$T/probe.out" | head -c 600)"; fi
}

export SOURCE_DATE_EPOCH=1700000000
if "$DRV" run-in-root --show /persisted --show /run "$R" "$T/probe.sh" >"$T/probe.out" 2>"$T/probe.err"; then
	t_pass probe-runs
else
	t_fail probe-runs "$(cat "$T/probe.err")"
fi
check_line own-pid-namespace "pid=2"
check_line fresh-proc "proc=proc"
check_line sys-read-only "sys=sysfs,ro"
check_line sys-write-refused "sysro=ok"
check_line tmp-tmpfs "tmp=tmpfs"
check_line run-tmpfs "run=tmpfs"
check_line dev-tmpfs "dev=tmpfs"
check_line dev-null "null=ok"
check_line dev-zero "zero=5"
check_line dev-urandom "urandom=16"
check_line dev-nodes "devs=ok"
check_line tmp-writable "tmpwrite=ok"
check_line host-resolv "resolv=$host_resolv"
check_line hostname-not-the-hosts "hostname=localhost"
check_line clean-env "DEBIAN_FRONTEND=noninteractive HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SOURCE_DATE_EPOCH=1700000000 "
procs=$(sed -n 's/^procs=//p' "$T/probe.out")
[ -n "$procs" ] && [ "$procs" -le 5 ] && t_pass proc-own-processes || t_fail proc-own-processes "$procs processes in /proc"

# afterwards
m=$(mounts_under "$R")
[ -z "$m" ] && t_pass no-mounts-left || t_fail no-mounts-left "$m"
mountpoint -q /proc && [ -r /proc/self/stat ] && [ "$(awk '$2 == "/proc" { print $3 }' /proc/mounts)" = proc ] &&
	t_pass host-proc-untouched || t_fail host-proc-untouched
[ -c /dev/null ] && [ "$(sha256sum </etc/resolv.conf)" = "$host_resolv" ] && t_pass host-resolv-untouched ||
	t_fail host-resolv-untouched
[ "$(hostname)" = "$host_name" ] && t_pass host-hostname-untouched || t_fail host-hostname-untouched "$(hostname)"
[ "$(sha256sum <"$R/etc/resolv.conf")" = "$own_resolv" ] && t_pass root-resolv-untouched || t_fail root-resolv-untouched "$(ls -la "$R/etc")"
manifest "$R" | cmp -s - "$T/root.before" && t_pass root-untouched || t_fail root-untouched "$(manifest "$R" | diff "$T/root.before" - | head -n 6 | tr '\n' ' ')"
check_line changes-in-tree "/persisted = persisted"
check_line missing-mount-point-not-in-tree "/run: missing"
# the background sleep died with its PID namespace
if pgrep -x sleep -a 2>/dev/null | grep -q 'sleep 98765$'; then
	t_fail leftovers-killed "$(pgrep -x sleep -a)"
else
	t_pass leftovers-killed
fi

# a script without #! runs with the root's /bin/sh; one that replaces
# resolv.conf keeps its own
printf 'echo "no shebang: $0"\nln -sf ../run/resolv.conf /etc/resolv.conf\n' >"$T/plain.sh"
out=$("$DRV" run-in-root --show /etc/resolv.conf "$R" "$T/plain.sh" 2>"$T/plain.err")
[ "$(head -n 1 <<<"$out")" = "no shebang: /run/mklive/plain.sh" ] && t_pass no-shebang || t_fail no-shebang "$out $(cat "$T/plain.err")"
grep -qxF "/etc/resolv.conf -> ../run/resolv.conf" <<<"$out" && t_pass script-resolv-kept || t_fail script-resolv-kept "$out"
manifest "$R" | cmp -s - "$T/root.before" && t_pass root-untouched-by-resolv || t_fail root-untouched-by-resolv
# two scripts: the second sees the first's changes, and the host's resolv.conf
printf '#!/bin/sh\necho one >/etc/one\nln -sf ../run/r /etc/resolv.conf\n' >"$T/one.sh"
printf '#!/bin/sh\necho "two sees $(cat /etc/one)"\necho "resolv: $(sha256sum </etc/resolv.conf)"\n' >"$T/two.sh"
out=$("$DRV" run-in-root --show /etc/resolv.conf "$R" "$T/one.sh" "$T/two.sh" 2>"$T/two.err")
grep -qxF "two sees one" <<<"$out" && grep -qxF "resolv: $host_resolv" <<<"$out" && grep -qxF "/etc/resolv.conf -> ../run/r" <<<"$out" &&
	t_pass scripts-share-changes || t_fail scripts-share-changes "$out $(cat "$T/two.err")"
# the same, carried into the tree after each script: the second script's
# changes on top of the first's (one deletes what the other made)
printf '#!/bin/sh\necho "three sees $(cat /etc/one)"\nrm /etc/one\necho three >/etc/three\n' >"$T/three.sh"
out=$("$DRV" run-in-root --apply-each --show /etc/one --show /etc/three --show /etc/resolv.conf "$R" "$T/one.sh" "$T/three.sh" 2>"$T/three.err")
grep -qxF "three sees one" <<<"$out" && grep -qxF "/etc/one: missing" <<<"$out" && grep -qxF "/etc/three = three" <<<"$out" &&
	grep -qxF "/etc/resolv.conf -> ../run/r" <<<"$out" && t_pass scripts-applied-in-turn || t_fail scripts-applied-in-turn "$out $(cat "$T/three.err")"
manifest "$R" | cmp -s - "$T/root.before" && t_pass root-untouched-by-layers || t_fail root-untouched-by-layers

# a failing script: exit 1, its output in the error
printf '#!/bin/sh\necho doing-something\necho went-wrong >&2\nexit 4\n' >"$T/fail.sh"
expect_fail script-fails "fail.sh failed (exit 4) inside $R" "" "$DRV" run-in-root "$R" "$T/fail.sh"
grep -q "^  doing-something" "$T/script-fails.stderr" && grep -q "^  went-wrong" "$T/script-fails.stderr" &&
	t_pass script-fails-output || t_fail script-fails-output "$(cat "$T/script-fails.stderr")"
m=$(mounts_under "$R")
[ -z "$m" ] && t_pass no-mounts-after-failure || t_fail no-mounts-after-failure "$m"

# a mount point that is a symlink is refused, not followed
rm -rf "$R/sys" && ln -s / "$R/sys"
expect_fail symlink-mount-point "sys (a mount point for the script)" "" "$DRV" run-in-root "$R" "$T/plain.sh"
m=$(mounts_under "$R")
[ -z "$m" ] && t_pass no-mounts-after-refusal || t_fail no-mounts-after-refusal "$m"
rm -f "$R/sys" && mkdir "$R/sys"
expect_fail missing-script "nope.sh" "" "$DRV" run-in-root "$R" "$T/nope.sh"
expect_fail missing-root "$T/nonexistent" "" "$DRV" run-in-root "$T/nonexistent" "$T/plain.sh"

# A Debian root: apt-get reaches the mirror and installs a package.
if deb_tar=$(bash "$TESTS_DIR/lib/debian_root.sh" 2>"$T/debian_root.err"); then
	D=$T/debian
	mkdir -p "$D"
	tar -xf "$deb_tar" -C "$D"
	cat >"$T/apt.sh" <<'EOF'
#!/bin/sh
set -e
apt-get update -q
apt-get install -y -q --no-install-recommends hello
hello
EOF
	manifest "$D" >"$T/debian.before"
	if "$DRV" run-in-root --show /usr/bin/hello "$D" "$T/apt.sh" >"$T/apt.out" 2>"$T/apt.err" && grep -qx "Hello, world!" "$T/apt.out"; then
		t_pass debian-apt-install
	else
		t_fail debian-apt-install "$(tail -n 8 "$T/apt.err" "$T/apt.out")"
	fi
	m=$(mounts_under "$D")
	[ -z "$m" ] && t_pass debian-no-mounts-left || t_fail debian-no-mounts-left "$m"
	grep -q "^/usr/bin/hello = " "$T/apt.out" && t_pass debian-package-in-tree || t_fail debian-package-in-tree "$(tail -n 2 "$T/apt.out")"
	manifest "$D" | cmp -s - "$T/debian.before" && t_pass debian-root-untouched ||
		t_fail debian-root-untouched "$(manifest "$D" | diff "$T/debian.before" - | head -n 6 | tr '\n' ' ')"
	rm -rf "$D"
else
	t_skip debian-apt-install "$(tail -n 1 "$T/debian_root.err")"
fi
t_done
