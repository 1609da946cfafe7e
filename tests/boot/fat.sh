#!/usr/bin/env bash
# The article's boot floppy: `mklive fat --syslinux` with syslinux.cfg
# (SERIAL 0 115200), memtest86+ as the kernel and an F1 help file, booted
# under QEMU (SeaBIOS, TCG): directly as a floppy, and through `mklive iso`
# El Torito floppy emulation (1.44 MB and 2.88 MB) and hard-disk emulation
# (a --partition FAT16 image: SYSLINUX's MBR, the partition's boot sector,
# ldlinux.sys). The serial log must show SYSLINUX's banner and Memtest86+.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need syslinux syslinux
need_file /usr/lib/syslinux/modules/bios/ldlinux.c32 syslinux-common
need_file /boot/memtest86+x64.bin memtest86+
export SOURCE_DATE_EPOCH=1700000000
O=$TEST_OUT

src=$O/floppy
rm -rf "$src"; mkdir -p "$src"
cp /boot/memtest86+x64.bin "$src/memtest"
cat >"$src/syslinux.cfg" <<'CFG'
SERIAL 0 115200
PROMPT 0
TIMEOUT 1
DEFAULT memtest
F1 f1.txt
LABEL memtest
  KERNEL memtest
  APPEND console=ttyS0,115200
CFG
printf 'mklive boot floppy help: press Enter to run memtest86+.\r\n' >"$src/f1.txt"

# booted NAME QEMU-ARGS...: SYSLINUX's banner, then Memtest86+ on the serial
# line. 64 MB of RAM (the later -m wins): memtest86+ sizes up all memory
# before its banner, which takes about 4 times longer with 512 MB under TCG.
booted() {
	local name=$1 log=$O/$1.serial; shift
	if qemu_boot "$log" "Memtest86+" 60 -m 64 "$@" && grep -qa "SYSLINUX 6" "$log"; then
		t_pass "$name"
	else
		t_fail "$name" "serial log: $(tr -d '\033' <"$log" | tr '\r\n' '  ' | tail -c 200)"
	fi
}

for size in 1440K 2880K; do
	if ! "$MKLIVE" fat -o "$O/boot-$size.img" --size $size --syslinux -n MKLIVEBOOT "$src" 2>"$O/boot-$size.err"; then
		t_fail "make-floppy-$size" "$(cat "$O/boot-$size.err")"
	fi
done
if "$MKLIVE" fat -o "$O/hd.img" --size 8M --fat 16 --partition --syslinux "$src" 2>"$O/hd.err"; then :; else
	t_fail make-hard-disk "$(cat "$O/hd.err")"
fi

# The floppy as a floppy: BIOS drive 0x00, the FAT12 boot sector SYSLINUX wrote.
[ -e "$O/boot-1440K.img" ] && booted floppy-1440K -drive if=floppy,format=raw,file="$O/boot-1440K.img" -boot a

# Without --syslinux: the boot sector's own code (and the MBR's, with
# --partition) prints its message through the BIOS (INT 10h), which SeaBIOS
# mirrors to the serial port when etc/sercon-port is set.
printf '\xf8\x03' >"$O/sercon-port" # 0x3F8, COM1, little-endian
"$MKLIVE" fat -o "$O/plain.img" --size 1440K "$src/f1.txt" &&
	qemu_boot "$O/plain.serial" "Not a boot disk" 30 -m 64 -fw_cfg name=etc/sercon-port,file="$O/sercon-port" \
		-drive if=floppy,format=raw,file="$O/plain.img" -boot a &&
	t_pass not-a-boot-disk-floppy || t_fail not-a-boot-disk-floppy "$(tail -c 200 "$O/plain.serial")"
"$MKLIVE" fat -o "$O/plain-hd.img" --size 4M --partition "$src/f1.txt" &&
	qemu_boot "$O/plain-hd.serial" "Not a boot disk" 30 -m 64 -fw_cfg name=etc/sercon-port,file="$O/sercon-port" \
		-drive if=ide,format=raw,file="$O/plain-hd.img" -boot c &&
	t_pass not-a-boot-disk-mbr || t_fail not-a-boot-disk-mbr "$(tail -c 200 "$O/plain-hd.serial")"

# Through El Torito: needs `mklive iso` with -b/-c and -hard-disk-boot.
if ! "$MKLIVE" iso --help 2>/dev/null | grep -q -- '-hard-disk-boot'; then
	t_skip eltorito-floppy-1440K "mklive iso with El Torito is not built yet"
	t_skip eltorito-floppy-2880K "mklive iso with El Torito is not built yet"
	t_skip eltorito-hard-disk "mklive iso with El Torito is not built yet"
	t_done
fi
for size in 1440K 2880K; do
	[ -e "$O/boot-$size.img" ] || continue
	cd_dir=$O/cd-$size; rm -rf "$cd_dir"; mkdir -p "$cd_dir/boot"
	cp "$O/boot-$size.img" "$cd_dir/boot/boot.img"
	if "$MKLIVE" iso -o "$O/floppy-$size.iso" -b boot/boot.img -c boot/boot.cat "$cd_dir" 2>"$O/iso-$size.err"; then
		booted "eltorito-floppy-$size" -cdrom "$O/floppy-$size.iso" -boot d
	else
		t_fail "eltorito-floppy-$size" "mklive iso: $(cat "$O/iso-$size.err")"
	fi
done
if [ -e "$O/hd.img" ]; then
	cd_dir=$O/cd-hd; rm -rf "$cd_dir"; mkdir -p "$cd_dir/boot"
	cp "$O/hd.img" "$cd_dir/boot/hd.img"
	if "$MKLIVE" iso -o "$O/hd.iso" -b boot/hd.img -hard-disk-boot -c boot/boot.cat "$cd_dir" 2>"$O/iso-hd.err"; then
		booted eltorito-hard-disk -cdrom "$O/hd.iso" -boot d
	else
		t_fail eltorito-hard-disk "mklive iso: $(cat "$O/iso-hd.err")"
	fi
fi
t_done
