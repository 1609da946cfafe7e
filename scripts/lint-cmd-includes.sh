#!/usr/bin/env bash
# src/cmd/ holds option tables, messages and calls only: a command may
# include the option layer (cmd/opt.h), the generated version.h, system
# headers, and the public headers of modules. A header is private when its
# name ends in _impl.h or _priv.h, or when its purpose line (the first
# line) calls it internal or private, as every module's own internals say.
# Prints each offending include as FILE:LINE and exits 1.
#   scripts/lint-cmd-includes.sh [SRC_DIR]   (default: src)
set -u
src=${1:-src}
bad=0
for f in "$src"/cmd/*.c "$src"/cmd/*.h; do
	[ -e "$f" ] || continue
	while IFS=: read -r line inc; do
		why=
		case $inc in
		cmd/opt.h | version.h) continue ;;
		cmd/*) why="another command's header" ;;
		*_impl.h | *_priv.h) why="a module's private header" ;;
		*/*)
			if [ ! -f "$src/$inc" ]; then
				why="not a header under $src/"
			elif head -n 1 "$src/$inc" | grep -qiE 'internal|private'; then
				why="a module's private header (its first line says so)"
			fi
			;;
		*) why="not a module header (MODULE/NAME.h)" ;;
		esac
		if [ -n "$why" ]; then
			echo "$f:$line: includes \"$inc\": $why; src/cmd/ holds option tables, messages and calls only"
			bad=1
		fi
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | sed 's/^\([0-9]*\):.*"\(.*\)".*/\1:\2/')
done
exit $bad
