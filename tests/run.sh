#!/usr/bin/env bash
# Runs test suites and counts results. Each test program prints lines
# "PASS: name", "FAIL: name" or "SKIP: name (reason)"; a program that exits
# non-zero without a FAIL line counts as one failure, one that exits 77
# without lines as one skip. Ends with "N passed, N failed, N skipped" and
# exits non-zero if anything failed.
#
#   tests/run.sh [unit] [asan] [interop] [slow] [boot]   (default: unit interop)
# slow: interop tests that need the network or minutes (mmdebstrap builds).
# Environment: MKLIVE (binary), BUILD (build dir), JOBS (parallel scripts, 2),
#              ONLY (a substring: run only tests whose file name contains it)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
: "${BUILD:=$top/build}"
: "${MKLIVE:=$BUILD/mklive}"
: "${JOBS:=2}"
: "${ONLY:=}"
export MKLIVE BUILD TESTS_DIR="$here" TOP="$top"
out="$BUILD/test-out"
mkdir -p "$out"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit interop)

list=()
for s in "${suites[@]}"; do
	case $s in
	unit) for f in "$BUILD"/unit/*_test; do [ -x "$f" ] && list+=("unit|$f"); done ;;
	asan) for f in "${ASAN_BUILD:-$BUILD/asan}"/unit/*_test; do [ -x "$f" ] && list+=("asan|$f"); done ;;
	interop|slow|boot) for f in "$here/$s"/*.sh; do [ -f "$f" ] && list+=("$s|$f"); done ;;
	*) echo "run.sh: unknown suite $s" >&2; exit 2 ;;
	esac
done

run_one() { # suite|path -> writes $out/<suite>/<name>.result and .log
	local suite=${1%%|*} path=${1#*|} name rc log res
	name=$(basename "$path" .sh)
	mkdir -p "$out/$suite/$name"
	log="$out/$suite/$name.log"; res="$out/$suite/$name.result"
	local start=$SECONDS
	if [ "$suite" = unit ] || [ "$suite" = asan ]; then
		( cd "$out/$suite/$name" && TEST_TMP="$out/$suite/$name" \
		  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		  "$path" ) >"$log" 2>&1
	else
		TEST_OUT="$out/$suite/$name" bash "$path" >"$log" 2>&1 </dev/null
	fi
	rc=$?
	{
		grep -aE '^(PASS|FAIL|SKIP): ' "$log" | sed "s|^\([A-Z]*\): |\1: $suite/|"
		if ! grep -aqE '^(PASS|FAIL|SKIP): ' "$log"; then
			if [ $rc = 77 ]; then echo "SKIP: $suite/$name ($(tail -n 1 "$log"))"
			elif [ $rc != 0 ]; then echo "FAIL: $suite/$name (exit $rc)"
			else echo "FAIL: $suite/$name (printed no result)"; fi
		elif [ $rc != 0 ] && [ $rc != 77 ] && ! grep -aq '^FAIL: ' "$log"; then
			echo "FAIL: $suite/$name (exit $rc after its checks)"
		fi
	} >"$res"
	echo "# $suite/$name: $((SECONDS - start)) s" >>"$res"
}
export -f run_one
export out

filtered=()
for t in "${list[@]}"; do
	# match the file name only: a checkout path may contain any test's name
	[ -z "$ONLY" ] || [[ "$(basename "${t#*|}")" == *"$ONLY"* ]] || continue
	filtered+=("$t")
done
[ ${#filtered[@]} -gt 0 ] || { echo "0 passed, 0 failed, 0 skipped"; exit 0; }

printf '%s\n' "${filtered[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one "$1"; suite=${1%%|*}; n=$(basename "${1#*|}" .sh); grep -v "^#" "$out/$suite/$n.result"; grep "^#" "$out/$suite/$n.result"' _ {}

pass=0 fail=0 skip=0
for t in "${filtered[@]}"; do
	suite=${t%%|*}; name=$(basename "${t#*|}" .sh)
	r="$out/$suite/$name.result"
	pass=$((pass + $(grep -c '^PASS: ' "$r")))
	fail=$((fail + $(grep -c '^FAIL: ' "$r")))
	skip=$((skip + $(grep -c '^SKIP: ' "$r")))
	if grep -q '^FAIL: ' "$r"; then
		echo "---- $suite/$name failed; last lines of $out/$suite/$name.log:"
		tail -n 25 "$out/$suite/$name.log"
	fi
done
# where the time went: seconds per suite (scripts ran JOBS at a time, so
# the sum is more than the wall clock), then the slowest scripts
times=$(for t in "${filtered[@]}"; do
	suite=${t%%|*}; name=$(basename "${t#*|}" .sh)
	sed -n 's|^# \([^/]*\)/\(.*\): \([0-9]*\) s$|\3 \1 \2|p' "$out/$suite/$name.result"
done)
if [ -n "$times" ]; then
	echo "---- seconds per suite (script time, $JOBS at a time):" \
		"$(awk '{ s[$2] += $1 } END { for (k in s) printf "%s %d s, ", k, s[k] }' <<<"$times" | sed 's/, $//')"
	echo "---- the 10 slowest scripts:"
	sort -rn <<<"$times" | head -n 10 | awk '{ printf "  %5d s  %s/%s\n", $1, $2, $3 }'
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
