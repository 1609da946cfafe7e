#!/usr/bin/env bash
# Installs (as root) or names (otherwise) the Debian packages a task needs.
#   scripts/deps.sh build|test|bench|demo|all
# Missing packages are installed with apt-get when run as root; otherwise the
# exact apt-get command is printed and, for "build", the script fails.
set -u
build_pkgs="gcc make libc6-dev clang-format libdeflate-dev liblzma-dev libzstd-dev liblz4-dev libarchive-dev musl-tools"
test_pkgs="qemu-system-x86 qemu-utils linux-image-amd64 syslinux syslinux-common syslinux-utils isolinux
 xorriso genisoimage mtools dosfstools squashfs-tools squashfs-tools-ng cloop-utils ovmf memtest86+
 libarchive-tools p7zip-full fdisk attr libcap2-bin cpio busybox-static zstd xz-utils lz4 file
 cloop-src linux-headers-amd64 mmdebstrap uidmap e2fsprogs gdisk grub-common libcdio-utils
 grub-efi-amd64-bin shim-signed grub-efi-amd64-signed clang libclang-rt-14-dev python3
 pxelinux ipxe-qemu socat curl"
bench_pkgs="$test_pkgs mmdebstrap hyperfine time bc live-build strace"
demo_pkgs="qemu-system-x86 syslinux-common isolinux linux-image-amd64 busybox-static shim-signed grub-efi-amd64-signed"

case ${1:-all} in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
bench) want="$build_pkgs $bench_pkgs" ;;
demo) want="$build_pkgs $demo_pkgs" ;;
all) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
*) echo "usage: $0 build|test|bench|demo|all" >&2; exit 2 ;;
esac

missing=()
for p in $want; do
	case " ${missing[*]-} " in *" $p "*) continue ;; esac
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/mklive-apt.log 2>&1; then
		apt-get update >/dev/null 2>&1
		apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/mklive-apt.log 2>&1 || {
			echo "deps: apt-get install failed; see /tmp/mklive-apt.log" >&2
			tail -n 5 /tmp/mklive-apt.log >&2
			exit 1
		}
	fi
	exit 0
fi
echo "deps: missing Debian packages: ${missing[*]}" >&2
echo "deps: install them with: sudo apt-get install ${missing[*]}" >&2
[ "${1:-all}" = build ] && exit 1
echo "deps: tests that need them will report 'skipped'." >&2
exit 0
