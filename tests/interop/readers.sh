#!/usr/bin/env bash
# The readers against images made by the reference tools, and round trips
# of mklive's own writers: `mklive ls -R` lists what the source holds,
# `mklive extract` gives back the source (diff -r and the manifest of
# owners, modes, times, links, rdev), `mklive cat` reads nested paths,
# `mklive info` decodes the boot catalog, `mklive du` adds up.
#   ISO 9660: xorriso and genisoimage (-R, -r, -J only, plain, deep
#   directories, El Torito), a 4 GiB+ file at level 3 (sparse source);
#   cloop: create_compressed_fs (v2) and mklive cloop (v4) of an ISO;
#   FAT: mkfs.fat + mcopy (FAT12/16/32) and mklive fat (also partitioned).
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need xorriso xorriso
need genisoimage genisoimage
T=$TEST_OUT
rm -rf "$T"/*
unset SOURCE_DATE_EPOCH

src_list() { (cd "$1" && find . -mindepth 1 | sed 's|^\.||' | LC_ALL=C sort); }
ls_list() { "$MKLIVE" ls -R "$1" | LC_ALL=C sort; }

# extract_same NAME IMAGE SRC [FIELDS]: extract IMAGE and compare with SRC
extract_same() {
	local name=$1 img=$2 src=$3 fields=${4:-1-}
	rm -rf "$T/x-$name"
	if ! "$MKLIVE" extract "$img" "$T/x-$name" >"$T/x-$name.log" 2>&1; then
		t_fail "$name-extract" "$(tail -n 3 "$T/x-$name.log")"
		return
	fi
	if tree_compare "$src" "$T/x-$name" "$fields" >"$T/x-$name.diff" 2>&1; then
		t_pass "$name-extract"
	else
		t_fail "$name-extract" "differs from the source: $(head -n 4 "$T/x-$name.diff" | tr '\n' ' ')"
	fi
	rm -rf "$T/x-$name"
}

list_same() { # NAME IMAGE SRC
	if diff <(ls_list "$2") <(src_list "$3") >"$T/$1.ls.diff"; then t_pass "$1-ls"; else
		t_fail "$1-ls" "$(head -n 4 "$T/$1.ls.diff" | tr '\n' ' ')"; fi
}

# --- the source: names, deep (12), links, special files, sizes ---
make_tree_all "$T/src" >/dev/null 2>&1
# genisoimage 1.1.11 loops forever on a symlink target of 150 components
cp -a "$T/src" "$T/src-g"
rm "$T/src-g/links/longtarget"

# --- Rock Ridge (-R: owners and modes as they are) and Joliet ---
xorriso -as mkisofs -quiet -R -J -o "$T/x.iso" "$T/src" 2>"$T/xorriso.log"
list_same xorriso-R "$T/x.iso" "$T/src"
extract_same xorriso-R "$T/x.iso" "$T/src"
genisoimage -quiet -R -J -o "$T/g.iso" "$T/src-g" 2>"$T/genisoimage.log"
list_same genisoimage-R "$T/g.iso" "$T/src-g"
extract_same genisoimage-R "$T/g.iso" "$T/src-g"
# -r: rationalized owners and modes; everything else as the source
xorriso -as mkisofs -quiet -r -o "$T/xr.iso" "$T/src" 2>/dev/null
extract_same xorriso-r "$T/xr.iso" "$T/src" 1,2,6-
check relocated-hidden bash -c "! '$MKLIVE' ls '$T/g.iso' | grep -q rr_moved && '$MKLIVE' ls -R '$T/g.iso' | grep -qx '/deep/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/level12/bottom.txt'"

# --- deep directories (40 levels; genisoimage relocates past 8) ---
make_tree_deep "$T/deep" 40
genisoimage -quiet -R -o "$T/deep-g.iso" "$T/deep" 2>/dev/null
extract_same deep-genisoimage "$T/deep-g.iso" "$T/deep"
xorriso -as mkisofs -quiet -R -o "$T/deep-x.iso" "$T/deep" 2>/dev/null
extract_same deep-xorriso "$T/deep-x.iso" "$T/deep"

# --- Joliet only, and plain ECMA-119 (names as isoinfo lists them) ---
mkdir -p "$T/plain/Dir.One" "$T/plain/sub"
echo a >"$T/plain/Mixed Case Name.txt"
echo b >"$T/plain/sub/file.dat"
echo c >"$T/plain/Dir.One/noext"
genisoimage -quiet -J -o "$T/j.iso" "$T/plain" 2>/dev/null
list_same joliet "$T/j.iso" "$T/plain"
rm -rf "$T/x-j" && "$MKLIVE" extract "$T/j.iso" "$T/x-j" && check joliet-contents diff -r "$T/plain" "$T/x-j"
genisoimage -quiet -o "$T/p.iso" "$T/plain" 2>/dev/null
check plain-names-as-isoinfo diff <(ls_list "$T/p.iso") <(isoinfo -f -i "$T/p.iso" | sed -e 's/;1$//' -e 's/\.$//' | LC_ALL=C sort)
check plain-cat bash -c "[ \"\$('$MKLIVE' cat '$T/p.iso:/SUB/FILE.DAT')\" = b ]"

# --- El Torito: BIOS and EFI entries, decoded with the files they boot ---
mkdir -p "$T/boot/isolinux" "$T/boot/efi"
head -c 4096 /dev/urandom >"$T/boot/isolinux/isolinux.bin"
head -c 20480 /dev/zero >"$T/boot/efi/efi.img"
xorriso -as mkisofs -quiet -R -J -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot \
	-boot-load-size 4 -eltorito-alt-boot -e efi/efi.img -no-emul-boot -o "$T/boot.iso" "$T/boot" 2>/dev/null
"$MKLIVE" info "$T/boot.iso" >"$T/boot.info" 2>&1
check eltorito-bios-entry grep -q 'boot entry 1: x86 (BIOS), bootable, no emulation, .* 4 sectors, at sector [0-9]*: /isolinux/isolinux.bin$' "$T/boot.info"
check eltorito-efi-entry grep -q 'boot entry 2: EFI, bootable, no emulation, .*: /efi/efi.img$' "$T/boot.info"
check eltorito-catalog bash -c "grep -q '^boot catalog: sector' '$T/boot.info' && grep -q '^rock ridge: yes' '$T/boot.info' && grep -q '^joliet: level 3' '$T/boot.info'"
# FAT inside ISO: a nested path reads the file of the FAT image
if command -v mkfs.fat >/dev/null && command -v mcopy >/dev/null; then
	rm -f "$T/boot/efi/efi.img" && mkfs.fat -C "$T/boot/efi/efi.img" 1024 >/dev/null
	mmd -i "$T/boot/efi/efi.img" ::/EFI ::/EFI/boot && echo shim >"$T/bootx64.efi" && mcopy -i "$T/boot/efi/efi.img" "$T/bootx64.efi" ::/EFI/boot/
	xorriso -as mkisofs -quiet -R -o "$T/nest.iso" "$T/boot" 2>/dev/null
	check nested-cat-fat-in-iso bash -c "[ \"\$('$MKLIVE' cat '$T/nest.iso:/efi/efi.img:/EFI/boot/bootx64.efi')\" = shim ]"
	check nested-ls-fat-in-iso bash -c "'$MKLIVE' ls '$T/nest.iso:/efi/efi.img:/EFI/boot' | grep -qx bootx64.efi"
fi
check missing-path-fails bash -c "! '$MKLIVE' cat '$T/x.iso:/no/such' 2>'$T/missing.err' && grep -q 'no file /no/such' '$T/missing.err'"

# --- cloop: create_compressed_fs (v2) and mklive (v4, xz) of the ISO ---
if command -v create_compressed_fs >/dev/null; then
	create_compressed_fs -q -B 65536 "$T/x.iso" "$T/x2.cloop" >/dev/null 2>&1
	check cloop-v2-lists-the-iso diff <(ls_list "$T/x2.cloop") <(ls_list "$T/x.iso")
	extract_same cloop-v2 "$T/x2.cloop" "$T/src"
	check cloop-v2-info bash -c "'$MKLIVE' info '$T/x2.cloop' | grep -q '^format: iso9660'"
else
	t_skip cloop-v2 "needs create_compressed_fs (cloop-utils)"
fi
"$MKLIVE" cloop create -q -c xz --format v4 "$T/x.iso" "$T/x4.cloop"
extract_same cloop-v4 "$T/x4.cloop" "$T/src"

# --- a file over 4 GiB at level 3 (multi-extent), from a sparse source ---
avail=$(df -Pk "$T" | awk 'NR==2 {print $4}')
if [ "${avail:-0}" -gt $((12 * 1024 * 1024)) ]; then
	mkdir -p "$T/big"
	make_sparse "$T/big/huge.bin" $((4 * 1024 * 1024 * 1024 + 1024 * 1024 + 5))
	echo small >"$T/big/small.txt"
	xorriso -as mkisofs -quiet -R -iso-level 3 -o "$T/big.iso" "$T/big" 2>/dev/null
	check big-size bash -c "'$MKLIVE' ls -l '$T/big.iso' | grep -q ' 4296015877 .* huge.bin\$'"
	rm -rf "$T/x-big"
	if "$MKLIVE" extract "$T/big.iso" "$T/x-big"; then
		check big-contents cmp "$T/big/huge.bin" "$T/x-big/huge.bin"
		check big-tail bash -c "[ \"\$('$MKLIVE' cat '$T/big.iso:/huge.bin' | tail -c 3)\" = end ]"
	else
		t_fail big-extract
	fi
	rm -rf "$T/x-big" "$T/big.iso" "$T/big"
else
	t_skip big "needs 12 GiB free in $T"
fi

# --- FAT: mkfs.fat + mcopy, FAT12/16/32 ---
if command -v mkfs.fat >/dev/null && command -v mcopy >/dev/null; then
	mkdir -p "$T/fsrc/Sub/deeper"
	echo hello >"$T/fsrc/Hello.txt"
	echo x >"$T/fsrc/UPPER.TXT"
	echo y >"$T/fsrc/lower.txt"
	head -c 100000 /dev/urandom >"$T/fsrc/Sub/big.bin"
	echo deep >"$T/fsrc/Sub/deeper/a long name with spaces.text"
	echo u >"$T/fsrc/Sub/ünïcödé.txt"
	for bits in 12 16 32; do
		case $bits in 12) kb=4000 ;; 16) kb=20000 ;; 32) kb=40000 ;; esac
		rm -f "$T/f$bits.img"
		mkfs.fat -F $bits -C "$T/f$bits.img" $kb >/dev/null
		mcopy -s -m -i "$T/f$bits.img" "$T/fsrc"/* ::/
		rm -rf "$T/x-f$bits"
		"$MKLIVE" extract "$T/f$bits.img" "$T/x-f$bits" && check fat$bits-mcopy diff -r "$T/fsrc" "$T/x-f$bits"
		check fat$bits-mtime bash -c "[ \$(stat -c %Y '$T/x-f$bits/Sub/big.bin') -ge \$((\$(stat -c %Y '$T/fsrc/Sub/big.bin') - 2)) ]"
		check fat$bits-info bash -c "'$MKLIVE' info '$T/f$bits.img' | grep -q '^fat: FAT$bits,'"
	done
	# a fragmented file: written around a deleted one
	rm -f "$T/frag.img" && mkfs.fat -C "$T/frag.img" 1440 >/dev/null
	head -c 30000 /dev/urandom >"$T/A" && head -c 30000 /dev/urandom >"$T/B" && head -c 200000 /dev/urandom >"$T/C"
	mcopy -i "$T/frag.img" "$T/A" "$T/B" ::/ && mdel -i "$T/frag.img" ::/A && mcopy -i "$T/frag.img" "$T/C" ::/
	check fat-fragmented bash -c "'$MKLIVE' cat '$T/frag.img:/C' | cmp - '$T/C'"
	# mklive fat, also in an MBR partition
	"$MKLIVE" fat -q -o "$T/m.img" "$T/fsrc" && { rm -rf "$T/x-m"; "$MKLIVE" extract "$T/m.img" "$T/x-m" && check fat-roundtrip diff -r "$T/fsrc" "$T/x-m"; }
	"$MKLIVE" fat -q --partition -o "$T/mp.img" "$T/fsrc" && { rm -rf "$T/x-mp"; "$MKLIVE" extract "$T/mp.img" "$T/x-mp" && check fat-partition-roundtrip diff -r "$T/fsrc" "$T/x-mp"; }
	check fat-partition-info bash -c "'$MKLIVE' info '$T/mp.img' | grep -q '^mbr partition 1: type 0x0'"
	# an EFI system partition in a GPT disk (sfdisk), FAT made by mkfs.fat there
	if command -v sfdisk >/dev/null; then
		rm -f "$T/gpt.img" && truncate -s 8M "$T/gpt.img"
		printf 'label: gpt\n,4M,U\n,,L\n' | sfdisk -q "$T/gpt.img"
		mkfs.fat --offset=2048 "$T/gpt.img" 4096 >/dev/null 2>&1 && mcopy -i "$T/gpt.img@@1M" "$T/fsrc/Hello.txt" ::/
		"$MKLIVE" info "$T/gpt.img" >"$T/gpt.info" 2>&1
		sfdisk -d "$T/gpt.img" | awk -F'[=,]' '/^\/.*start=/ {gsub(/ /, ""); print $2, $2 + $4 - 1}' >"$T/gpt.sfdisk"
		check gpt-partitions-as-sfdisk diff <(sed -n 's/^gpt partition [0-9]*: .*, sectors \([0-9]*\)\.\.\([0-9]*\).*/\1 \2/p' "$T/gpt.info") "$T/gpt.sfdisk"
		check gpt-esp-fat bash -c "grep -q '^gpt partition 1: EFI system' '$T/gpt.info' && [ \"\$('$MKLIVE' cat '$T/gpt.img:/Hello.txt')\" = hello ]"
	fi
