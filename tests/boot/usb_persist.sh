#!/usr/bin/env bash
# Persistence on a USB stick (QEMU, TCG, xHCI, SeaBIOS): the default image
# written with `mklive write --persistence 64M`; a file written in a boot
# with live.persistence is there in the next one, not with
# live.persistence=off, and a stick whose persistence superblock is
# corrupt still boots, with the changes in RAM and a message saying so.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/live_image.sh"
need qemu-system-x86_64 qemu-system-x86
need mke2fs e2fsprogs
need xorriso xorriso
need isoinfo genisoimage
need_file /usr/lib/ISOLINUX/isohdpfx.bin isolinux
[ -n "$(debian_kernel)" ] || { echo "SKIP: $T_SCRIPT (needs linux-image-amd64)"; exit 0; }
cd "$TEST_OUT"

if ! live_image live.iso; then
	t_fail image "$(tail -n 3 live_image.log)"; t_done
fi
rm -f stick.img
if "$MKLIVE" write --persistence 64M live.iso stick.img >write.log 2>&1; then t_pass write
else t_fail write "$(cat write.log)"; t_done; fi
check table-has-persistence sh -c "sfdisk -d stick.img | grep -Eq 'stick.img2 .*type=(83|0FC63DAF-8483-4772-8E79-3D69D8477DE4)'"
start=$(sfdisk -d stick.img | sed -n 's/^stick.img2 : start= *\([0-9]*\),.*/\1/p')

stick=(-device qemu-xhci,id=xhci -drive if=none,id=stick,file=stick.img,format=raw
	-device usb-storage,bus=xhci.0,drive=stick,bootindex=0)
# boot NAME PARAMS COMMAND EXPECT: boot the stick with PARAMS typed at
# the isolinux prompt, run COMMAND at the shell, wait for EXPECT.
boot() {
	local name=$1 params=$2 cmd=$3 expect=$4 log=$TEST_OUT/$1.log
	qemu_serial_start "$log" "${stick[@]}"
	if ! serial_wait "boot:" 120; then
		qemu_serial_stop; t_fail "$name" "no isolinux prompt (log $log)"; return 1
	fi
	sleep 1
	serial_type "live $params no_timer_check"
	if ! serial_wait "type 'poweroff' to leave" 300; then
		qemu_serial_stop; t_fail "$name" "no shell: $(grep -a 'live:' "$log" | tail -n 3 | tr -d '\r')"; return 1
	fi
	sleep 2
	serial_type "$cmd"
	if ! serial_wait "$expect" 120; then
		qemu_serial_stop; t_fail "$name" "no '$expect' (log $log)"; return 1
	fi
	serial_type "sync; poweroff -f"
	qemu_serial_stop 60
	return 0
}

token=kept-$$-$RANDOM
if boot persist-write "live.persistence" "echo $token > /root/kept.txt; sync; echo WROTE-\$((40+2))" "WROTE-42"; then
	check persist-write-on-stick grep -qa "changes kept: ext4 on /dev/sd[a-z]2" persist-write.log
	check persist-write-message grep -qa "persistence: changes are kept on /dev/sd[a-z]2" persist-write.log
fi
if boot persist-read "live.persistence" "cat /root/kept.txt; echo READ-\$((40+3))" "READ-43"; then
	if grep -a -v "cat /root" persist-read.log | grep -qa "^$token"; then t_pass persist-read
	else t_fail persist-read "the file written in the first boot is not there"; fi
fi
if boot persist-off "live.persistence=off" "cat /root/kept.txt 2>&1; echo OFF-\$((40+4))" "OFF-44"; then
	if grep -a -v "cat /root" persist-off.log | grep -qa "^$token"; then t_fail persist-off "the file is there"
	else t_pass persist-off; fi
	check persist-off-in-ram grep -qa "overlay (changes in RAM)" persist-off.log
fi
# The store read by e2fsprogs on the host: consistent, and the file is in
# the medium id's upper directory.
size=$(sfdisk -d stick.img | sed -n 's/^stick.img2 : .*size= *\([0-9]*\),.*/\1/p')
dd if=stick.img of=part.img bs=512 skip="$start" count="$size" status=none
e2fsck -fy part.img >fsck.log 2>&1; rc=$?
if [ $rc -lt 4 ]; then t_pass store-fsck; else t_fail store-fsck "e2fsck exit $rc: $(tail -n 3 fsck.log)"; fi
id=$(isoinfo -R -i live.iso -x /live/mklive.id | tr -d '\n')
if debugfs -R "cat /$id/upper/root/kept.txt" part.img 2>/dev/null | grep -qx "$token"; then t_pass store-holds-file
else t_fail store-holds-file "debugfs finds no /$id/upper/root/kept.txt with the token"; fi

# A corrupt superblock (magic and label kept, so it is still found): the
# mount fails, the boot goes on in RAM and says why.
printf '\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa' | dd of=stick.img bs=1 seek=$((start * 512 + 1024 + 4)) conv=notrunc status=none
if boot persist-corrupt "live.persistence" "echo UP-\$((40+5))" "UP-45"; then
	check corrupt-message grep -qa "persistence: /dev/sd[a-z]2 (label mklive-rw) does not mount as ext4" persist-corrupt.log
	check corrupt-falls-back grep -qa "changes stay in RAM" persist-corrupt.log
	check corrupt-in-ram grep -qa "overlay (changes in RAM)" persist-corrupt.log
	if grep -qa "Kernel panic" persist-corrupt.log; then t_fail corrupt-no-panic; else t_pass corrupt-no-panic; fi
fi
t_done
