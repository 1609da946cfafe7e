#!/usr/bin/env bash
# Every libFuzzer target (tests/fuzz/*_fuzz.c, built with clang under ASan
# and UBSan) runs over its seed corpus, tests/fuzz/corpus/NAME (the test
# images and the inputs of past findings); targets without a corpus run
# 2000 generated inputs. Any crash or sanitizer report fails.
source "$TESTS_DIR/lib/common.sh"
need clang clang
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	echo "SKIP: $T_SCRIPT (needs libFuzzer from the Debian package libclang-rt-14-dev)"
	exit 0
fi
T=$TEST_OUT
if ! make -s -C "$TOP" BUILD="$BUILD" fuzz-bins >"$T/build.log" 2>&1; then
	t_fail build "$(tail -n 5 "$T/build.log" | tr '\n' ' ')"
	t_done
fi
for src in "$TOP"/tests/fuzz/*_fuzz.c; do
	name=$(basename "$src" .c)
	bin=$BUILD/fuzz/$name corpus=$TOP/tests/fuzz/corpus/$name
	mkdir -p "$T/$name"
	if [ -d "$corpus" ]; then
		args=(-runs=0 "$corpus")
	else
		args=(-runs=2000 -seed=1 "$T/$name")
	fi
	# -malloc_limit_mb above 2 GiB: a cpio header claiming a 2 GiB name makes
	# libarchive reserve that much (never touched; the read then fails
	# cleanly, corpus/tar_fuzz/regress-huge-readahead.cpio); RSS stays bounded
	if (cd "$T" && "$bin" -rss_limit_mb=2048 -malloc_limit_mb=4096 -timeout=30 "${args[@]}") >"$T/$name.log" 2>&1 &&
		! grep -q -e 'ERROR: ' -e 'runtime error' "$T/$name.log"; then
		t_pass "$name ($(grep -o 'stat::number_of_executed_units: [0-9]*\|Done [0-9]* runs\|INITED.*corp: [0-9]*' "$T/$name.log" | tail -n 1))"
	else
		t_fail "$name" "$(grep -m 3 -e 'ERROR' -e 'runtime error' -e 'SUMMARY' "$T/$name.log" | tr '\n' ' ')"
	fi
done
t_done
