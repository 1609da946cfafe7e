#!/usr/bin/env bash
# live.findiso=: the default system's ISO kept as /isos/live.iso on the FAT
# partition of a second disk, found and loop-mounted as the medium, with
# live.check (its own SHA256SUMS) and live.persistence (a partition labelled
# mklive-rw on the same disk) working as from a disc; and a path that no
# partition holds ending in the rescue shell with what was scanned.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need sfdisk fdisk
need mkfs.vfat dosfstools
need mcopy mtools
need mkfs.ext4 e2fsprogs
[ -n "$(debian_kernel)" ] || { echo "SKIP: $T_SCRIPT (needs a kernel from linux-image-amd64)"; exit 0; }
need_file /bin/busybox busybox-static
O=$TEST_OUT
export SOURCE_DATE_EPOCH=1700000000
iso=$O/live.iso
if ! "$MKLIVE" build -q -o "$iso" --timeout 1 --append no_timer_check >"$O/build.log" 2>&1; then
	t_fail build "$(tail -c 400 "$O/build.log")"; t_done
fi
# vda1: FAT32 with /isos/live.iso; vda2: ext4 labelled mklive-rw
disk=$O/disk.img
rm -f "$disk"; truncate -s 128M "$disk"
printf 'start=2048, size=180224, type=c\nstart=182272, type=83\n' | sfdisk -q "$disk"
mkfs.vfat -F 32 -n STICK --offset=2048 "$disk" $((180224 / 2)) >/dev/null 2>&1
mmd -i "$disk@@1M" ::isos && mcopy -i "$disk@@1M" "$iso" ::isos/live.iso
mkfs.ext4 -q -F -L mklive-rw -E offset=$((182272 * 512)) "$disk" $(((262144 - 182272) / 2))k
boot() { # NAME APPEND EXPECT [SEND]
	local args=(--append "$2" --expect "$3" --timeout 240 --log "$O/$1.log")
	[ -n "${4:-}" ] && args+=(--send "$4")
	"$MKLIVE" run "$iso" "${args[@]}" -- -drive "file=$disk,format=raw,if=virtio,snapshot=on" \
		</dev/null >"$O/$1.out" 2>"$O/$1.err"
}
has() { tr -d '\r' <"$O/$1.log" | grep -aqE -- "$2"; }
tail_of() { tr -d '\033\r' <"$O/$1.log" | grep -a 'live:' | tail -n 4 | tr '\n' ' ' | tail -c 400; }
boot found 'live.findiso=/isos/live.iso live.check live.persistence' '/run/live/medium iso9660' \
	'grep -E "live/(medium|isohost)" /proc/mounts\n' &
boot missing 'live.findiso=/isos/none.iso live.timeout=3' 'boot failed: starting a shell' &
wait
if has found 'live: live.findiso: /isos/live.iso on vda1 \(vfat\)' && has found 'checking the medium vda1' &&
	has found 'medium check passed' && has found 'persistence: changes are kept on /dev/vda2' &&
	has found '^/dev/loop[0-9]+ /run/live/medium iso9660 ro' && has found '^/dev/vda1 /run/live/isohost vfat ro'; then
	t_pass iso-file-on-fat-with-check-and-persistence
else
	t_fail iso-file-on-fat-with-check-and-persistence "$(cat "$O/found.err"); $(tail_of found)"
fi
if has missing 'live: live.findiso: no partition holds /isos/none.iso( with id [0-9a-f]+)? after 3 s; scanned .*vda1 \(vfat, no /isos/none.iso\)' &&
	! has missing 'Kernel panic'; then
	t_pass missing-file-rescue-shell
else
	t_fail missing-file-rescue-shell "$(cat "$O/missing.err"); $(tail_of missing)"
fi
t_done
