#!/usr/bin/env bash
# The squashfs reader against images written by mksquashfs (squashfs-tools)
# and gensquashfs (squashfs-tools-ng): every compressor, block sizes, with
# and without fragments, uncompressed tables, xattrs (out-of-line values
# too), hard links, sparse files, devices. Extracted through the tree they
# equal the source and what unsquashfs extracts; written again by mklive's
# writer they equal the image (sqfsdiff); mklive's own images read back
# as their source (round trip); hostile images fail cleanly.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need mksquashfs squashfs-tools
need unsquashfs squashfs-tools
need gensquashfs squashfs-tools-ng
need sqfsdiff squashfs-tools-ng
need getfattr attr
TR=${BUILD:-$TOP/build}/tools/treeread
need "$TR" "(make unit-bins builds build/tools/treeread)"
T=$TEST_OUT
rm -rf "$T"/*
is_root=0; [ "$(id -u)" = 0 ] && is_root=1
xattr_dump() { (cd "$1" && find . -print0 | LC_ALL=C sort -z | xargs -0 getfattr -h -d -m - 2>/dev/null); }

# ---- the source tree -----------------------------------------------------
S=$T/src
make_tree_all "$S"
make_tree_xattrs "$S"
mkdir -p "$S/sparse" "$S/big"
make_sparse "$S/sparse/file" $((16 << 20))
truncate -s 1M "$S/sparse/leading-hole" && printf end >>"$S/sparse/leading-hole"
dd if=/dev/urandom of="$S/sparse/data-after-hole" bs=4096 count=2 seek=10 status=none
ln "$S/sparse/file" "$S/sparse/file-hard"
head -c 3000000 /dev/urandom >"$S/big/random"
yes 'a compressible line of text' | head -c 2500000 >"$S/big/text"
if [ $is_root = 1 ]; then
	# a value larger than mksquashfs keeps inline is shared out of line
	big=$(head -c 3000 /dev/urandom | base64 -w0)
	setfattr -n user.big -v "$big" "$S/big/random"
	setfattr -n user.big -v "$big" "$S/big/text"
	setfattr -n trusted.overlay.opaque -v y "$S/xattrs"
	setfattr -h -n trusted.link -v on-a-symlink "$S/links/absolute"
	command -v setcap >/dev/null && echo bin >"$S/xattrs/setcap-bin" &&
		setcap cap_net_bind_service+ep "$S/xattrs/setcap-bin"
fi
find "$S" -exec touch -h -d "@$fixed_time" {} +

# compare NAME A B: manifest (with link groups), contents, xattrs
compare() {
	local name=$1 a=$2 b=$3 why=
	if ! tree_compare "$a" "$b" >"$T/$name.diff" 2>&1; then
		why="tree differs: $(head -c 600 "$T/$name.diff")"
	elif ! diff <(xattr_dump "$a") <(xattr_dump "$b") >"$T/$name.xdiff"; then
		why="xattrs differ: $(head -c 400 "$T/$name.xdiff")"
	fi
	if [ -n "$why" ]; then t_fail "$name" "$why"; else t_pass "$name"; fi
}

# read_check NAME IMAGE [SOURCE]: extraction through the tree equals
# unsquashfs's extraction (and SOURCE when given)
read_check() {
	local name=$1 img=$2 src=${3:-}
	rm -rf "$T/out" "$T/ref"
	if ! "$TR" extract "$img" "$T/out" 2>"$T/$name.err"; then
		t_fail "$name" "$(head -c 400 "$T/$name.err")"; return
	fi
	if [ "${REF:-unsquashfs}" = sqfs2tar ]; then
		# unsquashfs 4.5 cannot read gensquashfs's lz4 images: its own project's tool
		mkdir -p "$T/ref"
		sqfs2tar "$img" 2>/dev/null | tar --xattrs --xattrs-include='*' --numeric-owner -xpf - -C "$T/ref"
	else
		unsquashfs -q -no-progress -d "$T/ref" "$img" >/dev/null 2>&1
	fi
	compare "$name" "$T/ref" "$T/out"
	[ -n "$src" ] && compare "$name-source" "$src" "$T/out"
	# one thread (no read-ahead) reads the same bytes
	rm -rf "$T/out1"
	TREEREAD_THREADS=-1 "$TR" extract "$img" "$T/out1" 2>/dev/null &&
		tree_compare "$T/out" "$T/out1" >/dev/null &&
		t_pass "$name-1thread" || t_fail "$name-1thread" "differs without read-ahead threads"
}

# ---- mksquashfs: compressors, block sizes, fragments, uncompressed parts ----
for comp in gzip xz zstd lz4 lzma; do
	img=$T/mk-$comp.sqfs
	if ! mksquashfs "$S" "$img" -comp "$comp" -noappend -quiet -no-progress >/dev/null 2>"$T/mk.err"; then
		t_fail "mksquashfs-$comp" "$(cat "$T/mk.err")"; continue
	fi
	read_check "mksquashfs-$comp" "$img" "$S"
done
for opts in "-b 4K" "-b 1M -comp xz" "-no-fragments" "-always-use-fragments -b 4K" \
	"-noI -noD -noF -noX" "-no-duplicates -comp zstd -b 64K" "-Xhc -comp lz4" "-no-xattrs"; do
	name=mksquashfs$(echo "$opts" | tr -d ' ')
	img=$T/opt.sqfs
	if ! mksquashfs "$S" "$img" $opts -noappend -quiet -no-progress >/dev/null 2>"$T/mk.err"; then
		t_fail "$name" "$(cat "$T/mk.err")"; continue
	fi
	read_check "$name" "$img"
done

# ---- gensquashfs (squashfs-tools-ng) ---------------------------------------
for comp in gzip xz zstd lz4; do
	img=$T/gen-$comp.sqfs
	if ! gensquashfs -q -f -k -x -D "$S" -c "$comp" "$img" >/dev/null 2>"$T/gen.err"; then
		t_fail "gensquashfs-$comp" "$(cat "$T/gen.err")"; continue
	fi
	REF=sqfs2tar read_check "gensquashfs-$comp" "$img"
done
gensquashfs -q -f -k -x -D "$S" -b 4096 -T "$T/gen-4k.sqfs" >/dev/null 2>&1 &&
	REF=sqfs2tar read_check gensquashfs-4k-no-tails "$T/gen-4k.sqfs"

# ---- lzo: a clear refusal ---------------------------------------------------
mksquashfs "$S/names" "$T/lzo.sqfs" -comp lzo -noappend -quiet -no-progress >/dev/null 2>&1 &&
	expect_fail lzo "LZO" "$T/lzo-out" "$TR" extract "$T/lzo.sqfs" "$T/lzo-out"

# ---- mklive's writer, read back: the round trip -----------------------------
for comp in gzip xz zstd lz4; do
	img=$T/ml-$comp.sqfs
	"$MKLIVE" squashfs "$S" "$img" -comp "$comp" -b 4K -quiet 2>"$T/ml.err" ||
		{ t_fail "roundtrip-$comp" "$(cat "$T/ml.err")"; continue; }
	rm -rf "$T/out"
	"$TR" extract "$img" "$T/out" 2>"$T/rt.err" && compare "roundtrip-$comp" "$S" "$T/out" ||
		t_fail "roundtrip-$comp" "$(head -c 300 "$T/rt.err")"
done

# ---- re-imaged without unpacking: the same image to sqfsdiff -----------------
# (without the sparse files: mklive's writer makes basic inodes for holes
# that are not holes of its source, which sqfsdiff tells apart)
mkdir -p "$T/nosparse"
cp -a "$S"/. "$T/nosparse/"
rm -rf "$T/nosparse/sparse"
img=$T/nosparse.sqfs
mksquashfs "$T/nosparse" "$img" -comp zstd -noappend -quiet -no-progress >/dev/null 2>&1
if "$TR" squashfs "$img" "$T/again.sqfs" zstd 2>"$T/again.err"; then
	if sqfsdiff -a "$img" -b "$T/again.sqfs" >"$T/again.diff" 2>&1; then t_pass reimage-sqfsdiff
	else t_fail reimage-sqfsdiff "$(head -c 400 "$T/again.diff")"; fi
else
	t_fail reimage "$(cat "$T/again.err")"
fi

# ---- stored sizes (for du): blocks plus a fragment share --------------------
"$TR" dump "$T/mk-gzip.sqfs" >"$T/dump.txt"
st=$(awk -F'|' '$1 == "/big/random" { print $NF }' "$T/dump.txt")
[ -n "$st" ] && [ "$st" -ge 3000000 ] && [ "$st" -lt 3100000 ] && t_pass stored-random ||
	t_fail stored-random "stored $st for 3000000 random bytes"
st=$(awk -F'|' '$1 == "/big/text" { print $NF }' "$T/dump.txt")
[ -n "$st" ] && [ "$st" -gt 0 ] && [ "$st" -lt 100000 ] && t_pass stored-text ||
	t_fail stored-text "stored $st for 2.5 MB of text"
st=$(awk -F'|' '$1 == "/names/README" { print $NF }' "$T/dump.txt")
[ "$st" = 0 ] && t_pass stored-empty || t_fail stored-empty "stored $st for an empty file"
st=$(awk -F'|' '$1 == "/names/lowercase.txt" { print $NF }' "$T/dump.txt")
[ -n "$st" ] && [ "$st" -gt 0 ] && [ "$st" -lt 200 ] && t_pass stored-fragment-share ||
	t_fail stored-fragment-share "stored $st for a 6-byte tail"

# ---- hostile images: exit 1, a message naming the image and offset ----------
GEN=${BUILD:-$TOP/build}/tools/sqfsgen
if [ -x "$GEN" ]; then
	mkdir -p "$T/hostile"
	"$GEN" "$T/hostile" >"$T/hostile/list.txt"
	while IFS='|' read -r f want; do
		expect_fail "hostile-$f" "$want" "$T/hx-$f" "$TR" extract "$T/hostile/$f.sqfs" "$T/hx-$f"
		check "hostile-$f-offset" grep -q "$f.sqfs: offset [0-9]" "$T/hostile-$f.stderr"
	done <"$T/hostile/list.txt"
else
	t_skip hostile "build/tools/sqfsgen not built"
fi
t_done
