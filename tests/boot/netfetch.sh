#!/usr/bin/env bash
# live.fetch= and live.ip=: mklive build's default system (busybox, Debian's
# kernel) with ModuleProfile = generic+net, its kernel and initramfs booted
# directly (mklive run --append), the root fetched over QEMU's user network
# from a server that runs per connection through guestfwd (no listening
# socket): the root image, the whole ISO, a static address; and each failure
# (HTTP 404, checksum mismatch, no network card, no link, no DHCP answer, a
# host name that does not resolve) ending in the rescue shell with its
# reason on the console.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need python3 python3
[ -n "$(debian_kernel)" ] || { echo "SKIP: $T_SCRIPT (needs a kernel from linux-image-amd64)"; exit 0; }
need_file /bin/busybox busybox-static
O=$TEST_OUT
export SOURCE_DATE_EPOCH=1700000000
printf '[Kernel]\nModuleProfile = generic+net\n' >"$O/net.conf"
iso=$O/live.iso
if ! "$MKLIVE" build -q -c "$O/net.conf" -o "$iso" --timeout 1 --append no_timer_check >"$O/build.log" 2>&1; then
	t_fail build "$(tail -c 400 "$O/build.log")"; t_done
fi
srv=$O/srv
rm -rf "$srv"; mkdir -p "$srv/live" "$srv/bad/live"
for f in live/root.squashfs live/SHA256SUMS; do "$MKLIVE" cat "$iso:/$f" >"$srv/$f"; done
cp "$iso" "$srv/live.iso"
# the same list, one byte of the image changed
cp "$srv/live/SHA256SUMS" "$srv/bad/live/"
cp "$srv/live/root.squashfs" "$srv/bad/live/"
printf '\xff' | dd of="$srv/bad/live/root.squashfs" bs=1 seek=70000 conv=notrunc status=none
: >"$O/requests.log"
server="python3 $TESTS_DIR/lib/http_stdio.py $srv $O/requests.log"
# restrict=on: the guest reaches nothing but QEMU's own DHCP and guestfwd
# (whose answer then names no router and no DNS server)
nic="user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:$server"

# boot NAME APPEND EXPECT [SEND] [-- QEMU ARGS]: 0 once EXPECT appeared
boot() {
	local name=$1 append=$2 expect=$3 send=${4:-}
	shift 4
	local args=(--append "$append" --expect "$expect" --timeout 240 --log "$O/$name.log" -m 512)
	[ -n "$send" ] && args+=(--send "$send")
	"$MKLIVE" run "$iso" "${args[@]}" -- "$@" </dev/null >"$O/$name.out" 2>"$O/$name.err"
}
tail_of() { tr -d '\033\r' <"$O/$1.log" | grep -a 'live:' | tail -n 4 | tr '\n' ' ' | tail -c 400; }
has() { tr -d '\r' <"$O/$1.log" | grep -aqE -- "$2"; }

# Two guests at a time: each pair is started, then both are judged.
boot root 'live.fetch=http://10.0.2.100/live/root.squashfs' 'inet 10\.0\.2\.15/24' \
	'cat /run/mklive/net; ip -4 addr show dev eth0\n' -nic "$nic" &
boot iso 'live.fetch=http://10.0.2.100/live.iso' 'mklive:/# ' '' -nic "$nic" &
wait
# the root image: DHCP, fetch, SHA256SUMS, the shell; the address kept and
# /run/mklive/net handed over
if has root 'METHOD=dhcp' && has root 'inet 10\.0\.2\.15/24' && has root 'eth0: 10\.0\.2\.15/24 from DHCP, gateway (10\.0\.2\.2|none)' &&
	has root 'root.squashfs matches its SHA-256' && has root 'ADDRESS=10\.0\.2\.15' &&
	grep -q 'GET /live/SHA256SUMS' "$O/requests.log"; then
	t_pass fetch-root-image
else
	t_fail fetch-root-image "$(cat "$O/root.err"); $(tail_of root)"
fi
# the whole ISO: its own /live/SHA256SUMS checks every file in it
if has iso 'mklive:/# ' && has iso 'medium check passed' && has iso 'fetched live.iso'; then
	t_pass fetch-whole-iso
	echo "# $(tr -d '\r' <"$O/iso.log" | grep -ao 'fetched live.iso: .*' | head -n 1)"
