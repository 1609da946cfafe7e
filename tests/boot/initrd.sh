#!/usr/bin/env bash
# mklive-init under QEMU (TCG) with Debian's kernel and an initrd from
# `mklive initrd`: the root's own /sbin/init prints a marker on ttyS0 with
# what it sees (medium mounted or released, a write in the writable layer,
# the read-only image untouched, files from root_fs.tgz).
#   1. two CDs (IDE), only the second with the right id, and an NVMe disk
#      with another id (generic profile): squashfs + overlay
#   2. USB stick (usb-storage on xHCI, q35 machine: AHCI is loaded too) with
#      live.toram: the medium is released
#   3. virtio disks: ext4 with another id (probed, mounted, passed over), then
#      FAT with the right one (files copied), live.writable=tgz
#   4. the right id but no root image: a clear message, no panic
#   4b. the right id, a corrupt root.squashfs: a clear message, no panic
#   5. no medium at all: the message names what was scanned, then the rescue
#      shell of an initrd made with --shell starts
#   6. the article's layout: cloop.ko (cloop-src, tests/lib/build_cloop_ko.sh)
#      over an inner ISO 9660, root_fs.tgz with writable /etc and /var
source "$TESTS_DIR/lib/common.sh"
source "$TESTS_DIR/lib/trees.sh"
need qemu-system-x86_64 qemu-system-x86
need mkfs.fat dosfstools
need mcopy mtools
kernel=$(debian_kernel)
[ -n "$kernel" ] || { echo "SKIP: $T_SCRIPT (needs /boot/vmlinuz-*-amd64 from linux-image-amd64)"; exit 0; }
[ -r "$kernel" ] || need_root
kver=${kernel#/boot/vmlinuz-}
[ -f "/lib/modules/$kver/modules.dep" ] || { echo "SKIP: $T_SCRIPT (needs /lib/modules/$kver)"; exit 0; }
bb=/bin/busybox
if [ ! -x $bb ] || file -L $bb 2>/dev/null | grep -q dynamic; then
	echo "SKIP: $T_SCRIPT (needs a static /bin/busybox from busybox-static)"; exit 0
fi
cd "$TEST_OUT" || exit 1
export SOURCE_DATE_EPOCH=1700000000
id=test-$$-right

# ---- the root filesystem and the media ----
rm -rf root medium wrong empty corrupt tgzsrc article ext4src ./*.iso ./*.img ./*.serial*
mkdir -p root/bin root/sbin root/etc root/var root/dev root/proc root/sys root/run root/tmp
cp $bb root/bin/busybox
ln -s busybox root/bin/sh
echo from-squashfs >root/etc/origin
cat >root/sbin/init <<'INIT'
#!/bin/sh
export PATH=/bin
echo written >/etc/written
W=$(busybox cat /etc/written)
L=clean; [ -e /run/live/rootfs/etc/written ] && L=dirty
M=released; busybox grep -q ' /run/live/medium ' /proc/mounts && M=mounted
D=$(busybox grep ' /run/live/medium ' /proc/mounts | busybox cut -d' ' -f1)
T=$(busybox cat /etc/tgzmark 2>/dev/null || echo none)
echo var-ok >/var/written 2>/dev/null
V=$(busybox cat /var/written 2>/dev/null || echo none)
echo "LIVE-ROOT-UP medium=$M dev=$D write=$W lower=$L tgz=$T var=$V" >/dev/ttyS0
busybox poweroff -f
INIT
chmod 755 root/sbin/init
"$MKLIVE" squashfs root root.squashfs -all-root -quiet >mk.log 2>&1 || t_fail mklive-squashfs "$(tail -n 2 mk.log)"
mkdir -p medium/live wrong/live empty/live tgzsrc/etc tgzsrc/var
cp root.squashfs medium/live/ && cp root.squashfs wrong/live/
echo "$id" >medium/live/mklive.id
echo other-medium >wrong/live/mklive.id
echo "$id" >empty/live/mklive.id
echo from-tgz >tgzsrc/etc/tgzmark
echo from-tgz >tgzsrc/etc/origin
tar -C tgzsrc -czf medium/live/root_fs.tgz .
# the media: mklive iso
mkiso() { "$MKLIVE" iso -quiet "$@" >>mk.log 2>&1 || t_fail "mklive-iso-$*" "$(tail -n 2 mk.log)"; }
mkiso -R -J -V LIVE -o right.iso medium
mkiso -R -J -V WRONG -o wrong.iso wrong
mkiso -R -J -V EMPTY -o empty.iso empty
mkdir -p corrupt/live && echo "$id" >corrupt/live/mklive.id
cp root.squashfs corrupt/live/root.squashfs
dd if=/dev/zero of=corrupt/live/root.squashfs bs=4096 count=1 conv=notrunc 2>/dev/null
mkiso -R -J -V CORRUPT -o corrupt.iso corrupt
mkfs.fat -C -n LIVEFAT fat.img 16384 >/dev/null
MTOOLS_NO_VFAT=0 mcopy -s -i fat.img medium/live ::/ >/dev/null
mkdir -p ext4src/live && echo other-ext4 >ext4src/live/mklive.id
head -c 8388608 /dev/zero >ext4.img
mkfs.ext4 -q -F -d ext4src ext4.img >/dev/null 2>&1 || t_fail mkfs-ext4 "mkfs.ext4 -d failed"
md5_before=$(md5sum <root.squashfs)

"$MKLIVE" initrd -o generic.img -k "$kver" >initrd.log 2>&1 || t_fail build-generic "$(tail -n 3 initrd.log)"
"$MKLIVE" initrd -o minimal.img -k "$kver" -p minimal >>initrd.log 2>&1 || t_fail build-minimal "$(tail -n 3 initrd.log)"
"$MKLIVE" initrd -o shell.img -k "$kver" -p minimal --shell >>initrd.log 2>&1 || t_fail build-shell "$(tail -n 3 initrd.log)"

boot() { # NAME INITRD MARKER TIMEOUT APPEND QEMU-ARGS...
	local name=$1 initrd=$2 marker=$3 timeout=$4 append=$5; shift 5
	qemu_boot "$TEST_OUT/$name.serial" "$marker" "$timeout" -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=0 live.debug $append" "$@"
}
has() { [[ "$1" == *"$2"* ]]; }
marker_line() { grep -a 'LIVE-ROOT-UP' "$TEST_OUT/$1.serial" | head -n 1; }
no_panic() { ! grep -qa 'Kernel panic' "$TEST_OUT/$1.serial"; }
result() { # NAME CONDITION-COMMAND...
	local name=$1; shift
	if "$@"; then t_pass "$name"; else t_fail "$name" "$(tail -n 5 "$TEST_OUT/${name%%-*}.serial" | tr -d '\r' | head -c 600)"; fi
}

# 1. two CDs on IDE; the first has another id
if boot cd generic.img LIVE-ROOT-UP 90 "live.id=$id" \
	-drive file=wrong.iso,media=cdrom,if=ide,index=0,format=raw \
	-drive file=right.iso,media=cdrom,if=ide,index=1,format=raw \
	-drive file=ext4.img,if=none,id=nv,format=raw,readonly=on -device nvme,serial=mklive,drive=nv; then
	l=$(marker_line cd)
	result cd-boots true
	result cd-right-medium has "$l" "medium=mounted dev=/dev/sr1 "
	result cd-overlay-write has "$l" "write=written lower=clean"
	result cd-wrong-id-reported grep -qa 'sr0: iso9660, id other-medium: not ours' cd.serial
	result cd-nvme-probed grep -qa 'nvme0n1: ext4, id other-ext4: not ours' cd.serial
else
	result cd-boots false
fi

# 2. USB stick, copied to RAM
if boot usb minimal.img LIVE-ROOT-UP 90 "live.id=$id live.toram" -machine q35 \
	-device qemu-xhci -drive if=none,id=stick,file=right.iso,format=raw \
	-device usb-storage,drive=stick; then
	l=$(marker_line usb)
	result usb-boots true
	result usb-toram-released has "$l" "medium=released"
	result usb-toram-copied grep -qa 'copying root.squashfs to RAM: 100%' usb.serial
	result usb-write has "$l" "write=written lower=clean"
	result usb-q35-ahci grep -qa 'loaded ahci' usb.serial
else
	result usb-boots false
fi

# 3. virtio disk, FAT, the article's writable layer (root_fs.tgz in a tmpfs)
if boot virtio minimal.img LIVE-ROOT-UP 90 "live.id=$id live.writable=tgz" \
	-drive file=ext4.img,if=virtio,format=raw -drive file=fat.img,if=virtio,format=raw; then
	l=$(marker_line virtio)
	result virtio-boots true
	result virtio-fat-medium has "$l" "medium=mounted dev=/dev/vdb "
	result virtio-ext4-probed grep -qa 'vda: ext4, id other-ext4: not ours' virtio.serial
	result virtio-tgz-etc has "$l" "write=written lower=clean tgz=from-tgz"
else
	result virtio-boots false
fi

# 4. the right id, but no root image on the medium
boot noimage minimal.img 'Fix the problem' 60 "live.id=$id live.timeout=3" -cdrom empty.iso
result noimage-message grep -qa "has /live/mklive.id but no /live/root.squashfs" noimage.serial
result noimage-no-panic no_panic noimage

# 4b. a corrupt root image
boot corrupt minimal.img 'Fix the problem' 60 "live.id=$id live.timeout=3" -cdrom corrupt.iso
result corrupt-message grep -qa "mounting /run/live/medium/live/root.squashfs (/dev/loop0) as squashfs: .*corrupt image" corrupt.serial
result corrupt-no-panic no_panic corrupt

# 5. nothing to boot from: the empty CD-ROM drive is named in the message
boot none shell.img 'built-in shell' 60 "live.id=$id live.timeout=2"
result none-message grep -qa "no medium with id $id after 2 s; scanned sr0 (no disc)" none.serial
result none-rescue-shell grep -qa "boot failed: starting a shell" none.serial
result none-no-panic no_panic none

# 6. cloop + root_fs.tgz
ko=$(BUILD=${BUILD:-$TOP/build} bash "$TESTS_DIR/lib/build_cloop_ko.sh" "$kver" 2>cloop-ko.err); rc=$?
if [ $rc = 77 ]; then
	t_skip article "$(cat cloop-ko.err)"
elif [ $rc != 0 ]; then
	t_fail article-cloop-ko "$(tail -n 3 cloop-ko.err)"
else
	mkdir -p article/live
	mkiso -R -o inner.iso root
	"$MKLIVE" cloop create -q inner.iso article/live/root.cloop
	cp medium/live/root_fs.tgz article/live/
	echo "$id" >article/live/mklive.id
	mkiso -R -J -V ARTICLE -o article.iso article
	"$MKLIVE" initrd -o cloop.img -k "$kver" -p minimal --add-module "$ko" >>initrd.log 2>&1
	if boot article cloop.img LIVE-ROOT-UP 90 "live.id=$id live.writable=tgz" -cdrom article.iso; then
		l=$(marker_line article)
		result article-boots true
		result article-cloop-mounted grep -qa 'mounted /run/live/medium/live/root.cloop' article.serial
		result article-writable-etc-var has "$l" "write=written lower=clean tgz=from-tgz var=var-ok"
	else
		result article-boots false
	fi
fi

check image-untouched test "$(md5sum <root.squashfs)" = "$md5_before"
t_done
