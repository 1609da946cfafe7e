#!/usr/bin/env bash
# mklive write: to a file and to a loop device (the bytes are the image's,
# the read-back verification runs), refusals (mounted, too small, missing,
# a partition, no confirmation, not a bootable ISO) that leave the target
# untouched, and the persistence partition read by sfdisk, sgdisk, blkid
# and e2fsck, on the isohybrid MBR and on a hybrid MBR+GPT made by xorriso.
. "$(dirname "$0")/../lib/common.sh"
need mke2fs e2fsprogs
need sfdisk fdisk
need_file /usr/lib/ISOLINUX/isohdpfx.bin isolinux
cd "$TEST_OUT"

# A small hybrid ISO (isolinux, isohybrid MBR): what mklive write takes.
mkdir -p cd/boot/isolinux cd/live
cp /usr/lib/ISOLINUX/isolinux.bin cd/boot/isolinux/
head -c 3000000 /dev/urandom >cd/live/root.squashfs
echo test-id >cd/live/mklive.id
"$MKLIVE" check --write-sums cd >/dev/null 2>&1
"$MKLIVE" iso -quiet -r -V USBTEST -no-emul-boot -boot-load-size 4 -boot-info-table \
	-b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \
	-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o live.iso cd || { t_fail iso; t_done; }
isize=$(stat -c %s live.iso)

# ---- to a file ----
"$MKLIVE" write live.iso out.img 2>write-file.log
check file-exit-0 test $? = 0
check file-identical cmp live.iso out.img
check file-verified grep -q "verified: read back" write-file.log
check file-sha256 grep -q "$(sha256sum live.iso | cut -c1-64)" write-file.log
expect_fail file-onto-itself "is the image itself" "" "$MKLIVE" write live.iso live.iso
expect_fail not-an-iso "not an ISO 9660 image" nothing.img "$MKLIVE" write write-file.log nothing.img
"$MKLIVE" iso -quiet -r -o plain.iso cd
expect_fail iso-without-mbr "does not boot from a USB" nothing.img "$MKLIVE" write plain.iso nothing.img
expect_fail missing-image "nothere.iso" nothing.img "$MKLIVE" write nothere.iso nothing.img
expect_fail missing-device "/dev/mklive-nothere" "" "$MKLIVE" write live.iso /dev/mklive-nothere
ln -sf write-file.log link-to-file
expect_fail symlink-to-file "symbolic link to something that is not a block device" "" "$MKLIVE" write live.iso link-to-file

# persistence on a file: the MBR gets partition 2, ext4 labelled mklive-rw
"$MKLIVE" write --persistence 32M live.iso p.img 2>write-p.log
check persist-file-exit-0 test $? = 0
check persist-file-image-intact cmp -n $((isize - 512)) -i 512 live.iso p.img
sfdisk -d p.img >p.sfdisk 2>&1
check persist-file-mbr grep -q "p.img2 : start= *$(( (isize + 1048575) / 1048576 * 2048 )), size= *65536, type=83" p.sfdisk
check persist-file-part1-kept grep -q "p.img1 : start= *0, size=.*type=17, bootable" p.sfdisk
off=$(( (isize + 1048575) / 1048576 * 1048576 ))
check persist-file-blkid sh -c "blkid -p -O $off p.img | grep -q 'LABEL=\"mklive-rw\".*TYPE=\"ext4\"'"
dd if=p.img of=p.part bs=1M skip=$((off / 1048576)) status=none
check persist-file-fsck sh -c "e2fsck -fn p.part >/dev/null 2>&1"
truncate -s 100M rest.img
"$MKLIVE" write --persistence rest live.iso rest.img 2>write-rest.log
check persist-rest-fills sh -c "sfdisk -d rest.img | grep -q 'rest.img2 : start= *$((off / 512)), size= *$(( (104857600 - off) / 512 )), type=83'"
expect_fail persist-rest-new-file "--persistence rest on a file" "" "$MKLIVE" write --persistence rest live.iso rest-new.img
check persist-rest-new-file-absent test ! -e rest-new.img
expect_fail persist-too-small "too small" "" "$MKLIVE" write --persistence 1M live.iso small.img

