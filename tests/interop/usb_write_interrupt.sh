#!/usr/bin/env bash
# mklive write stopped part-way (SIGINT, SIGTERM, SIGKILL at several
# points, to a file and, as root, to a loop device): the target is then
# either the whole image or has no partition table (MBR signature, GPT
# header) and no ISO 9660 volume descriptor, so nothing boots or mounts a
# truncated image; SIGINT and SIGTERM say that the target is incomplete.
. "$(dirname "$0")/../lib/common.sh"
need_file /usr/lib/ISOLINUX/isohdpfx.bin isolinux
cd "$TEST_OUT" || exit 1
rm -rf ./* 2>/dev/null

mkdir -p cd/boot/isolinux cd/live
cp /usr/lib/ISOLINUX/isolinux.bin cd/boot/isolinux/
head -c 200000000 /dev/urandom >cd/live/root.squashfs
"$MKLIVE" iso -quiet -r -V STOPTEST -no-emul-boot -boot-load-size 4 -boot-info-table \
	-b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \
	-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o live.iso cd || { t_fail iso; t_done; }
rm -rf cd
isize=$(stat -c %s live.iso)

# looks_bootable FILE: an MBR boot signature, a GPT header or a volume descriptor
looks_bootable() {
	[ "$(od -An -tx1 -j510 -N2 "$1" | tr -d ' ')" = 55aa ] && return 0
	[ "$(dd if="$1" bs=1 skip=512 count=8 status=none)" = "EFI PART" ] && return 0
	[ "$(dd if="$1" bs=1 skip=32769 count=5 status=none)" = CD001 ] && return 0
	return 1
}

# stop_at NAME TARGET SIG MIB [write options]: start the write, send SIG once it
# has written MIB MiB (/proc/PID/io wchar), then judge the target.
hits=0
stop_at() {
	local name=$1 target=$2 sig=$3 mib=$4; shift 4
	"$MKLIVE" write --no-verify "$@" live.iso "$target" 2>"$name.err" &
	local pid=$! w=0
	while kill -0 $pid 2>/dev/null; do
		w=$(awk '/^wchar/ { print $2 }' /proc/$pid/io 2>/dev/null)
		[ -n "$w" ] && [ "$w" -ge $((mib << 20)) ] && break
	done
	kill -"$sig" $pid 2>/dev/null
	wait $pid
	if cmp -s -n "$isize" live.iso "$target"; then
		t_pass "$name (finished before the signal)"
	elif looks_bootable "$target"; then
		t_fail "$name" "stopped after about $mib MiB, the target has a table or a volume descriptor"
	elif [ "$sig" != KILL ] && ! grep -q 'incomplete' "$name.err"; then
		t_fail "$name" "no word that the target is incomplete: $(head -c 300 "$name.err")"
	else
		hits=$((hits + 1))
		t_pass "$name"
	fi
}

for sig in INT TERM KILL; do
	for mib in 2 120; do
		cp live.iso target.img # a complete earlier write: its head must not survive
		stop_at "file-$sig-${mib}M" target.img $sig $mib
	done
done

if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null; then
	truncate -s $((isize + (8 << 20))) backing.img
	if loop=$(losetup -f --show backing.img 2>/dev/null); then
		for sig in INT KILL; do
			"$MKLIVE" write -q --yes --no-verify live.iso "$loop" 2>/dev/null # complete first
			stop_at "loop-$sig" "$loop" $sig 60 --yes
		done
		losetup -d "$loop"
	else
		t_skip loop "no free loop device"
	fi
else
	t_skip loop "needs root and losetup"
fi
# the write itself still gives the image
"$MKLIVE" write -q live.iso whole.img && cmp -s live.iso whole.img && t_pass complete-write || t_fail complete-write
[ $hits -gt 0 ] && t_pass stopped-mid-write || t_skip stopped-mid-write "every write finished before its signal"
t_done