else
	t_fail fetch-whole-iso "$(cat "$O/iso.err"); $(tail_of iso)"
fi

# failures: one line with the reason, then the rescue shell
fail_start() { # NAME APPEND QEMU-ARGS...
	local name=$1 append=$2
	shift 2
	boot "$name" "$append" 'boot failed: starting a shell' '' "$@"
}
fail_judge() { # NAME REASON
	if has "$1" 'boot failed: starting a shell' && has "$1" "$2" && ! has "$1" 'Kernel panic'; then
		t_pass "$1"
	else
		t_fail "$1" "$(cat "$O/$1.err"); $(tail_of "$1")"
	fi
}

# live.ip static: our address, no DHCP
boot static 'live.ip=10.0.2.77/24:10.0.2.2:10.0.2.3 live.fetch=http://10.0.2.100/live/root.squashfs' \
	'default via 10\.0\.2\.2 dev eth0' 'cat /run/mklive/net; ip route\n' -nic "$nic" &
fail_start http-404 'live.fetch=http://10.0.2.100/live/nothere.squashfs' -nic "$nic" &
wait
if has static 'METHOD=static' && has static 'default via 10\.0\.2\.2 dev eth0' && has static 'eth0: 10\.0\.2\.77/24 \(live\.ip\)' && has static 'ADDRESS=10\.0\.2\.77' &&
	! has static 'DHCP'; then
	t_pass static-address
else
	t_fail static-address "$(cat "$O/static.err"); $(tail_of static)"
fi
fail_judge http-404 'live: live.fetch: http://10.0.2.100/live/nothere.squashfs: the server answered HTTP 404'

fail_start checksum-mismatch 'live.fetch=http://10.0.2.100/bad/live/root.squashfs' -nic "$nic" &
fail_start no-network-card 'live.fetch=http://10.0.2.100/live/root.squashfs live.timeout=3' -nic none &
wait
fail_judge checksum-mismatch 'live: live.fetch: checksum mismatch: http://10.0.2.100/bad/live/root.squashfs does not match'
fail_judge no-network-card 'live: network: no Ethernet interface appeared after 3 s'

# a NIC on a hub with nothing else on it: a link, but nobody answers DHCP
fail_start no-dhcp-answer 'live.fetch=http://10.0.2.100/live/root.squashfs live.timeout=6' \
	-nic none -netdev hubport,id=lonely,hubid=7 -device virtio-net-pci,netdev=lonely &
# an unplugged cable: QEMU's monitor sets the link down before the guest
# starts (the kernel and initramfs booted directly, as a loader would)
"$MKLIVE" cat "$iso:/boot/vmlinuz" >"$O/vmlinuz" && "$MKLIVE" cat "$iso:/boot/initrd.img" >"$O/initrd.img"
printf 'set_link lan off\ncont\n' >"$O/monitor.txt"
no_link() {
	: >"$O/no-link.log"
	qemu-system-x86_64 -machine accel=tcg -m 512 -no-reboot -display none -S -monitor stdio \
		-serial "file:$O/no-link.log" -kernel "$O/vmlinuz" -initrd "$O/initrd.img" \
		-netdev user,id=lan,restrict=on -device virtio-net-pci,netdev=lan \
		-append 'console=ttyS0 panic=-1 no_timer_check live.fetch=http://10.0.2.100/live/root.squashfs live.timeout=4' \
		<"$O/monitor.txt" >"$O/no-link.qemu" 2>&1 &
	local pid=$! i=0
	while [ $i -lt 1200 ] && kill -0 $pid 2>/dev/null && ! has no-link 'boot failed: starting a shell'; do
		sleep 0.2; i=$((i + 1))
	done
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	cp "$O/no-link.qemu" "$O/no-link.err"
}
no_link &
wait
fail_judge no-dhcp-answer 'live: network: no DHCP answer on eth0 after 6 s'
fail_judge no-link 'live: network: no link on eth0 after 4 s \(is the cable plugged in\?\)'

# a host name: musl's resolver finds no DNS server (the restricted network's
# DHCP names none)
fail_start no-dns 'live.fetch=http://boot.invalid/live/root.squashfs' -nic "$nic"
fail_judge no-dns 'live: live.fetch: http://boot.invalid/live/root.squashfs: cannot resolve boot.invalid'
t_done