# persistence on a hybrid MBR+GPT image (the layout of Debian's ISOs)
if command -v xorriso >/dev/null && command -v sgdisk >/dev/null && command -v mkfs.vfat >/dev/null; then
	rm -f cd/boot/efi.img && mkfs.vfat -C cd/boot/efi.img 1440 >/dev/null
	xorriso -as mkisofs -quiet -r -V GPTTEST -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
		-b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
		-boot-info-table -eltorito-alt-boot -e boot/efi.img -no-emul-boot -isohybrid-gpt-basdat \
		-o gpt.iso cd >/dev/null 2>&1
	sgdisk -v gpt.iso 2>&1 | grep "^Problem" >gpt-before.txt
	if [ -s gpt.iso ] && dd if=gpt.iso bs=512 skip=1 count=1 status=none | head -c 8 | grep -q "EFI PART"; then
		"$MKLIVE" write --persistence 32M gpt.iso g.img 2>write-g.log
		check gpt-exit-0 grep -q "(MBR and GPT)" write-g.log
		# sgdisk checks both headers, both CRCs and the backup's place; the
		# MBR overlap xorriso's layout has is the only problem before and after
		sgdisk -v g.img 2>&1 | grep "^Problem" >gpt-after.txt
		check gpt-no-new-problems cmp gpt-before.txt gpt-after.txt
		check gpt-mbr-too sh -c "sfdisk -d g.img | grep -q 'g.img3 : start= *10240, size= *65536, type=83'"
		check gpt-backup-at-end sh -c "[ \"\$(dd if=g.img bs=512 skip=\$((\$(stat -c %s g.img) / 512 - 1)) count=1 status=none | head -c 8)\" = 'EFI PART' ]"
	else
		t_skip gpt "xorriso made no valid GPT here"
	fi
else
	t_skip gpt "needs xorriso, sgdisk (gdisk) and mkfs.vfat"
fi

# ---- block devices (loop devices count as removable) ----
if [ "$(id -u)" != 0 ] || ! losetup -f >/dev/null 2>&1; then
	t_skip loop "needs root and loop devices"; t_done
fi
loops=()
mkloop() { losetup -f --show "$@"; }
trap 'for l in "${loops[@]}"; do umount "$l" 2>/dev/null; losetup -d "$l" 2>/dev/null; done' EXIT

truncate -s 64M disk1.img
L=$(mkloop -P disk1.img) && loops+=("$L")
"$MKLIVE" write --yes live.iso "$L" 2>write-loop.log
check loop-exit-0 test $? = 0
check loop-identical cmp -n "$isize" live.iso "$L"
check loop-verified grep -q "verified: read back" write-loop.log
expect_fail loop-needs-confirmation "pass --yes" "" "$MKLIVE" write live.iso "$L"

"$MKLIVE" write --yes --persistence 32M live.iso "$L" 2>write-loop-p.log
check loop-persist-exit-0 test $? = 0
udevadm settle 2>/dev/null
check loop-persist-partition sh -c "blkid -p ${L}p2 | grep -q 'LABEL=\"mklive-rw\".*TYPE=\"ext4\"'"
check loop-persist-fsck sh -c "e2fsck -fn ${L}p2 >/dev/null 2>&1"
expect_fail loop-partition-refused "is a partition" "" "$MKLIVE" write --yes live.iso "${L}p2"

# mounted: the partition, then the whole disk
mkdir -p mnt
if mount "${L}p2" mnt 2>/dev/null; then
	printf 'x' | dd of="$L" bs=1 seek=600 conv=notrunc status=none # marks the disk
	sync
	expect_fail loop-mounted-partition "is mounted on" "" "$MKLIVE" write --yes live.iso "$L"
	umount mnt
	check loop-mounted-untouched sh -c "[ \"\$(dd if=$L bs=1 skip=600 count=1 status=none)\" = x ]"
else
	t_skip loop-mounted-partition "cannot mount ext4 here"
fi
truncate -s 64M disk2.img
mkfs.ext4 -q -F disk2.img
L2=$(mkloop disk2.img) && loops+=("$L2")
if mount "$L2" mnt 2>/dev/null; then
	expect_fail loop-mounted "is mounted on" "" "$MKLIVE" write --yes live.iso "$L2"
	umount mnt
	check loop-mounted-untouched2 sh -c "! cmp -s -n 512 live.iso $L2 && e2fsck -fn $L2 >/dev/null 2>&1"
fi
truncate -s 2M disk3.img
L3=$(mkloop disk3.img) && loops+=("$L3")
before=$(sha256sum <"$L3")
expect_fail loop-too-small "refusing: the device holds" "" "$MKLIVE" write --yes live.iso "$L3"
check loop-too-small-untouched test "$before" = "$(sha256sum <"$L3")"
expect_fail loop-too-small-for-persistence "refusing: the device holds" "" "$MKLIVE" write --yes --persistence 62M live.iso "$L"
# read-only (losetup -r): refused first, by name, even when also too small
truncate -s 64M disk4.img
L4=$(mkloop -r disk4.img) && loops+=("$L4")
expect_fail loop-read-only "$L4: refusing: the device is read-only" "" "$MKLIVE" write --yes live.iso "$L4"
L5=$(mkloop -r disk3.img) && loops+=("$L5")
expect_fail loop-read-only-first "$L5: refusing: the device is read-only" "" "$MKLIVE" write --yes live.iso "$L5"
check loop-read-only-untouched test "$(sha256sum <disk4.img)" = "$(head -c 64M /dev/zero | sha256sum)"
ln -sf "$L" loop-link
"$MKLIVE" write --yes live.iso loop-link 2>write-link.log
check symlink-to-device grep -q "wrote live.iso to loop-link" write-link.log
t_done
