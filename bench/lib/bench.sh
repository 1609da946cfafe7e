# Shared benchmark harness (sourced by bench/*.sh).
#   bench_run LABEL CMD...   run CMD $BENCH_REPS times (default 3) after one
#                            warm-up (BENCH_WARMUP=0: none, for runs of many
#                            minutes), record median wall seconds, the CPU
#                            seconds (user + system, of every process the
#                            command waited for: the figure a loaded machine
#                            changes least) and peak RSS
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
declare -A bench_time bench_cpu bench_rss bench_size

bench_now() { date +%s.%N; }

# The CPU seconds (user + system) of this shell's waited-for children so
# far, into bench_cpu_at (times runs in this shell, not in a $(...) one,
# whose children are its own).
bench_cpu_now() {
	times >"$BENCH_WORK/times.$$"
	bench_cpu_at=$(tail -n 1 "$BENCH_WORK/times.$$" |
		awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.3f\n", t }')
}

# bench_median "T1 T2 ...": the median of the numbers (of an even count,
# the lower of the two middle ones).
bench_median() { printf '%s\n' $1 | sort -g | sed -n "$((($(printf '%s\n' $1 | wc -l) + 1) / 2))p"; }

# bench_run LABEL CMD...; set BENCH_OUTPUT=file to also record its size.
bench_run() {
	local label=$1; shift
	local times=() cpus=() rss=0 i t0 t1 c0 r
	if [ "${BENCH_WARMUP:-1}" != 0 ]; then
		[ -z "${BENCH_BEFORE:-}" ] || eval "$BENCH_BEFORE"
		"$@" >/dev/null 2>"$BENCH_WORK/last.err" || { echo "bench: $label failed: $(tail -n 3 "$BENCH_WORK/last.err")" >&2; return 1; }
	fi
	for ((i = 0; i < BENCH_REPS; i++)); do
		[ -z "${BENCH_BEFORE:-}" ] || eval "$BENCH_BEFORE"
		bench_cpu_now
		c0=$bench_cpu_at
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
		bench_cpu_now
		cpus+=("$(echo "$bench_cpu_at - $c0" | bc -l)")
		r=$(tail -n 1 "$BENCH_WORK/rss"); [ "$r" -gt "$rss" ] 2>/dev/null && rss=$r
	done
	bench_labels+=("$label")
	bench_time[$label]=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((BENCH_REPS + 1) / 2))p")
	bench_cpu[$label]=$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "$(((BENCH_REPS + 1) / 2))p")
	bench_rss[$label]=$rss
	bench_size[$label]=
	if [ -n "${BENCH_OUTPUT:-}" ] && [ -e "$BENCH_OUTPUT" ]; then
		bench_size[$label]=$(stat -c %s "$BENCH_OUTPUT")
	fi
}

bench_table() {
	local title=$1 base=$2 l bt
	bt=${bench_time[$base]:-}
	if [ -z "$bt" ]; then # the baseline failed (bench_run said why)
		echo
		echo "## $title: no figures, $base failed"
		bench_labels=()
		return 1
	fi
	echo
	echo "## $title (median of $BENCH_REPS runs; ratio = time / time of $base)"
	printf '%-44s %10s %8s %10s %8s %10s %14s\n' command seconds ratio "CPU s" ratio "peak RSS" "output bytes"
	local bc=${bench_cpu[$base]}
	for l in "${bench_labels[@]}"; do
		local rss=-
		[ "${bench_rss[$l]}" -gt 0 ] && rss=$((${bench_rss[$l]} / 1024))
		printf '%-44s %10.3f %8.2f %10.2f %8.2f %8s MB %14s\n' "$l" "${bench_time[$l]}" \
			"$(echo "${bench_time[$l]} / $bt" | bc -l)" "${bench_cpu[$l]}" \
			"$(echo "if ($bc > 0) ${bench_cpu[$l]} / $bc else 0" | bc -l)" "$rss" "${bench_size[$l]:--}"
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
