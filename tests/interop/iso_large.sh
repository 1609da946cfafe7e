#!/usr/bin/env bash
# The large cases: 10,000+ files (every reader lists them all, bsdtar
# extracts them identically), and a sparse file over 4 GiB at -iso-level 3
# (multi-extent records; sizes as isoinfo and xorriso list them, contents
# compared through bsdtar without writing the zeros to disk).
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need isoinfo genisoimage
need xorriso xorriso
need bsdtar libarchive-tools
export SOURCE_DATE_EPOCH=1700000000
T=$TEST_OUT
rm -rf "$T/many" "$T/x-many" "$T/big" "$T"/*.iso

# --- 10,000 files in 101 directories ---
make_tree_many "$T/many" 10000
if "$MKLIVE" iso -quiet -R -J -o "$T/many.iso" "$T/many"; then
	isoinfo -R -f -i "$T/many.iso" >"$T/many.rr" 2>&1
	check many-rr-count bash -c "[ \$(grep -c '^/many/d[0-9]*/f[0-9]*\$' '$T/many.rr') = 10000 ]"
	isoinfo -J -f -i "$T/many.iso" >"$T/many.j" 2>&1
	check many-joliet-count bash -c "[ \$(grep -c '^/many/d[0-9]*/f[0-9]*;1\$' '$T/many.j') = 10000 ]"
	isoinfo -f -i "$T/many.iso" >"$T/many.iso9660" 2>&1
	check many-iso-names-unique bash -c "[ \$(grep -c ';1\$' '$T/many.iso9660') = 10000 ] && [ \$(sort -u '$T/many.iso9660' | wc -l) = \$(wc -l <'$T/many.iso9660') ]"
	mkdir -p "$T/x-many" && bsdtar -xf "$T/many.iso" -C "$T/x-many"
	# (mtimes are clamped to SOURCE_DATE_EPOCH: compare everything else)
	check many-bsdtar-tree tree_compare "$T/many" "$T/x-many" 1-5,7-
	check many-check-media bash -c "xorriso -indev '$T/many.iso' -check_media -- 2>&1 | grep -q '+ good'"
	rm -rf "$T/x-many"
else
	t_fail many-write "mklive iso failed"
fi

# --- a sparse file of 4 GiB + 1 MiB + 5 bytes: level 3 splits it into extents of 4 GiB - 2 KiB ---
size=$((4 * 1024 * 1024 * 1024 + 1024 * 1024 + 5))
mkdir -p "$T/big"
make_sparse "$T/big/huge.bin" "$size"
echo small >"$T/big/small.txt"
expect_fail big-needs-level3 "huge.bin: 4296015877 bytes; files of 4 GiB and more need -iso-level 3" \
	"$T/big2.iso" "$MKLIVE" iso -quiet -R -o "$T/big2.iso" "$T/big"
if "$MKLIVE" iso -quiet -R -J -iso-level 3 -o "$T/big.iso" "$T/big"; then
	check big-image-sparse bash -c "[ \$(du -k '$T/big.iso' | cut -f1) -lt 100000 ]"
	isoinfo -R -l -i "$T/big.iso" >"$T/big.l" 2>&1
	check big-isoinfo-extents bash -c "grep ' huge.bin' '$T/big.l' | awk '{print \$5}' | tr '\n' ' ' | grep -qx '4294965248 1050629 '"
	xorriso -indev "$T/big.iso" -find / -exec lsdl >"$T/big.x" 2>&1
	check big-xorriso-size grep -Eq "^-.* $size .*'/huge.bin'" "$T/big.x"
	check big-bsdtar-content bash -c "bsdtar -xOf '$T/big.iso' huge.bin | cmp - '$T/big/huge.bin'"
	check big-small-after bash -c "[ \"\$(bsdtar -xOf '$T/big.iso' small.txt)\" = small ]"
else
	t_fail big-write "mklive iso -iso-level 3 failed"
fi
rm -f "$T/big.iso" "$T/big/huge.bin"
t_done
