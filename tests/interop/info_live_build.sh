#!/usr/bin/env bash
# mklive info on an ISO laid out as live-build makes Debian's live images
# (xorriso -as mkisofs with an isohybrid MBR, GPT and Apple partition map;
# /live/vmlinuz, /live/initrd.img, /live/filesystem.squashfs; isolinux
# with DEFAULT vesamenu.c32): the initramfs is the initrd, said once and not
# as a root image; the Apple partition map is listed as xorriso reports it.
source "$TESTS_DIR/lib/common.sh"
need xorriso xorriso
need mksquashfs squashfs-tools
need mkfs.vfat dosfstools
need cpio cpio
need_file /usr/lib/ISOLINUX/isohdpfx.bin isolinux
cd "$TEST_OUT" || exit 1
rm -rf ./* 2>/dev/null

mkdir -p bin/isolinux bin/live bin/boot/grub r/etc
cp /usr/lib/ISOLINUX/isolinux.bin bin/isolinux/
printf 'include menu.cfg\ndefault vesamenu.c32\nprompt 0\ntimeout 0\n' >bin/isolinux/isolinux.cfg
printf 'menu hshift 0\ninclude live.cfg\nmenu clear\n' >bin/isolinux/menu.cfg
printf 'label live-amd64\n\tmenu label ^Live system (amd64)\n\tmenu default\n\tlinux /live/vmlinuz\n\tinitrd /live/initrd.img\n\tappend boot=live components quiet splash\n' >bin/isolinux/live.cfg
head -c 200000 /dev/urandom >bin/live/vmlinuz
head -c 30000 /dev/urandom >r/etc/blob
(cd r && find . | cpio -o -H newc 2>/dev/null | gzip -n) >bin/live/initrd.img
head -c 100000 /dev/urandom >r/etc/big
mksquashfs r bin/live/filesystem.squashfs -quiet -noappend >/dev/null
truncate -s 1440k bin/boot/grub/efi.img && mkfs.vfat bin/boot/grub/efi.img >/dev/null
if ! xorriso -as mkisofs -R -r -J -joliet-long -l -iso-level 3 -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
	-partition_offset 16 -V "d-live 12 lx amd64" -b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot -e boot/grub/efi.img \
	-no-emul-boot -isohybrid-gpt-basdat -isohybrid-apm-hfsplus -o live.iso bin >xorriso.log 2>&1; then
	t_fail xorriso "$(tail -3 xorriso.log)"
	t_done
fi

"$MKLIVE" info live.iso >info.txt 2>info.err || t_fail info-exit "$(head -c 300 info.err)"
check info-kernel grep -qx 'kernel: /live/vmlinuz (200000 bytes)' info.txt
check info-initrd-once test "$(grep -c 'initrd.img' info.txt)" = 1
check info-initrd grep -q '^initrd: /live/initrd.img' info.txt
if grep -q '^root image: /live/initrd.img' info.txt; then
	t_fail info-initrd-not-root "$(grep 'root image' info.txt)"
else
	t_pass info-initrd-not-root
fi
check info-root-image grep -q '^root image: /live/filesystem.squashfs (squashfs' info.txt

# the Apple partition map, entry for entry as xorriso reads it back (xorriso
# leaves out the map's own entry): type, name, start and size in blocks
xorriso -indev live.iso -report_system_area plain 2>/dev/null >sa.txt
check info-apm grep -q '^apm: Apple partition map, [0-9]* entries, block size 2048$' info.txt
want=$(awk '/^APM partition name :/ { n[$5] = $6 } /^APM partition type :/ { t[$5] = $6 }
	/^APM start and size :/ { print t[$6] "|" n[$6] "|" $7 "|" $8 }' sa.txt | sort)
got=$(sed -n "s/^apm partition [0-9]*: \([^ ]*\) '\([^']*\)', blocks \([0-9]*\)\.\.\([0-9]*\) .*/\1|\2|\3|\4/p" info.txt |
	awk -F'|' '$1 != "Apple_partition_map" { print $1 "|" $2 "|" $3 "|" $4 - $3 + 1 }' | sort)
if [ -n "$want" ] && [ "$want" = "$got" ]; then
	t_pass info-apm-entries-match-xorriso
else
	t_fail info-apm-entries-match-xorriso "xorriso: $want; mklive: $got"
fi
t_done
