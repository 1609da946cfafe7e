#!/usr/bin/env bash
# `mklive extract` of squashfs images with many files, whose writers read
# files of one image at once (the squashfs reader is concurrent), equals
# what unsquashfs extracts: hundreds of small files sharing fragment
# blocks, multi-block files, sparse files, hard links, with 1, 2 and 4
# threads; and the same image read through a cloop layer (whose reader
# takes one caller at a time) and inside an ISO.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need mksquashfs squashfs-tools
need unsquashfs squashfs-tools
need xorriso xorriso
T=$TEST_OUT
rm -rf "$T"/*

# ---- the source tree: many files, fragments, blocks, holes -------------------
S=$T/src
make_tree_all "$S"
make_tree_many "$S" 1500
mkdir -p "$S/big" "$S/sparse" "$S/tails"
for i in $(seq 1 20); do
	# multi-block files whose tails go to fragment blocks, text and random
	head -c $((i * 37000 + i)) /dev/urandom >"$S/big/r$i"
	yes "line $i of some text" | head -c $((i * 53000 + 7)) >"$S/big/t$i"
done
for i in $(seq 1 300); do
	head -c $((i * 13 % 4000 + 1)) /dev/urandom >"$S/tails/x$i"
done
make_sparse "$S/sparse/file" $((8 << 20))
truncate -s 1M "$S/sparse/leading-hole" && printf end >>"$S/sparse/leading-hole"
ln "$S/big/r7" "$S/big/r7-hard"
cp "$S/big/t3" "$S/big/t3-copy" # a duplicate: shared blocks
find "$S" -exec touch -h -d "@$fixed_time" {} +
nfiles=$(find "$S" -type f | wc -l)
[ "$nfiles" -gt 1800 ] && t_pass many-files || t_fail many-files "only $nfiles files"

# same NAME DIR REF: the extraction equals unsquashfs's
same() {
	if tree_compare "$3" "$2" >"$T/$1.diff" 2>&1; then t_pass "$1"
	else t_fail "$1" "differs from unsquashfs -d: $(head -c 400 "$T/$1.diff")"; fi
}

for spec in "zstd 128K" "xz 1M" "gzip 4K"; do
	set -- $spec
	comp=$1 bs=$2 name=$1-$2
	img=$T/$name.sqfs
	if ! mksquashfs "$S" "$img" -comp "$comp" -b "$bs" -noappend -quiet -no-progress >/dev/null 2>"$T/mk.err"; then
		t_fail "$name" "mksquashfs: $(head -c 300 "$T/mk.err")"; continue
	fi
	rm -rf "$T/ref"
	unsquashfs -q -no-progress -d "$T/ref" "$img" >/dev/null 2>&1
	for j in "" 1 2 4; do
		out=$T/out$j
		rm -rf "$out"
		if ! "$MKLIVE" extract -q ${j:+-j $j} "$img" "$out" 2>"$T/x.err"; then
			t_fail "$name${j:+-j$j}" "$(head -c 300 "$T/x.err")"; continue
		fi
		same "$name${j:+-j$j}" "$out" "$T/ref"
		rm -rf "$out"
	done
done

# ---- through a cloop layer and inside an ISO ---------------------------------
img=$T/zstd-128K.sqfs
rm -rf "$T/ref" && unsquashfs -q -no-progress -d "$T/ref" "$img" >/dev/null 2>&1
if "$MKLIVE" cloop create -q -c lz4 --format v4 "$img" "$T/sq.cloop" 2>"$T/cl.err"; then
	rm -rf "$T/out-cloop"
	"$MKLIVE" extract -q -j 4 "$T/sq.cloop" "$T/out-cloop" 2>"$T/x.err" &&
		same cloop-layer "$T/out-cloop" "$T/ref" || t_fail cloop-layer "$(head -c 300 "$T/x.err")"
else
	t_fail cloop-layer "mklive cloop: $(head -c 300 "$T/cl.err")"
fi
mkdir -p "$T/iso"
cp "$img" "$T/iso/root.sqfs"
if xorriso -as mkisofs -quiet -R -o "$T/sq.iso" "$T/iso" >/dev/null 2>&1; then
	rm -rf "$T/out-iso"
	"$MKLIVE" extract -q -j 4 "$T/sq.iso:/root.sqfs:" "$T/out-iso" 2>"$T/x.err" &&
		same in-iso "$T/out-iso" "$T/ref" || t_fail in-iso "$(head -c 300 "$T/x.err")"
else
	t_fail in-iso "xorriso failed"
fi
rm -rf "$T/ref" "$T/out-cloop" "$T/out-iso" "$S"
t_done
