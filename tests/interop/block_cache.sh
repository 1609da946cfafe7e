#!/usr/bin/env bash
# The block cache never changes the bytes of a build: entries that were
# appended to or had their flag byte flipped are misses, for every codec,
# and the rebuild equals a --no-cache build byte for byte.
source "$TESTS_DIR/lib/common.sh"
build_test_setup

mkdir -p root/sbin root/etc root/bin
cp /bin/busybox root/bin/busybox && ln -sf /bin/busybox root/sbin/init
head -c 600000 /dev/urandom | base64 >root/etc/text.txt
head -c 300000 /dev/urandom >root/etc/random.bin # stored raw: does not compress

# tamper HOW: every entry of the cache, in place
tamper() {
	find cache/blocks -type f | while read -r f; do
		case $1 in
		append) printf 'x' >>"$f" ;;
		flag) python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[0]^=1; open(p,"wb").write(b)' "$f" ;;
		esac
	done
}

for c in gzip xz zstd lz4; do
	rm -rf cache
	b=(build -q --kernel "$kernel" --root root --compression "$c")
	"$MKLIVE" "${b[@]}" --no-cache -o ref-$c.iso || { t_fail cache-$c "the --no-cache build failed"; continue; }
	"$MKLIVE" "${b[@]}" --cache-dir cache -o fill-$c.iso
	n=$(find cache/blocks -type f | wc -l)
	[ "$n" -gt 0 ] || { t_fail cache-$c "no entries in the cache"; continue; }
	cmp -s ref-$c.iso fill-$c.iso && t_pass cache-$c-fill-same || t_fail cache-$c-fill-same
	for how in append flag; do
		tamper $how
		"$MKLIVE" "${b[@]}" --cache-dir cache -o $how-$c.iso
		cmp -s ref-$c.iso $how-$c.iso && t_pass cache-$c-$how-same-bytes ||
			t_fail cache-$c-$how-same-bytes "$n entries tampered ($how), the rebuild differs from --no-cache"
	done
	# the cache still works after the tampered entries were replaced
	"$MKLIVE" "${b[@]}" -v --cache-dir cache -o again-$c.iso 2>again-$c.log
	grep -q 'block cache: [1-9][0-9]* blocks reused, 0 compressed' again-$c.log && cmp -s ref-$c.iso again-$c.iso &&
		t_pass cache-$c-reused || t_fail cache-$c-reused "$(grep 'block cache' again-$c.log)"
done
t_done
