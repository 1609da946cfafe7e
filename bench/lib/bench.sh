# Shared benchmark harness (sourced by bench/*.sh).
#   bench_run LABEL CMD...   run CMD $BENCH_REPS times (default 3) after one
#                            warm-up, record median wall seconds and peak RSS
#                            (BENCH_BEFORE: a command run, untimed, before each)
#   bench_table TITLE BASELINE-LABEL   print a table of medians with ratios
#                            (time / baseline time) and reset the records
#   bench_debian_tree        path of an unpacked Debian minbase root tree
#                            (made once with mmdebstrap, cached in bench/work)
set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_WORK=${BENCH_WORK:-$BENCH_DIR/work}
: "${BENCH_REPS:=3}"
: "${MKLIVE:=$BENCH_DIR/../build/mklive}"
mkdir -p "$BENCH_WORK"
bench_labels=()
declare -A bench_time bench_rss bench_size

bench_now() { date +%s.%N; }

# bench_median "T1 T2 ...": the median of the numbers (of an even count,
# the lower of the two middle ones).
bench_median() { printf '%s\n' $1 | sort -g | sed -n "$((($(printf '%s\n' $1 | wc -l) + 1) / 2))p"; }

# bench_run LABEL CMD...; set BENCH_OUTPUT=file to also record its size.
bench_run() {
	local label=$1; shift
	local times=() rss=0 i t0 t1 r
	[ -z "${BENCH_BEFORE:-}" ] || eval "$BENCH_BEFORE"
	"$@" >/dev/null 2>"$BENCH_WORK/last.err" || { echo "bench: $label failed: $(tail -n 3 "$BENCH_WORK/last.err")" >&2; return 1; }
	for ((i = 0; i < BENCH_REPS; i++)); do
		[ -z "${BENCH_BEFORE:-}" ] || eval "$BENCH_BEFORE"
		t0=$(bench_now)
		if declare -F "$1" >/dev/null; then
			# a shell function of the script: /usr/bin/time cannot run it,
			# so no peak RSS (each of its commands has its own)
			echo 0 >"$BENCH_WORK/rss"
			"$@" >/dev/null 2>"$BENCH_WORK/last.err" || {
				echo "bench: $label failed: $(tail -n 3 "$BENCH_WORK/last.err")" >&2; return 1; }
		else
			/usr/bin/time -f %M -o "$BENCH_WORK/rss" "$@" >/dev/null 2>"$BENCH_WORK/last.err" || {
				echo "bench: $label failed: $(tail -n 3 "$BENCH_WORK/last.err")" >&2; return 1; }
		fi
		t1=$(bench_now)
		times+=("$(echo "$t1 - $t0" | bc -l)")
		r=$(tail -n 1 "$BENCH_WORK/rss"); [ "$r" -gt "$rss" ] 2>/dev/null && rss=$r
	done
	bench_labels+=("$label")
	bench_time[$label]=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((BENCH_REPS + 1) / 2))p")
	bench_rss[$label]=$rss
	bench_size[$label]=
	if [ -n "${BENCH_OUTPUT:-}" ] && [ -e "$BENCH_OUTPUT" ]; then
		bench_size[$label]=$(stat -c %s "$BENCH_OUTPUT")
	fi
}

bench_table() {
	local title=$1 base=$2 l bt
	bt=${bench_time[$base]}
	echo
	echo "## $title (median of $BENCH_REPS runs; ratio = time / time of $base)"
	printf '%-44s %10s %8s %10s %14s\n' command seconds ratio "peak RSS" "output bytes"
	for l in "${bench_labels[@]}"; do
		local rss=-
		[ "${bench_rss[$l]}" -gt 0 ] && rss=$((${bench_rss[$l]} / 1024))
		printf '%-44s %10.3f %8.2f %8s MB %14s\n' "$l" "${bench_time[$l]}" \
			"$(echo "${bench_time[$l]} / $bt" | bc -l)" "$rss" "${bench_size[$l]:--}"
	done
	bench_labels=()
}

# Prints the path of an unpacked Debian bookworm minbase tree.
bench_debian_tree() {
	local tar="$BENCH_WORK/rootfs.tar" dir="$BENCH_WORK/rootfs"
	if [ ! -d "$dir/usr" ]; then
		if [ ! -s "$tar" ]; then
			echo "bench: making a Debian minbase tree with mmdebstrap (about a minute)" >&2
			mmdebstrap --variant=minbase --quiet --format=tar bookworm "$tar.tmp" >&2 && mv "$tar.tmp" "$tar" || return 1
		fi
		rm -rf "$dir"; mkdir -p "$dir"
		tar -xf "$tar" -C "$dir" --numeric-owner 2>/dev/null || tar -xf "$tar" -C "$dir"
	fi
	echo "$dir"
}
