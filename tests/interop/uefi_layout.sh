#!/usr/bin/env bash
# The UEFI medium as other tools read it: the GPT valid for sfdisk and
# sgdisk, the ESP in fdisk's list and readable by fsck.fat through the
# partition table, both El Torito entries in xorriso's report, the kernel
# and initrd stored once (not in efi.img), the same reports side by side
# with xorriso's image of the same tree, the other disk options
# (-append_partition, -appended_part_as_gpt, -efi-boot-part), an ESP past
# 32 MiB, and bad input: a load size that hides the ESP, an appended ESP
# no entry can describe, Debian's packages missing.
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/uefi_image.sh"
need sfdisk fdisk
need sgdisk gdisk
need fsck.fat dosfstools
need xorriso xorriso
need perl perl-base
need isoinfo genisoimage
need mdir mtools
uefi_image || { echo "SKIP: $T_SCRIPT ($UEFI_WHY)"; exit 0; }
O=$TEST_OUT
iso=$UEFI_ISO esp=$UEFI_DIR/boot/efi.img
esp_size=$(stat -c %s "$esp")

# ---- partition tables ---------------------------------------------------------
sfdisk --verify "$iso" >"$O/verify.out" 2>&1
check sfdisk-verify grep -q 'No errors detected' "$O/verify.out"
sgdisk -v "$iso" >"$O/sgdisk.out" 2>&1
check sgdisk-valid grep -q '^No problems found' "$O/sgdisk.out"
fdisk -l "$iso" >"$O/fdisk.out" 2>&1
check fdisk-gpt grep -q '^Disklabel type: gpt' "$O/fdisk.out"
check fdisk-esp test "$(awk '/ EFI System$/ { print $4 }' "$O/fdisk.out")" = $((esp_size / 512))
# the MBR: isohdpfx's code, the protective entry (active, for BIOSes that
# want one) up to the ESP, and the ESP again as 0xEF
sfdisk --label-nested dos --dump "$iso" >"$O/mbr.dump" 2>&1
check mbr-code cmp -n 432 /usr/lib/ISOLINUX/isohdpfx.bin "$iso"
check mbr-protective grep -Eq 'start= +1, size= +[0-9]+, type=ee, bootable' "$O/mbr.dump"
check mbr-esp grep -Eq "size= +$((esp_size / 512)), type=ef\$" "$O/mbr.dump"
# the backup header in the image's last sector
check gpt-backup-at-end bash -c "[ \"\$(tail -c 512 '$iso' | head -c 8)\" = 'EFI PART' ]"

# ---- the ESP read through the GPT -----------------------------------------------
first=$(sgdisk -i 1 "$iso" | awk '/^First sector:/ { print $3 }')
last=$(sgdisk -i 1 "$iso" | awk '/^Last sector:/ { print $3 }')
check gpt-esp-type bash -c "sgdisk -i 1 '$iso' | grep -q 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B (EFI system partition)'"
dd if="$iso" of="$O/esp.part" bs=512 skip="$first" count=$((last - first + 1)) status=none
check esp-via-gpt cmp "$O/esp.part" "$esp"
check fsck-efi-img fsck.fat -n "$esp"
check fsck-esp-via-gpt fsck.fat -n "$O/esp.part"
# it holds the chain and no kernel
mdir -i "$esp" -/ -b ::/ 2>/dev/null | sort >"$O/esp.list"
check esp-files bash -c "[ \"\$(tr '[:upper:]' '[:lower:]' <'$O/esp.list' | tr '\n' ' ')\" = '::/efi/ ::/efi/boot/ ::/efi/boot/bootx64.efi ::/efi/boot/grubx64.efi ::/efi/boot/mmx64.efi ' ]"
check esp-shim cmp <(mtype -i "$esp" ::/EFI/boot/bootx64.efi) /usr/lib/shim/shimx64.efi.signed
check esp-grub cmp <(mtype -i "$esp" ::/EFI/boot/grubx64.efi) /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed

