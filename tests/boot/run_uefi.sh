#!/usr/bin/env bash
# mklive run --uefi and --secure-boot with OVMF (q35, the CD on AHCI):
# an image with an unsigned GRUB in its EFI El Torito entry boots to the
# live system's shell under --uefi; the same image is refused under
# --secure-boot ("Access Denied": the secure pflash and Microsoft's keys
# are in force); and an image with Debian's signed chain (shim, the signed
# CD GRUB, Debian's kernel) boots there with the kernel reporting Secure
# Boot enabled.
source "$TESTS_DIR/lib/common.sh"
need qemu-system-x86_64 qemu-system-x86
need_file /usr/share/OVMF/OVMF_CODE_4M.fd ovmf
need_file /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ovmf
O=$TEST_OUT
rm -rf "$O/tmp"; mkdir -p "$O/tmp"
export TMPDIR=$O/tmp

fixture() { # KIND: prints the image, or skips/fails the whole script
	local iso rc
	iso=$(bash "$TESTS_DIR/lib/make_live_iso.sh" "$1" 2>"$O/fixture-$1.err"); rc=$?
	[ $rc = 77 ] && { echo "SKIP: $T_SCRIPT/$1 ($(cat "$O/fixture-$1.err"))" >&2; return 1; }
	[ $rc = 0 ] || { echo "FAIL: $T_SCRIPT/fixture-$1 ($(cat "$O/fixture-$1.err"))" >&2; return 1; }
	echo "$iso"
}
text() { tr -d '\r' <"$1"; }
nothing_left() {
	local pids
	pids=$(pgrep -f "$TMPDIR/mklive-run-")
	if [ -n "$pids" ] || [ -n "$(ls -A "$TMPDIR")" ]; then
		kill -KILL $pids 2>/dev/null
		t_fail "$1" "QEMU: $pids; TMPDIR: $(ls -A "$TMPDIR")"
	else
		t_pass "$1"
	fi
}

if uefi=$(fixture uefi 2>"$O/f.err"); then
	# OVMF starts the EFI entry's GRUB, which boots the live system
	start=$SECONDS
	"$MKLIVE" run --uefi "$uefi" --send 'echo UEFI-$((6*7))\n' --expect 'UEFI-42\n' --timeout 400 \
		--log "$O/uefi.log" </dev/null >/dev/null 2>"$O/uefi.err"
	rc=$? took=$((SECONDS - start))
	if [ $rc = 0 ] && grep -aq 'BdsDxe: starting Boot' "$O/uefi.log" && grep -q '^booted: UEFI' <(text "$O/uefi.log"); then
		t_pass uefi-boots-ovmf
		echo "# --uefi: $took s"
	else
		t_fail uefi-boots-ovmf "exit $rc after $took s: $(cat "$O/uefi.err"); $(text "$O/uefi.log" | tail -c 400 | tr -d '\033')"
	fi
	nothing_left uefi-nothing-left

	# Secure Boot: the unsigned loader is refused
	"$MKLIVE" run --secure-boot "$uefi" --expect 'Access Denied' --timeout 300 --log "$O/unsigned.log" \
		</dev/null >/dev/null 2>"$O/unsigned.err"
	rc=$?
	if [ $rc = 0 ] && grep -aq 'failed to load Boot.*Access Denied' "$O/unsigned.log" &&
		! grep -q '^booted:' <(text "$O/unsigned.log"); then
		t_pass secure-boot-refuses-unsigned
	else
		t_fail secure-boot-refuses-unsigned "exit $rc: $(cat "$O/unsigned.err"); $(text "$O/unsigned.log" | tail -c 400 | tr -d '\033')"
	fi
	nothing_left unsigned-nothing-left
else
	cat "$O/f.err"
fi

if secure=$(fixture secure 2>"$O/f.err"); then
	# Debian's signed chain boots with Secure Boot enforcing; the kernel says so
	"$MKLIVE" run --secure-boot "$secure" \
		--send 'if dmesg | grep -q "Secure boot enabled"; then echo SECUREBOOT=$((1)); else echo SECUREBOOT=$((0)); fi\n' \
		--expect 'SECUREBOOT=[01]\n' --timeout 400 --log "$O/signed.log" </dev/null >/dev/null 2>"$O/signed.err"
	rc=$?
	if [ $rc = 0 ] && grep -q '^SECUREBOOT=1$' <(text "$O/signed.log"); then
		t_pass secure-boot-signed-chain
	else
		t_fail secure-boot-signed-chain "exit $rc: $(cat "$O/signed.err"); $(text "$O/signed.log" | tail -c 400 | tr -d '\033')"
	fi
	nothing_left signed-nothing-left
else
	cat "$O/f.err"
fi
t_done
