#!/usr/bin/env bash
# Every command behaves alike on the command line: --help prints its usage
# and exits 0, an unknown option or a missing value exits 1 naming the
# option, as does an unknown command.
. "$(dirname "$0")/../lib/common.sh"
cmds=$("$MKLIVE" help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}')
[ -n "$cmds" ] || t_fail commands-listed "mklive help lists no commands"
for c in $cmds; do
	out=$("$MKLIVE" "$c" --help 2>&1); rc=$?
	if [ $rc = 0 ] && grep -q '^usage: mklive '"$c" <<<"$out"; then t_pass "$c-help"; else t_fail "$c-help" "exit $rc: $(head -c 200 <<<"$out")"; fi
	out=$("$MKLIVE" help "$c" 2>&1); rc=$?
	[ $rc = 0 ] && grep -q '^usage: mklive '"$c" <<<"$out" && t_pass "$c-help-cmd" || t_fail "$c-help-cmd" "exit $rc"
	"$MKLIVE" "$c" --no-such-option x y >/dev/null 2>"$TEST_OUT/$c.err"; rc=$?
	if [ $rc = 1 ] && grep -q -- "unknown option --no-such-option" "$TEST_OUT/$c.err"; then t_pass "$c-unknown-option"
	else t_fail "$c-unknown-option" "exit $rc: $(head -c 200 "$TEST_OUT/$c.err")"; fi
done
"$MKLIVE" no-such-command >/dev/null 2>"$TEST_OUT/nocmd.err"; rc=$?
[ $rc = 1 ] && grep -q "unknown command 'no-such-command'" "$TEST_OUT/nocmd.err" && t_pass unknown-command || t_fail unknown-command "exit $rc"
"$MKLIVE" >/dev/null 2>&1; [ $? = 1 ] && t_pass no-command || t_fail no-command
# a value missing at the end names the option (GNU and single-dash commands)
expect_fail fat-missing-value "option -o needs an argument" "" "$MKLIVE" fat src -o
expect_fail iso-missing-value "option -V needs an argument" "" "$MKLIVE" iso -o x.iso -V
expect_fail cloop-missing-value "option -B needs an argument" "" "$MKLIVE" cloop create in out -B
expect_fail cloop-unknown-sub "unknown subcommand 'bogus'" "" "$MKLIVE" cloop bogus
expect_fail squashfs-missing-value "option -comp needs an argument" "" "$MKLIVE" squashfs a b -comp
# combined short flags and --opt=value work where GNU spelling is used
mkdir -p "$TEST_OUT/src"; echo hi >"$TEST_OUT/src/f"
check fat-combined "$MKLIVE" fat -qv --output="$TEST_OUT/f.img" --size=1440K "$TEST_OUT/src"
# -q and -v on every command, in its --help too
for c in build run write check iso fat squashfs cloop initrd ls extract cat info du; do
	if ! "$MKLIVE" "$c" -q -v --help >"$TEST_OUT/qv-$c.txt" 2>&1; then
		t_fail "quiet-verbose-$c" "mklive $c -q -v --help: $(head -c 200 "$TEST_OUT/qv-$c.txt")"
	elif ! grep -q -- '-q' "$TEST_OUT/qv-$c.txt" || ! grep -q -- '-v\b\|--verbose\|-verbose' "$TEST_OUT/qv-$c.txt"; then
		t_fail "quiet-verbose-$c" "its --help does not mention -q and -v"
	else
		t_pass "quiet-verbose-$c"
	fi
done
# one wording for missing and unexpected operands
expect_fail operand-missing-ls "mklive ls: error: missing operand: expected IMAGE\[:PATH\] (see 'mklive ls --help')" "" "$MKLIVE" ls
expect_fail operand-missing-extract "missing operand: expected IMAGE\[:PATH\] and DIR (see 'mklive extract --help')" "" "$MKLIVE" extract x
expect_fail operand-missing-squashfs "missing operand: expected SOURCE... and OUT (see 'mklive squashfs --help')" "" "$MKLIVE" squashfs x
expect_fail operand-missing-cloop "missing operand: expected IN and OUT (see 'mklive cloop --help')" "" "$MKLIVE" cloop extract x
expect_fail operand-extra-cat "unexpected operand 'b' (see 'mklive cat --help')" "" "$MKLIVE" cat a b
expect_fail operand-extra-initrd "unexpected operand 'x' (see 'mklive initrd --help')" "" "$MKLIVE" initrd -o /dev/null x
t_done
