# Shared helpers for the shell tests (sourced). Results are lines
# "PASS: name", "FAIL: name (why)", "SKIP: name (why)" counted by tests/run.sh.
set -u
: "${MKLIVE:?MKLIVE must point to the mklive binary}"
: "${TEST_OUT:=$(mktemp -d)}"
mkdir -p "$TEST_OUT"
T_SCRIPT=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
t_failed=0

t_pass() { echo "PASS: $T_SCRIPT/$1"; }
t_fail() { echo "FAIL: $T_SCRIPT/$1${2:+ ($2)}"; t_failed=1; }
t_skip() { echo "SKIP: $T_SCRIPT/$1${2:+ ($2)}"; }

# check NAME CMD...: one result from a command's exit status (output kept in the log).
check() {
	local name=$1; shift
	if "$@"; then t_pass "$name"; else t_fail "$name" "command failed: $*"; fi
}

# need TOOL PACKAGE: skip the whole script when a tool is missing.
need() {
	if ! command -v "$1" >/dev/null 2>&1 && [ ! -e "$1" ]; then
		echo "SKIP: $T_SCRIPT (needs $1 from the Debian package $2)"
		exit 0
	fi
}
need_file() { # FILE PACKAGE
	if [ ! -e "$1" ]; then
		echo "SKIP: $T_SCRIPT (needs $1 from the Debian package $2)"
		exit 0
	fi
}
need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $T_SCRIPT (needs root)"
		exit 0
	fi
}

# The newest Debian kernel installed by linux-image-amd64.
debian_kernel() { ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1; }

# The start of a test that builds a live medium from a busybox root: the
# Debian kernel in $kernel and a static /bin/busybox (the script is skipped
# without either), then the emptied $TEST_OUT as the current directory and
# a fixed SOURCE_DATE_EPOCH.
build_test_setup() {
	kernel=$(debian_kernel)
	[ -n "$kernel" ] || { echo "SKIP: $T_SCRIPT (needs linux-image-amd64)"; exit 0; }
	[ -x /bin/busybox ] && ! file -L /bin/busybox | grep -q dynamic || { echo "SKIP: $T_SCRIPT (needs busybox-static)"; exit 0; }
	cd "$TEST_OUT" || exit 1
	rm -rf ./* 2>/dev/null
	export SOURCE_DATE_EPOCH=1700000000
}

# qemu_boot LOG MARKER TIMEOUT QEMU-ARGS...: boots with the serial console in
# LOG, returns 0 as soon as MARKER appears, 1 on timeout or exit without it.
# Always TCG (KVM does not work on these machines); never reboots.
qemu_boot() {
	local log=$1 marker=$2 timeout=$3; shift 3
	: >"$log"
	qemu-system-x86_64 -machine accel=tcg -m 512 -nographic -no-reboot \
		-monitor none -serial "file:$log" -display none "$@" \
		>"$log.qemu" 2>&1 </dev/null &
	local pid=$! i=0
	while [ $i -lt $((timeout * 5)) ]; do
		if grep -qa -- "$marker" "$log" 2>/dev/null; then
			kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2; i=$((i + 1))
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	grep -qa -- "$marker" "$log"
}

# expect_fail NAME EXPECTED-TEXT DEST CMD...: the command must exit 1, say
# EXPECTED-TEXT on stderr, and leave nothing at DEST.
expect_fail() {
	local name=$1 text=$2 dest=$3; shift 3
	local err="$TEST_OUT/$name.stderr" rc
	"$@" 2>"$err" >/dev/null; rc=$?
	if [ $rc != 1 ]; then t_fail "$name" "exit $rc, expected 1: $(head -c 300 "$err")"; return; fi
	if ! grep -q -- "$text" "$err"; then t_fail "$name" "stderr lacks '$text': $(head -c 300 "$err")"; return; fi
	if [ -n "$dest" ] && [ -e "$dest" ]; then t_fail "$name" "$dest was left behind"; return; fi
	if [ -n "$dest" ] && ls "$(dirname "$dest")"/.*mklive-* >/dev/null 2>&1; then
		t_fail "$name" "a temporary file was left behind"; return
	fi
	t_pass "$name"
}

t_done() { exit "$t_failed"; }