# the chain from a root directory when it has all three, else from here
r=$O/root && rm -rf "$r" && mkdir -p "$r/usr/lib/shim" "$r/usr/lib/grub/x86_64-efi-signed"
printf 'MZ root shim' >"$r/usr/lib/shim/shimx64.efi.signed"
printf 'MZ root mm' >"$r/usr/lib/shim/mmx64.efi.signed"
"$MKLIVE" fat -v --esp-root "$r" -o "$O/r1.img" 2>"$O/r1.err"
check esp-root-incomplete-uses-host bash -c "grep -q 'EFI boot chain from this machine' '$O/r1.err' && \
	mtype -i '$O/r1.img' ::/EFI/boot/bootx64.efi | cmp - /usr/lib/shim/shimx64.efi.signed"
printf 'MZ root grub' >"$r/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed"
mkdir -p "$O/extra/EFI/debian" && echo 'set x=1' >"$O/extra/EFI/debian/grub.cfg"
"$MKLIVE" fat -v --esp-root "$r" -o "$O/r2.img" "$O/extra" 2>"$O/r2.err"
check esp-root-used bash -c "grep -q 'EFI boot chain from $r' '$O/r2.err' && \
	[ \"\$(mtype -i '$O/r2.img' ::/EFI/boot/grubx64.efi)\" = 'MZ root grub' ]"
check esp-extra-sources bash -c "[ \"\$(mtype -i '$O/r2.img' ::/EFI/debian/grub.cfg)\" = 'set x=1' ] && fsck.fat -n '$O/r2.img'"
check esp-label bash -c "mlabel -i '$O/r2.img' -s :: | grep -q ESP"

# ---- El Torito ------------------------------------------------------------------
xorriso -indev "$iso" -report_el_torito plain >"$O/et.out" 2>/dev/null
check et-bios grep -Eq '^El Torito boot img : +1 +BIOS +y +none +0x0000 +0x00 +4 ' "$O/et.out"
check et-uefi grep -Eq "^El Torito boot img : +2 +UEFI +y +none +0x0000 +0x00 +$((esp_size / 512)) " "$O/et.out"
check et-uefi-path grep -q '^El Torito img path : *2 */boot/efi.img' "$O/et.out"
# the GRUB side of the medium
check disk-info isoinfo -R -i "$iso" -x /.disk/info
check grub-cfg bash -c "isoinfo -R -i '$iso' -x /boot/grub/grub.cfg | cmp - '$UEFI_DIR/boot/grub/grub.cfg'"

# ---- kernel and initrd: once on the medium, not in efi.img ----------------------
count() { # FILE PATTERN-FILE: occurrences of the pattern's bytes
	perl -e 'local $/; open(F, "<", $ARGV[0]) or die; binmode F; my $d = <F>;
		open(P, "<", $ARGV[1]) or die; binmode P; my $p = <P>;
		my ($n, $i) = (0, 0); while (($i = index($d, $p, $i)) >= 0) { $n++; $i++ } print $n' "$1" "$2"
}
dd if="$UEFI_DIR/boot/vmlinuz" of="$O/k.pat" bs=4096 skip=256 count=1 status=none
dd if="$UEFI_DIR/boot/initrd.img" of="$O/i.pat" bs=4096 skip=64 count=1 status=none
nk=$(count "$iso" "$O/k.pat") ni=$(count "$iso" "$O/i.pat") ne=$(count "$esp" "$O/k.pat")
check kernel-once test "$nk" = 1
check initrd-once test "$ni" = 1
check kernel-not-in-esp test "$ne" = 0

# ---- beside xorriso's image of the same tree -----------------------------------
if uefi_anchor_image; then
	a=$UEFI_ANCHOR
	xorriso -indev "$a" -report_el_torito plain >"$O/anchor.et" 2>/dev/null
	xorriso -indev "$a" -report_system_area plain >"$O/anchor.sa" 2>/dev/null
	xorriso -indev "$iso" -report_system_area plain >"$O/mklive.sa" 2>/dev/null
	sgdisk -v "$a" >"$O/anchor.sgdisk" 2>&1
	sfdisk --label-nested dos --dump "$a" >"$O/anchor.mbr" 2>&1
	# the same two entries with the same sector counts
	check anchor-same-counts bash -c "diff <(grep '^El Torito boot img' '$O/anchor.et' | awk '{print \$5,\$6,\$7,\$10}') \
		<(grep '^El Torito boot img' '$O/et.out' | awk '{print \$5,\$6,\$7,\$10}')"
	check anchor-size bash -c "s=\$(stat -c %s '$iso'); t=\$(stat -c %s '$a'); [ \$((s * 100)) -le \$((t * 101)) ]"
	echo "# sizes: mklive $(stat -c %s "$iso"), xorriso $(stat -c %s "$a")"
	echo "# xorriso's MBR (no protective entry, partition 1 over the whole image):"
	sed 's/^/#   /' "$O/anchor.mbr"
	echo "# sgdisk -v on xorriso's image:"
	grep -E 'Problem|problems|overlap' "$O/anchor.sgdisk" | sed 's/^/#   /'
