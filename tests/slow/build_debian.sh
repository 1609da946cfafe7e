#!/usr/bin/env bash
# debian:SUITE root sources with Debian's own mmdebstrap and a real mirror:
# a bookworm minbase tarball built without root (mmdebstrap's unshare mode)
# with a Run= script that writes a file and installs a package, everything
# owned by root in the tar; a second build is a cache hit that runs nothing;
# an unknown suite, an unreachable mirror and a failing Run= script (in root
# mode) fail with mmdebstrap's or the script's own lines and cache nothing.
# Until `mklive build` drives src/pipeline/debian.c, the unit test binary does
# (build_root_test debian ...). Takes a few minutes: two real mmdebstrap runs.
source "$TESTS_DIR/lib/common.sh"
need mmdebstrap mmdebstrap
DRV=$BUILD/unit/build_root_test
[ -x "$DRV" ] || { echo "SKIP: $T_SCRIPT (needs $DRV: make unit-bins)"; exit 0; }
T=$TEST_OUT
rm -rf "${T:?}"/*
chmod 755 "$T"
export SOURCE_DATE_EPOCH=1700000000
is_root=0; [ "$(id -u)" = 0 ] && is_root=1

# Count the runs of the real mmdebstrap through a wrapper first in PATH.
real=$(command -v mmdebstrap)
mkdir -p "$T/bin"
printf '#!/bin/sh\necho run >>"%s"\nexec %s "$@"\n' "$T/calls" "$real" >"$T/bin/mmdebstrap"
chmod 755 "$T/bin/mmdebstrap"
: >"$T/calls"; chmod 666 "$T/calls"
export PATH="$T/bin:$PATH"
calls() { wc -l <"$T/calls"; }

# no_cache_entry NAME DIR: a failure left no tarball, key or temporary
no_cache_entry() {
	local left
	left=$(find "$2" -name '*.tar' -o -name '*.key' -o -name '*.tmp*' 2>/dev/null)
	if [ -n "$left" ]; then t_fail "$1" "left in the cache: $left"; else t_pass "$1"; fi
}

# ---- errors that need no download -----------------------------------------
expect_fail unknown-suite "does not have a Release file" "" "$DRV" debian --cache "$T/cache-bad" nosuchsuite
grep -q "debian:nosuchsuite: mmdebstrap failed" "$T/unknown-suite.stderr" && t_pass unknown-suite-message ||
	t_fail unknown-suite-message "$(head -c 300 "$T/unknown-suite.stderr")"
expect_fail mirror-unreachable "127.0.0.1" "" "$DRV" debian --cache "$T/cache-bad" --mirror http://127.0.0.1:9/debian bookworm
no_cache_entry errors-cache-nothing "$T/cache-bad"

# ---- a failing Run= script, in root mode (in the background) ---------------
cat >"$T/fail.sh" <<'EOF'
#!/bin/sh
echo before-failure
ls /nonexistent-path
exit 7
EOF
if [ $is_root = 1 ]; then
	"$DRV" debian --cache "$T/cache-fail" --run "$T/fail.sh" bookworm >"$T/fail.out" 2>"$T/fail.stderr" &
	fail_pid=$!
fi

# ---- a real build without root ----------------------------------------------
cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
set -e
echo "uid=$(id -u) home=$HOME epoch=$SOURCE_DATE_EPOCH" >/etc/mklive-run-test
apt-get install -y --no-install-recommends hello
EOF
chmod 644 "$T/hook.sh"
mkdir -p "$T/ucache" "$T/home"
# As root, become nobody with subordinate ids from a private /etc/subuid
# (bind-mounted in a mount namespace of our own, the host's stays as it is).
as_user=()
if [ $is_root = 1 ] && command -v newuidmap >/dev/null && command -v setpriv >/dev/null; then
	echo "nobody:200000:65536" >"$T/subid"
	chown 65534:65534 "$T/ucache" "$T/home"
	as_user=(unshare --mount --propagation private sh -c
		'mount --bind "$0" /etc/subuid && mount --bind "$0" /etc/subgid && exec "$@"'
		"$T/subid" setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T/home")
elif [ $is_root = 1 ]; then
	as_user=(skip "needs newuidmap (uidmap) and setpriv (util-linux) to build as nobody")
elif ! grep -q "^$(id -un):" /etc/subuid 2>/dev/null; then
	expect_fail unprivileged-message "set up subordinate ids" "" "$DRV" debian --cache "$T/ucache" bookworm
	as_user=(skip "$(id -un) has no /etc/subuid entry")
fi

if [ "${as_user[0]-}" = skip ]; then
	t_skip rootless-build "${as_user[1]}"
else
	start=$SECONDS
	if "${as_user[@]}" "$DRV" debian --cache "$T/ucache" --run "$T/hook.sh" bookworm >"$T/rootless.out" 2>"$T/rootless.err"; then
		t_pass rootless-build
		echo "cold build without root: $((SECONDS - start)) s"
	else
		t_fail rootless-build "$(tail -n 15 "$T/rootless.err")"
	fi
	tar=$(cat "$T/rootless.out")
	if [ -s "$tar" ]; then
		tar -tvf "$tar" >"$T/list" 2>&1
		grep -E ' 0/0 .* \./etc/mklive-run-test$' "$T/list" >/dev/null &&
			t_pass run-file-owned-by-root || t_fail run-file-owned-by-root "$(grep mklive-run-test "$T/list")"
		grep -E '^-rwxr-xr-x 0/0 .* \./usr/bin/hello$' "$T/list" >/dev/null &&
			t_pass run-package-installed || t_fail run-package-installed "no ./usr/bin/hello owned by root"
		grep -E '^-rwsr-xr-x 0/0 .* \./usr/bin/su$' "$T/list" >/dev/null &&
			t_pass su-setuid-root || t_fail su-setuid-root "$(grep bin/su "$T/list")"
		# nothing owned by the user or a subordinate id: the namespace's ids came back as they were
		bad=$(awk '{ split($2, o, "/"); if (o[1] + 0 >= 65534 || o[2] + 0 >= 65534) print }' "$T/list" | head -n 3)
		[ -z "$bad" ] && t_pass owners-mapped-back || t_fail owners-mapped-back "$bad"
		grep -q 'tmp/mklive-run-' "$T/list" && t_fail run-copy-removed "$(grep tmp/mklive-run- "$T/list")" ||
			t_pass run-copy-removed
		seen=$(tar -xOf "$tar" ./etc/mklive-run-test)
		[ "$seen" = "uid=0 home=/root epoch=1700000000" ] && t_pass run-environment ||
			t_fail run-environment "$seen"
		# mmdebstrap got SOURCE_DATE_EPOCH too: it clamps the times
		grep -E '2023-11-14 22:13 \./etc/mklive-run-test$' "$T/list" >/dev/null && t_pass epoch-reached-mmdebstrap ||
			t_fail epoch-reached-mmdebstrap "$(grep mklive-run-test "$T/list")"
		[ -s "${tar%.tar}.key" ] && grep -q '^suite=bookworm$' "${tar%.tar}.key" && t_pass key-file ||
			t_fail key-file "no ${tar%.tar}.key"
		# a hit: the same path, mmdebstrap not started again
		n=$(calls)
		hit=$("${as_user[@]}" "$DRV" debian --cache "$T/ucache" --run "$T/hook.sh" bookworm 2>"$T/hit.err")
		[ "$hit" = "$tar" ] && [ "$(calls)" = "$n" ] && grep -q cached "$T/hit.err" && t_pass cache-hit ||
			t_fail cache-hit "path '$hit', $(calls) runs (was $n)"
		rm -f "$tar"
	fi
fi

if [ $is_root = 1 ]; then
	wait "$fail_pid"; rc=$?
	if [ $rc != 1 ]; then
		t_fail run-fails "exit $rc: $(tail -n 5 "$T/fail.stderr")"
	elif grep -q "fail.sh failed (exit 7) inside debian:bookworm" "$T/fail.stderr" &&
		grep -q "  before-failure" "$T/fail.stderr" && grep -q "nonexistent-path" "$T/fail.stderr"; then
		t_pass run-fails
	else
		t_fail run-fails "$(head -c 600 "$T/fail.stderr")"
	fi
	no_cache_entry run-fails-cache-nothing "$T/cache-fail"
else
	t_skip run-fails "root mode needs root"
fi
t_done
