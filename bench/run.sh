#!/usr/bin/env bash
# Runs every benchmark in bench/ (or those named: bench/run.sh iso cloop).
# Each prints a table of medians and ratios against the classic tool.
set -u
here=$(cd "$(dirname "$0")" && pwd)
names=("$@")
if [ ${#names[@]} = 0 ]; then
	for f in "$here"/*.sh; do names+=("$(basename "$f" .sh)"); done
fi
rc=0
for n in "${names[@]}"; do
	[ "$n" = run ] && continue
	echo "# bench/$n.sh"
	bash "$here/$n.sh" || rc=1
done
exit $rc
