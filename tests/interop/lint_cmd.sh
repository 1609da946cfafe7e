#!/usr/bin/env bash
# make lint: src/cmd/ includes only cmd/opt.h and modules' public headers.
# The tree passes; a command that includes a private header (by its name,
# or by its purpose line) or an on-disk format header fails, named by line.
source "$TESTS_DIR/lib/common.sh"
lint=$TOP/scripts/lint-cmd-includes.sh
cd "$TEST_OUT" || exit 1
rm -rf ./* 2>/dev/null
"$lint" "$TOP/src" >tree.out 2>&1 && t_pass tree-clean || t_fail tree-clean "$(head -c 300 tree.out)"

# a copy of src/ with one bad include in a command
bad() { # NAME INCLUDE EXPECTED
	rm -rf s && cp -r "$TOP/src" s
	sed -i "0,/^#include \"cmd\/opt.h\"/s||#include \"cmd/opt.h\"\n#include \"$2\"|" s/cmd/info.c
	"$lint" s >"$1.out" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q "s/cmd/info.c:[0-9]*: includes \"$2\": $3" "$1.out" && t_pass "$1" ||
		t_fail "$1" "exit $rc: $(head -c 300 "$1.out")"
}
bad impl-header compress/codec_impl.h "a module's private header"
bad priv-header fat/fat_priv.h "a module's private header"
bad internal-header squashfs/format.h "a module's private header (its first line says so)"
bad another-command cmd/cmd.h "another command's header"
t_done
