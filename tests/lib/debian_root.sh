#!/usr/bin/env bash
# The Debian root the acceptance tests boot: a tarball made once by
#   mmdebstrap --variant=minbase --include=linux-image-amd64,systemd-sysv,udev,kmod,sudo,locales,iproute2 bookworm
# and kept between test runs, since it takes minutes and about 700 MB.
#
#   debian_root.sh          prints the path of the tarball (making it if needed)
#   debian_root.sh NAME PKG,PKG,...
#                           the same for another root: NAME.tar with these
#                           packages included instead (the desktop test's)
#
# The cache is per machine and survives `make clean`, so every checkout on the
# machine shares one download:
#   $MKLIVE_TEST_CACHE                      if set
#   /var/cache/mklive-tests                 when that is writable (root)
#   ${XDG_CACHE_HOME:-~/.cache}/mklive-tests otherwise
# Delete bookworm-live.tar (or NAME.tar) there to fetch a fresh one.
# Parallel tests wait on one lock for a single download. Exits 77 (skip)
# with the reason on stderr when the tarball cannot be made here (no
# mmdebstrap, neither root nor user namespaces with /etc/subuid, no space),
# and 1 when mmdebstrap fails (its last lines on stderr).
set -u
name=${1:-bookworm-live}
include=${2:-linux-image-amd64,systemd-sysv,udev,kmod,sudo,locales,iproute2}
case $name in
*/* | .* | '') echo "debian_root: bad name '$name'" >&2; exit 1 ;;
esac

if [ -n "${MKLIVE_TEST_CACHE:-}" ]; then
	cache=$MKLIVE_TEST_CACHE
elif mkdir -p /var/cache/mklive-tests 2>/dev/null && [ -w /var/cache/mklive-tests ]; then
	cache=/var/cache/mklive-tests
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/mklive-tests
fi
tar=$cache/$name.tar
mkdir -p "$cache" || { echo "cannot create $cache" >&2; exit 77; }

# A hit needs no tool and no lock: the tarball only appears by rename.
if [ -s "$tar" ]; then echo "$tar"; exit 0; fi

command -v mmdebstrap >/dev/null || { echo "needs mmdebstrap from the Debian package mmdebstrap" >&2; exit 77; }
if [ "$(id -u)" != 0 ] && ! grep -q "^$(id -un):" /etc/subuid 2>/dev/null; then
	echo "needs root, or an /etc/subuid and /etc/subgid entry for $(id -un) (mmdebstrap's unshare mode)" >&2
	exit 77
fi

exec 9>"$cache/$name.lock"
flock 9
if [ -s "$tar" ]; then echo "$tar"; exit 0; fi # made while we waited

avail=$(df -Pk "$cache" | awk 'NR == 2 { print $4 }')
if [ "${avail:-0}" -lt $((2 * 1024 * 1024)) ]; then
	echo "needs 2 GB free in $cache for the Debian root (has $((avail / 1024)) MB)" >&2
	exit 77
fi

tmp=$cache/.$name.tar.tmp.$$
log=$cache/$name.log
trap 'rm -f "$tmp"' EXIT
start=$SECONDS
echo "debian_root: making $tar (mmdebstrap, a few minutes; log in $log)" >&2
if ! mmdebstrap --variant=minbase --include="$include" --format=tar bookworm "$tmp" >"$log" 2>&1; then
	echo "debian_root: mmdebstrap failed; last lines of $log:" >&2
	tail -n 15 "$log" >&2
	exit 1
fi
mv "$tmp" "$tar"
echo "debian_root: made $tar in $((SECONDS - start)) s ($(du -m "$tar" | cut -f1) MB)" >&2
echo "$tar"