else
	t_skip anchor "$UEFI_WHY"
fi

# ---- the other disk options -------------------------------------------------------
tree=$UEFI_DIR
# (the options of uefi_image, so that the results compare with its image)
mk() { "$MKLIVE" iso -r -J -V MKLIVE_UEFI -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -c boot/isolinux/boot.cat \
	-b boot/isolinux/isolinux.bin -no-emul-boot -boot-load-size 4 -boot-info-table "$@"; }
# reproducible: GUIDs and disk signature come from the image's identity
mk -quiet -eltorito-alt-boot -e boot/efi.img -no-emul-boot -isohybrid-gpt-basdat -o "$O/r1.iso" "$tree"
mk -quiet -eltorito-alt-boot -e boot/efi.img -no-emul-boot -isohybrid-gpt-basdat -o "$O/r2.iso" "$tree"
check reproducible cmp "$O/r1.iso" "$O/r2.iso"
# -isohybrid-apm-hfsplus: a warning, and nothing else changes
mk -eltorito-alt-boot -e boot/efi.img -no-emul-boot -isohybrid-gpt-basdat -isohybrid-apm-hfsplus \
	-o "$O/apm.iso" "$tree" 2>"$O/apm.err"
check apm-warns grep -q 'no Apple Partition Map' "$O/apm.err"
check apm-ignored cmp "$O/apm.iso" "$O/r1.iso"
# -efi-boot-part --efi-boot-image: the same GPT ESP without -isohybrid-gpt-basdat
mk -quiet -eltorito-alt-boot -e boot/efi.img -no-emul-boot -efi-boot-part --efi-boot-image -o "$O/ebp.iso" "$tree"
check efi-boot-part bash -c "sgdisk -v '$O/ebp.iso' | grep -q '^No problems found' && sgdisk -i 1 '$O/ebp.iso' | grep -q 'EFI system partition'"
expect_fail efi-boot-part-file "only --efi-boot-image" "$O/bad.iso" \
	"$MKLIVE" iso -e boot/efi.img -efi-boot-part "$esp" -o "$O/bad.iso" "$tree"
# Arch's and Ubuntu's style: the ESP appended after the volume, in the GPT
# only, and UEFI's El Torito entry pointing at it
mkdir -p "$O/noesp" && cp -a "$tree/boot" "$tree/live" "$tree/.disk" "$O/noesp/" && rm "$O/noesp/boot/efi.img"
mk -quiet -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B "$esp" -appended_part_as_gpt \
	-eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot -o "$O/app.iso" "$O/noesp"
check appended-gpt-valid bash -c "sgdisk -v '$O/app.iso' | grep -q '^No problems found'"
astart=$(sgdisk -i 2 "$O/app.iso" | awk '/^First sector:/ { print $3 }')
check appended-esp bash -c "sgdisk -i 2 '$O/app.iso' | grep -q 'EFI system partition' && \
	dd if='$O/app.iso' bs=512 skip=$astart count=$((esp_size / 512)) status=none | cmp - '$esp'"
