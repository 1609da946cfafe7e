# Shared by the USB tests (sourced after common.sh): the default live image
# of `mklive build`, with /live/SHA256SUMS (added with `mklive check
# --write-sums` and remade with `mklive iso` while the build does not write
# it itself), and a QEMU whose serial console the test types into.

# live_image OUT.iso: 0, or 1 with the reason in $TEST_OUT/live_image.log.
live_image() {
	local out=$1 log=$TEST_OUT/live_image.log dir
	"$MKLIVE" build -q -o "$out.build.iso" >"$log" 2>&1 || return 1
	if isoinfo -R -i "$out.build.iso" -f 2>/dev/null | grep -qx /live/SHA256SUMS; then
		mv "$out.build.iso" "$out"
		return 0
	fi
	dir=$out.tree
	rm -rf "$dir"
	xorriso -osirrox on -indev "$out.build.iso" -extract / "$dir" >>"$log" 2>&1 || return 1
	chmod -R u+w "$dir"
	rm -f "$dir/boot/isolinux/boot.cat"
	"$MKLIVE" check --write-sums "$dir" >>"$log" 2>&1 || return 1
	local vol
	vol=$(isoinfo -d -i "$out.build.iso" | sed -n 's/^Volume id: //p')
	"$MKLIVE" iso -quiet -r -J -V "$vol" -no-emul-boot -boot-load-size 4 -boot-info-table \
		-b boot/isolinux/isolinux.bin -c boot/isolinux/boot.cat \
		-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -o "$out" "$dir" >>"$log" 2>&1 || return 1
	rm -rf "$dir" "$out.build.iso"
}

# qemu_serial_start LOG QEMU-ARGS...: QEMU in the background with its
# first serial port on a pair of FIFOs; what it prints goes to LOG.
qemu_serial_start() {
	local log=$1; shift
	Q_FIFO=$(mktemp -u "$TEST_OUT/serial.XXXXXX")
	mkfifo "$Q_FIFO.in" "$Q_FIFO.out"
	: >"$log"
	Q_LOG=$log
	cat "$Q_FIFO.out" >>"$log" &
	Q_CAT=$!
	qemu-system-x86_64 -machine accel=tcg -m 512 -nographic -no-reboot -monitor none -display none \
		-chardev "pipe,id=s0,path=$Q_FIFO" -serial chardev:s0 "$@" >"$log.qemu" 2>&1 </dev/null &
	Q_PID=$!
	exec 7<>"$Q_FIFO.in"
}

# serial_wait TEXT SECONDS: 0 once TEXT is in the log, 1 on timeout or exit.
serial_wait() {
	local i=0
	while [ $i -lt $(($2 * 5)) ]; do
		grep -qa -- "$1" "$Q_LOG" && return 0
		kill -0 "$Q_PID" 2>/dev/null || break
		sleep 0.2; i=$((i + 1))
	done
	grep -qa -- "$1" "$Q_LOG"
}

# serial_type TEXT: typed into the console, a character at a time (the
# boot loader reads the serial port slowly), then Enter.
serial_type() {
	local s=$1 i
	for ((i = 0; i < ${#s}; i++)); do
		printf '%s' "${s:i:1}" >&7
		sleep 0.02
	done
	printf '\r' >&7
}

# qemu_serial_stop [SECONDS]: wait that long for QEMU to exit by itself
# (poweroff), then stop it.
qemu_serial_stop() {
	local i=0
	while [ $i -lt $((${1:-0} * 5)) ] && kill -0 "$Q_PID" 2>/dev/null; do
		sleep 0.2; i=$((i + 1))
	done
	kill "$Q_PID" 2>/dev/null; wait "$Q_PID" 2>/dev/null
	exec 7>&-
	kill "$Q_CAT" 2>/dev/null; wait "$Q_CAT" 2>/dev/null
	rm -f "$Q_FIFO.in" "$Q_FIFO.out"
}
