#!/usr/bin/env bash
# mklive iso images read by the readers that saw them differently before:
# GRUB's own iso9660 driver (grub-fstest), libcdio (iso-info, iso-read),
# besides isoinfo, xorriso, bsdtar. Deep directories stay where they are
# with Rock Ridge (as xorriso records them), relocation only when asked and
# then hidden from Rock Ridge readers, long names start in the record,
# -r symlink modes, Joliet names and what Joliet holds, dates after 2155.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need grub-fstest grub-common
need iso-info libcdio-utils
need iso-read libcdio-utils
need isoinfo genisoimage
need xorriso xorriso
need bsdtar libarchive-tools

T=$TEST_OUT
rm -rf "$T"/src "$T"/*.iso "$T"/x-*
make_tree_all "$T/src" >/dev/null 2>&1
export SOURCE_DATE_EPOCH=1700000000
deep=deep/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/level12
fstest() { grub-fstest "$1" cat "(loop0)/$2" 2>&1; }

# --- Rock Ridge, deep directories recorded where they are (the default) ---
if "$MKLIVE" iso -quiet -R -J -o "$T/rr.iso" "$T/src"; then
	check deep-grub-reads-deepest bash -c "[ \"\$(grub-fstest '$T/rr.iso' cat '(loop0)/$deep/bottom.txt')\" = 'bottom of 12 levels' ]"
	rm -f "$T/x-bottom"
	iso-read -i "$T/rr.iso" -e "$deep/bottom.txt" -o "$T/x-bottom" >/dev/null 2>&1
	check deep-libcdio-reads-deepest cmp "$T/src/$deep/bottom.txt" "$T/x-bottom"
	check deep-no-rr-moved bash -c "! isoinfo -l -i '$T/rr.iso' | grep -qi 'rr_moved' &&
		! xorriso -indev '$T/rr.iso' -find / 2>/dev/null | grep -q rr_moved &&
		! iso-info -l '$T/rr.iso' 2>/dev/null | grep -qi rr_moved"
	mkdir -p "$T/x-rr" && bsdtar -xf "$T/rr.iso" -C "$T/x-rr"
	check deep-bsdtar-tree tree_compare "$T/src" "$T/x-rr"
	# the ISO 9660 hierarchy itself is 13 levels deep (xorriso's -D)
	check deep-in-place bash -c "isoinfo -l -i '$T/rr.iso' | grep -q 'Directory listing of /DEEP/LEVEL1/LEVEL2/LEVEL3/LEVEL4/LEVEL5/LEVEL6/LEVEL7/LEVEL8/LEVEL9/'"
	"$MKLIVE" iso -quiet -R -J -D -o "$T/rr-D.iso" "$T/src"
	"$MKLIVE" iso -quiet -R -J -disable-deep-relocation -o "$T/rr-D2.iso" "$T/src"
	check option-D-is-default bash -c "cmp '$T/rr.iso' '$T/rr-D.iso' && cmp '$T/rr.iso' '$T/rr-D2.iso'"
	# -D overrides -rr_reloc_dir and -hide-rr-moved, as in xorriso
	"$MKLIVE" iso -quiet -R -J -hide-rr-moved -rr_reloc_dir rr_moved -D -o "$T/rr-D3.iso" "$T/src"
	check option-D-overrides cmp "$T/rr.iso" "$T/rr-D3.iso"
else
	t_fail deep-write "mklive iso -R -J failed"
fi

# --- relocation asked for: rr_moved hidden from Rock Ridge readers (RE on
# the relocation directory, as libisofs marks it) and counted in the root's
# links as genisoimage counts it ---
if "$MKLIVE" iso -quiet -R -rr_reloc_dir rr_moved -o "$T/reloc.iso" "$T/src"; then
	check reloc-iso9660-moved bash -c "isoinfo -l -i '$T/reloc.iso' | grep -q 'Directory listing of /RR_MOVED/'"
	check reloc-xorriso-hides bash -c "! xorriso -indev '$T/reloc.iso' -find / 2>/dev/null | grep -q rr_moved &&
		xorriso -indev '$T/reloc.iso' -find / 2>/dev/null | grep -q \"'/$deep/bottom.txt'\""
	mkdir -p "$T/x-reloc" && bsdtar -xf "$T/reloc.iso" -C "$T/x-reloc"
	check reloc-bsdtar-tree tree_compare "$T/src" "$T/x-reloc"
	# (genisoimage loops forever on the 300-byte symlink target: leave it out)
	timeout 60 genisoimage -quiet -R -m longtarget -o "$T/g.iso" "$T/src" 2>/dev/null
	check reloc-root-links bash -c "[ \"\$(isoinfo -R -l -i '$T/reloc.iso' | awk '/^Directory listing of \\/\$/ {getline; print \$2; exit}')\" = \
		\"\$(isoinfo -R -l -i '$T/g.iso' | awk '/^Directory listing of \\/\$/ {getline; print \$2; exit}')\" ] &&
		[ \"\$(isoinfo -R -l -i '$T/reloc.iso' | awk '/^Directory listing of \\/\$/ {getline; print \$2; exit}')\" = $(($(stat -c %h "$T/src") + 1)) ]"
	"$MKLIVE" iso -quiet -R -hide-rr-moved -o "$T/hide.iso" "$T/src"
	check hide-rr-moved-relocates bash -c "isoinfo -l -i '$T/hide.iso' | grep -q 'Directory listing of /_RR_MOVE/' &&
		isoinfo -R -f -i '$T/hide.iso' | grep -qx '/.rr_moved' && ! xorriso -indev '$T/hide.iso' -find / 2>/dev/null | grep -q rr_moved"
else
	t_fail reloc-write "mklive iso -R -rr_reloc_dir failed"
fi
expect_fail reloc-dir-name "the relocation directory is one name" "$T/bad.iso" \
	"$MKLIVE" iso -quiet -R -rr_reloc_dir a/b -o "$T/bad.iso" "$T/src"

# --- a 200-byte Rock Ridge name starts in the directory record: libcdio,
# which reads no continuation area, shows its first part (at least 90
# characters); a long link target too (iso-info crashed on SL only in a
# continuation area) ---
long=$(printf 'n%.0s' $(seq 1 200))
rm -rf "$T/ln" && mkdir -p "$T/ln" && echo long200 >"$T/ln/$long"
ln -s "$(printf 't%.0s' $(seq 1 300))" "$T/ln/longtarget"
ln -s "$(printf 't%.0s' $(seq 1 300))" "$T/ln/$(printf 's%.0s' $(seq 1 200))"
if "$MKLIVE" iso -quiet -R -o "$T/ln.iso" "$T/ln"; then
	iso-info -l "$T/ln.iso" >"$T/ln.iso-info" 2>&1
	check longname-libcdio-prefix bash -c "grep -Eo ' n{90,}\$' '$T/ln.iso-info' | grep -q ."
	check longtarget-libcdio-no-crash bash -c "iso-info -l '$T/ln.iso' >/dev/null 2>&1 && grep -Eq 'LONGTARG.*-> t{50,}' '$T/ln.iso-info'"
	check longname-isoinfo-full bash -c "isoinfo -R -l -i '$T/ln.iso' | grep -q ' $long *\$' &&
		isoinfo -R -l -i '$T/ln.iso' | grep -q -- '-> $(printf 't%.0s' $(seq 1 300))\$'"
	check longname-xorriso-full bash -c "xorriso -indev '$T/ln.iso' -find / 2>/dev/null | grep -qx \"'/$long'\""
else
	t_fail longname-write "mklive iso failed"
fi

# --- -r: symbolic links 0555 like genisoimage's and xorriso's ---
rm -rf "$T/sl" && mkdir -p "$T/sl" && ln -s target "$T/sl/link" && echo t >"$T/sl/target"
"$MKLIVE" iso -quiet -r -o "$T/sl.iso" "$T/sl"
timeout 60 genisoimage -quiet -r -o "$T/sl-g.iso" "$T/sl" 2>/dev/null
check r-symlink-mode bash -c "isoinfo -R -l -i '$T/sl.iso' | grep -q '^lr-xr-xr-x .* link -> target' &&
	[ \"\$(isoinfo -R -l -i '$T/sl.iso' | grep ' link ->' | cut -c1-10)\" = \"\$(isoinfo -R -l -i '$T/sl-g.iso' | grep ' link ->' | cut -c1-10)\" ]"

# --- Joliet: long names keep their extension; no symlinks or FIFOs (as in
# xorriso's Joliet tree), rather than empty files ---
rm -rf "$T/j" && mkdir -p "$T/j"
jl=$(printf 'j%.0s' $(seq 1 90))
echo j >"$T/j/$jl.txt"
echo k >"$T/j/$(printf 'k%.0s' $(seq 1 90)).document"
ln -s "$jl.txt" "$T/j/link"
mkfifo "$T/j/fifo"
"$MKLIVE" iso -quiet -R -J -o "$T/j.iso" "$T/j"
isoinfo -J -f -i "$T/j.iso" 2>&1 | sed 's/;1$//' >"$T/j.f"
check joliet-keeps-extension bash -c "grep -Eq '^/j{60}\\.txt\$' '$T/j.f' && grep -Eq '^/k{60}\\.doc\$' '$T/j.f'"
check joliet-64-characters bash -c "! grep -Eq '^/.{65,}\$' '$T/j.f'"
check joliet-no-links-fifos bash -c "! grep -qx /link '$T/j.f' && ! grep -qx /fifo '$T/j.f' &&
	isoinfo -R -f -i '$T/j.iso' | grep -qx /link && isoinfo -R -f -i '$T/j.iso' | grep -qx /fifo"
xorriso -as mkisofs -quiet -R -J -o "$T/j-x.iso" "$T/j" 2>/dev/null
# (xorriso keeps 61 characters and the dot beside the extension: the
# entries and their extensions are compared)
isoinfo -J -f -i "$T/j-x.iso" 2>&1 | sed -E 's/;1$//; s/(.)\1+/\1/g' | sort >"$T/j-x.names"
sed -E 's/(.)\1+/\1/g' "$T/j.f" | sort >"$T/j.names"
check joliet-like-xorriso diff "$T/j-x.names" "$T/j.names"

# --- dates: the 7-byte form ends at 2155-12-31 23:59:59 (ECMA-119 9.1.5);
# later times are clamped there in directory records and Rock Ridge TF,
# not wrapped around to 1900 ---
rm -rf "$T/dates" && mkdir -p "$T/dates"
for d in 2155-06-01 2156-01-01 2200-01-01; do
	touch -d "${d}T00:00:00Z" "$T/dates/f$d"
done
(unset SOURCE_DATE_EPOCH; "$MKLIVE" iso -quiet -R -o "$T/dates.iso" "$T/dates")
iso-info -l "$T/dates.iso" >"$T/dates.dr" 2>&1
check date-2155-record grep -q 'Jun 01 2155 00:00:00  f2155-06-01' "$T/dates.dr"
check date-2156-record grep -q 'Dec 31 2155 23:59:59  f2156-01-01' "$T/dates.dr"
check date-2200-record grep -q 'Dec 31 2155 23:59:59  f2200-01-01' "$T/dates.dr"
xorriso -indev "$T/dates.iso" -find / -exec lsdl >"$T/dates.tf" 2>/dev/null
check date-2155-tf grep -q "Jun  1  2155 '/f2155-06-01'" "$T/dates.tf"
check date-2156-tf grep -q "Dec 31  2155 '/f2156-01-01'" "$T/dates.tf"
check date-2200-tf grep -q "Dec 31  2155 '/f2200-01-01'" "$T/dates.tf"

t_done