check appended-after-volume bash -c "[ $astart -ge \$(( \$(isoinfo -d -i '$O/app.iso' | awk '/^Volume size is:/ { print \$4 }') * 4 )) ]"
xorriso -indev "$O/app.iso" -report_el_torito plain >"$O/app.et" 2>/dev/null
check appended-et-lba grep -Eq "^El Torito boot img : +2 +UEFI +y +none .* $((esp_size / 512)) +$((astart / 4))\$" "$O/app.et"
sfdisk --label-nested dos --dump "$O/app.iso" >"$O/app.mbr" 2>&1
check appended-protective-only bash -c "grep -c 'type=' '$O/app.mbr' | grep -qx 1 && grep -q 'type=ee' '$O/app.mbr'"
# the same appended to the MBR only (no GPT): partition 1 the volume, 2 the ESP
mk -quiet -append_partition 2 0xef "$esp" -o "$O/appmbr.iso" "$O/noesp"
sfdisk --dump "$O/appmbr.iso" >"$O/appmbr.dump" 2>&1
check appended-mbr bash -c "grep -Eq 'appmbr.iso2 : start= +[0-9]+, size= +$((esp_size / 512)), type=ef' '$O/appmbr.dump' && \
	grep -Eq 'appmbr.iso1 : start= +0, .*type=17, bootable' '$O/appmbr.dump'"

# -partition_offset 16: a second superblock and tree numbered from block
# 16, so the volume also mounts from partition 1 (xorriso's layout)
mk -quiet -partition_offset 16 -o "$O/po.iso" "$O/noesp"
sfdisk --dump "$O/po.iso" >"$O/po.dump" 2>&1
check part-offset-mbr grep -Eq 'po.iso1 : start= +64, size= +[0-9]+, type=17, bootable' "$O/po.dump"
xorriso -indev "$O/po.iso" -report_system_area plain >"$O/po.sa" 2>/dev/null
check part-offset-xorriso grep -Eq '^Partition offset +: 16$' "$O/po.sa"
dd if="$O/po.iso" of="$O/po.part" bs=2048 skip=16 status=none
listing() { isoinfo -R -l -i "$1" | sed -n 's/^\([-dlr][-rwx]*\) .* \([0-9]*\) [A-Z][a-z][a-z] .*\] *\(.*\)$/\1 \2 \3/p'; }
listing "$O/po.iso" >"$O/po.whole.list"
listing "$O/po.part" >"$O/po.part.list"
check part-offset-same-tree bash -c "[ -s '$O/po.part.list' ] && diff '$O/po.whole.list' '$O/po.part.list'"
check part-offset-file bash -c "isoinfo -R -i '$O/po.part' -x /boot/initrd.img | cmp - '$tree/boot/initrd.img'"
check part-offset-joliet bash -c "isoinfo -J -l -i '$O/po.part' | grep -q 'vmlinuz'"
check part-offset-volume bash -c "[ \$(isoinfo -d -i '$O/po.part' | awk '/^Volume size is:/ { print \$4 }') = \$(( \$(isoinfo -d -i '$O/po.iso' | awk '/^Volume size is:/ { print \$4 }') - 16 )) ]"
# Arch's line: the ISO as GPT partition 1 from block 16, the ESP appended as 2
mk -quiet -partition_offset 16 -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B "$esp" \
	-appended_part_as_gpt -eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot \
	-o "$O/arch.iso" "$O/noesp"
check arch-style-gpt bash -c "sgdisk -v '$O/arch.iso' | grep -q '^No problems found' && \
	sgdisk -i 1 '$O/arch.iso' | grep -q '^First sector: 64 ' && sgdisk -i 1 '$O/arch.iso' | grep -q \"ISO9660\" && \
	sgdisk -i 2 '$O/arch.iso' | grep -q 'EFI system partition'"

# ---- an ESP past 32 MiB: count 0, "to the end of the volume" (UEFI 13.3.2.1) ----
mkdir -p "$O/big/boot"
"$MKLIVE" fat -q --esp --size 40M -o "$O/big/boot/efi.img"
check big-esp-fsck fsck.fat -n "$O/big/boot/efi.img"
"$MKLIVE" iso -quiet -e boot/efi.img -no-emul-boot -isohybrid-gpt-basdat -o "$O/big.iso" "$O/big"
xorriso -indev "$O/big.iso" -report_el_torito plain >"$O/big.et" 2>/dev/null
check big-esp-count-0 grep -Eq '^El Torito boot img : +1 +UEFI +y +none +0x0000 +0x00 +0 ' "$O/big.et"
check big-esp-gpt bash -c "sgdisk -v '$O/big.iso' | grep -q '^No problems found' && fdisk -l '$O/big.iso' | grep -q '40M EFI System'"

