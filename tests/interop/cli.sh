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
t_done