else
	t_skip fat "needs mkfs.fat and mcopy (dosfstools, mtools)"
fi

# --- mklive's own ISO writer: round trip ---
"$MKLIVE" iso -quiet -R -J -o "$T/m.iso" "$T/src"
extract_same mklive-iso-roundtrip "$T/m.iso" "$T/src"

# --- tar (GNU tar --xattrs --acls): extended attributes come back too ---
if command -v getfattr >/dev/null && command -v tar >/dev/null; then
	make_tree_xattrs "$T/xsrc"
	tar --xattrs --xattrs-include='*' -cf "$T/x.tar" -C "$T/xsrc" .
	rm -rf "$T/x-tar" && "$MKLIVE" extract "$T/x.tar" "$T/x-tar"
	check tar-xattrs diff <(cd "$T/xsrc" && getfattr -R -d -m - . 2>/dev/null) <(cd "$T/x-tar" && getfattr -R -d -m - . 2>/dev/null)
	check tar-tree tree_compare "$T/xsrc" "$T/x-tar"
else
	t_skip tar-xattrs "needs getfattr (attr) and GNU tar"
fi

# --- du: the root holds everything; sizes add up to the files ---
"$MKLIVE" du -b "$T/x.iso" >"$T/du.out"
total=$(find "$T/src" -type f -links 1 -printf '%s\n' | awk '{s+=$1} END {print s}')
hl=$(find "$T/src" -type f -links +1 -printf '%i %s\n' | sort -u | awk '{s+=$2} END {print s+0}')
check du-root-size bash -c "awk 'NR==2 {print \$2, \$4}' '$T/du.out' | grep -qx '$((total + hl)) /'"
check du-largest-first bash -c "awk 'NR>1 {print \$1}' '$T/du.out' | sort -c -n -r"
t_done