# ---- Secure Boot and modules: Debian's signed, a module built here not --------
kver=${UEFI_KERNEL#/boot/vmlinuz-}
mod=$(find "/lib/modules/$kver" -name efivarfs.ko | head -n 1)
if [ -n "$mod" ]; then
	check debian-module-signed bash -c "tail -c 28 '$mod' | grep -q '~Module signature appended~'"
	cp "$mod" "$O/signed_mod.ko"
	head -c $(($(stat -c %s "$mod") - 28)) "$mod" >"$O/unsigned_mod.ko"
	"$MKLIVE" initrd -o "$O/i1.img" -k "$kver" -p minimal --add-module "$O/signed_mod.ko" 2>"$O/i1.err"
	check signed-module-quiet bash -c "! grep -q 'no signature' '$O/i1.err'"
	"$MKLIVE" initrd -o "$O/i2.img" -k "$kver" -p minimal --add-module "$O/unsigned_mod.ko" 2>"$O/i2.err"
	check unsigned-module-warns grep -q "$O/unsigned_mod.ko: the module has no signature, so it will not load under Secure Boot" "$O/i2.err"
	check unsigned-module-carried test -s "$O/i2.img"
	check efivarfs-carried bash -c "zcat '$O/i1.img' | cpio -it --quiet 2>/dev/null | grep -q 'efivarfs.ko\$'"
	check modules-byte-for-byte bash -c "zcat '$O/i1.img' | (cd '$O' && rm -rf x && mkdir x && cd x && cpio -id --quiet 2>/dev/null) && \
		cmp '$O/x/lib/modules/$kver/'\$(cd /lib/modules/$kver && find . -name isofs.ko | head -n 1) \$(find /lib/modules/$kver -name isofs.ko | head -n 1)"
else
	t_skip module-signatures "no efivarfs.ko for $kver"
fi

# ---- bad input -------------------------------------------------------------------
expect_fail esp-load-size "describes 2048 of its $esp_size bytes" "$O/bad.iso" \
	"$MKLIVE" iso -e boot/efi.img -no-emul-boot -boot-load-size 4 -o "$O/bad.iso" "$tree"
expect_fail appended-esp-too-big "describes at most 65535 sectors" "$O/bad.iso" \
	"$MKLIVE" iso -append_partition 2 0xef "$O/big/boot/efi.img" -appended_part_as_gpt \
	-e --interval:appended_partition_2:all:: -no-emul-boot -o "$O/bad.iso" "$O/noesp"
expect_fail append-missing-file "-append_partition 3: $O/none.img" "$O/bad.iso" \
	"$MKLIVE" iso -append_partition 3 0x83 "$O/none.img" -o "$O/bad.iso" "$O/noesp"
expect_fail append-bad-type "neither an MBR type byte" "$O/bad.iso" \
	"$MKLIVE" iso -append_partition 2 0xee "$esp" -o "$O/bad.iso" "$O/noesp"
expect_fail append-three-args "needs three arguments" "$O/bad.iso" \
	"$MKLIVE" iso -o "$O/bad.iso" "$O/noesp" -append_partition 2 0xef
expect_fail interval-without-partition "there is no -append_partition 2" "$O/bad.iso" \
	"$MKLIVE" iso -e --interval:appended_partition_2:all:: -o "$O/bad.iso" "$O/noesp"
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	# Debian's packages hidden by an empty tmpfs in a private mount namespace
	for hide in /usr/lib/shim:shim-signed /usr/lib/grub/x86_64-efi-signed:grub-efi-amd64-signed; do
		dir=${hide%%:*} pkg=${hide#*:}
		expect_fail "esp-without-$pkg" "Debian package $pkg" "$O/bad.img" \
			unshare -m sh -c "mount -t tmpfs none '$dir' && exec '$MKLIVE' fat --esp -o '$O/bad.img'"
	done
else
	t_skip esp-without-packages "needs root and unshare"
fi
t_done
