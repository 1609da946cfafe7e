#!/usr/bin/env bash
# Every way of delivering the embedded default system that is not a CD or
# a written stick, booted under QEMU TCG to its banner and a working shell,
# from one build (the medium and its netboot tree, Debian's kernel):
#   - BIOS PXE: QEMU's iPXE ROM (e1000) -> lpxelinux.0 -> kernel ->
#     mklive-init's DHCP -> live.fetch of the root image by HTTP from
#     `mklive serve --stdio` behind guestfwd;
#   - UEFI PXE under OVMF (its own PXE on virtio-net) -> shim -> Debian's
#     signed network GRUB -> the same;
#   - the same with OVMF's Secure Boot firmware and Microsoft's keys, the
#     banner reporting Secure Boot on;
#   - BIOS, the iPXE ROM running boot.ipxe (its menu, kernel, initrd);
#   - the ISO as a file: a stick with one FAT partition holding
#     isos/live.iso and a GRUB EFI (grub-mkstandalone) that loop-mounts it
#     and reads its /boot/grub/loopback.cfg (live.findiso=${iso_path}).
# The guests have no disk or CD in the netboot runs: the root can only
# have come over the network. Two guests run at a time.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need_file /usr/lib/PXELINUX/lpxelinux.0 pxelinux
need_file /usr/lib/ipxe/qemu/efi-e1000.rom ipxe-qemu
need_file /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ovmf
need_file /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed grub-efi-amd64-signed
need_file /usr/lib/shim/shimx64.efi.signed shim-signed
need_file /bin/busybox busybox-static
need grub-mkstandalone grub-efi-amd64-bin
K=$(debian_kernel)
[ -n "$K" ] || { echo "SKIP: $T_SCRIPT (needs a kernel from linux-image-amd64)"; exit 0; }
O=$TEST_OUT
T=${NETBOOT_TIMEOUT:-400}
rm -rf "$O/tmp" "$O/w"; mkdir -p "$O/tmp" "$O/w"
export TMPDIR=$O/tmp SOURCE_DATE_EPOCH=1700000000

# one build: the medium and the tree
if ! "$MKLIVE" build -q --no-cache -k "$K" -o "$O/w/live.iso" --netboot "$O/w/tree" --timeout 1 \
	--append "no_timer_check panic=-1" >"$O/build.log" 2>&1; then
	t_fail build "$(tail -n 3 "$O/build.log")"
	t_done
fi
t_pass build

# the ISO as a file: FAT partition with isos/live.iso and a GRUB EFI
cat >"$O/w/grub.cfg" <<'EOF'
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
set timeout=1
insmod part_msdos
insmod fat
insmod iso9660
insmod loopback
menuentry 'mklive live.iso (loopback.cfg)' {
	search --no-floppy --file --set=isodev /isos/live.iso
	set iso_path=/isos/live.iso
	export iso_path
	loopback loop ($isodev)$iso_path
	set root=(loop)
	configfile /boot/grub/loopback.cfg
}
EOF
stick=
if grub-mkstandalone -O x86_64-efi -o "$O/w/bootx64.efi" "boot/grub/grub.cfg=$O/w/grub.cfg" \
	>"$O/grub-mkstandalone.log" 2>&1 &&
	"$MKLIVE" fat -q --partition -o "$O/w/stick.img" "EFI/BOOT/BOOTX64.EFI=$O/w/bootx64.efi" \
		"isos/live.iso=$O/w/live.iso" >"$O/fat.log" 2>&1; then
	stick=$O/w/stick.img
else
	t_fail iso-file-stick "$(tail -n 2 "$O/grub-mkstandalone.log" "$O/fat.log")"
fi

# NAME ARGS...: boot, type into the shell, keep the time
boot() {
	local name=$1 start=$SECONDS rc; shift
	# the command line between two markers: the whole line is in the log
	"$MKLIVE" run "$@" --send 'echo NB-$((6*7)) $(cat /proc/cmdline) END-$((6*7))\n' --expect 'END-42' \
		--timeout "$T" --log "$O/$name.log" </dev/null >/dev/null 2>"$O/$name.err"
	rc=$?
	echo "$rc $((SECONDS - start))" >"$O/$name.result"
}
boot bios-pxe --netboot "$O/w/tree" &
boot uefi-pxe --uefi --netboot "$O/w/tree" &
wait
boot secure-boot-pxe --secure-boot --netboot "$O/w/tree" &
[ -n "$stick" ] && boot iso-file --uefi --usb "$stick" &
wait
boot ipxe-script --netboot "$O/w/tree" --bootfile boot.ipxe

text() { tr -d '\r\033' <"$1"; }
fetch="live.fetch=http://10.0.2.100/live/root.squashfs"
for b in "bios-pxe|booted: BIOS|$fetch" "uefi-pxe|booted: UEFI, Secure Boot off|$fetch" \
	"secure-boot-pxe|booted: UEFI, Secure Boot on|$fetch" "ipxe-script|booted: BIOS|$fetch" "iso-file|booted: UEFI, Secure Boot off|live.findiso=/isos/live.iso"; do
	IFS='|' read -r name mark param <<<"$b"
	[ "$name" = iso-file ] && [ -z "$stick" ] && continue
	read -r rc secs <"$O/$name.result" 2>/dev/null || rc=x
	if [ "$rc" = 0 ] && grep -qa "$mark" <(text "$O/$name.log") && grep -qa "^NB-42 .*$param" <(text "$O/$name.log"); then
		echo "# $name: $secs s to the shell"
		t_pass "$name"
	else
		t_fail "$name" "exit $rc after ${secs:-?} s: $(cat "$O/$name.err" | tail -n 2); $(text "$O/$name.log" | tail -c 400)"
	fi
done
check iso-file-through-loopback-cfg grep -qa "mklive live.iso (loopback.cfg)" "$O/iso-file.log"
check pxe-through-lpxelinux grep -qa "PXELINUX" "$O/bios-pxe.log"
check pxe-through-ipxe-rom grep -qa "iPXE" "$O/bios-pxe.log"
check ipxe-ran-the-script grep -qa "boot.ipxe : .* \[script\]" "$O/ipxe-script.log"
if [ -z "$(ls -A "$O/tmp")" ] && ! pgrep -f "$O/tmp/mklive-run-" >/dev/null; then t_pass nothing-left; else
	t_fail nothing-left "$(ls -A "$O/tmp")"; fi
t_done
