# Test trees shared by the interop and boot tests (sourced), and a manifest
# that compares trees by everything an image should keep.
#
#   make_tree_names DIR     names that need mangling: long, lower case,
#                           non-ASCII, colliding after 8.3/31-char mangling
#   make_tree_deep DIR N    a directory chain N levels deep with a file at the bottom
#   make_tree_links DIR     absolute, relative and dangling symlinks, a long
#                           symlink target, hard links (also across directories)
#   make_tree_special DIR   empty files, fifos, char/block devices (devices
#                           only as root), odd modes, set-uid, sticky dir
#   make_tree_sizes DIR BS  files of 0, 1, BS-1, BS, BS+1, 3*BS+7 bytes, a
#                           sparse file, duplicates
#   make_tree_many DIR N    N small files spread over N/100 directories
#   make_tree_xattrs DIR    files with user.* and security.capability xattrs
#   make_sparse FILE SIZE   a sparse file of SIZE bytes with data at both ends
#   make_random_names DIR   400 seeded random names (UTF-8, invalid bytes, up to 255) (perl)
#   make_random_symlinks DIR  200 seeded random symlink targets up to 1000 bytes (perl)
#   make_tree_all DIR       names + deep(12) + links + special + sizes(4096)
#   tree_manifest DIR [FIELDS]   one line per path:
#                           path type mode uid gid mtime size target rdev links
#                           (FIELDS: a cut -d'|' -f list to keep, default all)
#   tree_compare A B [FIELDS]    diff of the manifests plus diff -r of contents
set -u

fixed_time=1600000000

make_tree_names() {
	local d=$1
	mkdir -p "$d/names"
	: >"$d/names/README"
	echo lower >"$d/names/lowercase.txt"
	echo long >"$d/names/a-very-long-file-name-that-does-not-fit-in-eight-dot-three.txt"
	echo long2 >"$d/names/a-very-long-file-name-that-does-not-fit-in-eight-dot-three.dat"
	echo col1 >"$d/names/collision-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1"
	echo col2 >"$d/names/collision-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2"
	echo col3 >"$d/names/COLLISION-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-3"
	echo utf >"$d/names/grüße-ünïcödé-日本語.txt"
	echo dots >"$d/names/many.dots.in.the.name.tar.gz"
	echo nodot >"$d/names/no_extension_but_long_name"
	echo sp >"$d/names/with space and (parens)"
	echo lead >"$d/names/.hidden"
	echo x >"$d/names/UPPER.TXT"
	echo y >"$d/names/upper.txt"
	mkdir -p "$d/names/a-directory-with-a-long-name.d/sub.dir"
	echo in >"$d/names/a-directory-with-a-long-name.d/sub.dir/file"
	local long
	long=$(printf 'n%.0s' $(seq 1 200))
	echo long200 >"$d/names/$long"
}

make_tree_deep() {
	local d=$1 n=${2:-12} p i
	p="$d/deep"
	for ((i = 1; i <= n; i++)); do p="$p/level$i"; done
	mkdir -p "$p"
	echo "bottom of $n levels" >"$p/bottom.txt"
	echo mid >"$d/deep/level1/level2/level3/level4/level5/level6/level7/mid.txt"
}

make_tree_links() {
	local d=$1
	mkdir -p "$d/links/sub"
	echo target >"$d/links/target.txt"
	ln -s target.txt "$d/links/relative"
	ln -s /etc/hostname "$d/links/absolute"
	ln -s ../links/sub/../target.txt "$d/links/dotdot"
	ln -s does-not-exist "$d/links/dangling"
	ln -s sub "$d/links/dirlink"
	ln -s "$(printf 'x/%.0s' $(seq 1 150))end" "$d/links/longtarget"
	echo shared >"$d/links/hard1"
	ln "$d/links/hard1" "$d/links/hard2"
	ln "$d/links/hard1" "$d/links/sub/hard3"
}

make_tree_special() {
	local d=$1
	mkdir -p "$d/special/sticky"
	: >"$d/special/empty"
	: >"$d/special/empty2"
	mkfifo "$d/special/fifo"
	echo exe >"$d/special/setuid"
	chmod 4755 "$d/special/setuid"
	echo ro >"$d/special/readonly"
	chmod 0400 "$d/special/readonly"
	chmod 1777 "$d/special/sticky"
	if [ "$(id -u)" = 0 ]; then
		mknod "$d/special/null" c 1 3
		mknod "$d/special/loop7" b 7 7
		mknod "$d/special/bigdev" c 300 70000
		chown 1234:5678 "$d/special/readonly"
	fi
}

make_tree_sizes() {
	local d=$1 bs=${2:-4096}
	mkdir -p "$d/sizes"
	: >"$d/sizes/zero"
	printf x >"$d/sizes/one"
	head -c $((bs - 1)) /dev/urandom >"$d/sizes/block-1"
	head -c "$bs" /dev/urandom >"$d/sizes/block"
	head -c $((bs + 1)) /dev/urandom >"$d/sizes/block+1"
	head -c $((3 * bs + 7)) /dev/urandom >"$d/sizes/three-blocks+7"
	cp "$d/sizes/block+1" "$d/sizes/duplicate-of-block+1"
	yes compressible | head -c $((5 * bs)) >"$d/sizes/compressible"
	make_sparse "$d/sizes/sparse" $((8 * bs + 3))
}

make_sparse() {
	local f=$1 size=$2
	printf 'start' >"$f"
	truncate -s "$size" "$f"
	printf 'end' | dd of="$f" bs=1 seek=$((size - 3)) conv=notrunc status=none
}

make_tree_many() {
	local d=$1 n=${2:-10000} i
	mkdir -p "$d/many"
	for ((i = 0; i < n / 100 + 1; i++)); do mkdir -p "$d/many/d$i"; done
	for ((i = 0; i < n; i++)); do echo "file $i" >"$d/many/d$((i / 100))/f$i"; done
}

make_tree_xattrs() {
	local d=$1
	mkdir -p "$d/xattrs"
	echo ping >"$d/xattrs/ping"
	echo plain >"$d/xattrs/plain"
	setfattr -n user.comment -v "hello world" "$d/xattrs/plain"
	setfattr -n user.empty "$d/xattrs/plain" 2>/dev/null || true
	setfattr -n user.dir -v 1 "$d/xattrs"
	if [ "$(id -u)" = 0 ]; then
		# cap_net_raw+ep, as Debian's iputils-ping carries it
		setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= "$d/xattrs/ping"
	fi
}

make_random_names() {
	perl - "$1" <<'PERL'
# Random file names: ASCII (without '/' and '|'), UTF-8 é and 日, invalid bytes;
# lengths 1..255; in three directories. Deterministic (seeded).
srand(42);
my $top = $ARGV[0];
my @dirs = ($top, "$top/sub", "$top/sub/deeper");
mkdir $_ for @dirs[1..2];
for my $i (1..400) {
	my $len = 1 + int(rand($i % 5 == 0 ? 255 : 40));
	my $n = "";
	while (length($n) < $len) {
		my $r = rand();
		if ($r < 0.6) { $n .= chr(32 + int(rand(95))); }
		elsif ($r < 0.8) { $n .= "\xc3\xa9"; }
		elsif ($r < 0.9) { $n .= "\xe6\x97\xa5"; }
		else { $n .= chr(128 + int(rand(128))); }
	}
	$n =~ s{[/|]}{_}g;
	$n = substr($n, 0, 255);
	next if $n eq "." || $n eq "..";
	open(my $f, ">", "$dirs[$i % 3]/$n") or next;
	print $f "file $i\n";
	close $f;
}
PERL
}

make_random_symlinks() {
	perl - "$1" <<'PERL'
# Random symbolic link targets up to 1000 bytes: absolute or relative, "."
# and "..", one-letter and 248..255-letter components, "//", a trailing '/'.
srand(7);
my $top = $ARGV[0];
for my $i (1..200) {
	my @c;
	for (1 .. 1 + int(rand(30))) {
		my $r = rand();
		if ($r < 0.1) { push @c, (rand() < 0.5 ? "." : ".."); next; }
		if ($r < 0.15) { push @c, ""; next; }
		my $l = $r < 0.4 ? 1 : ($r < 0.55 ? 248 + int(rand(8)) : 1 + int(rand(30)));
		push @c, join("", map { chr(97 + int(rand(26))) } 1 .. $l);
	}
	my $t = (rand() < 0.3 ? "/" : "") . join("/", @c) . (rand() < 0.1 ? "/" : "");
	$t = substr($t, 0, 1000);
	$t = "x" if $t eq "" || $t eq "/";
	symlink($t, "$top/l$i") or die "$top/l$i: $!";
}
PERL
}

make_tree_all() {
	local d=$1
	mkdir -p "$d"
	make_tree_names "$d"
	make_tree_deep "$d" 12
	make_tree_links "$d"
	make_tree_special "$d"
	make_tree_sizes "$d" 4096
	find "$d" -exec touch -h -d "@$fixed_time" {} +
}

# path|type|mode|uid|gid|mtime|size|target|rdev|links
tree_manifest() {
	local dir=$1 fields=${2:-1-}
	(cd "$dir" && find . -mindepth 1 -printf '%P|%y|%m|%U|%G|%T@|%s|%l|%i|%n\n' | LC_ALL=C sort) |
	while IFS='|' read -r p y m u g t s l i n; do
		local rdev=- sz=$s
		case $y in
		b|c) rdev=$(stat -c '%t:%T' "$dir/$p") ;;
		d) sz=- ;;
		esac
		t=${t%%.*}
		echo "$p|$y|$m|$u|$g|$t|$sz|$l|$rdev|$n|$i"
	done | awk -F'|' 'BEGIN{OFS="|"} { if ($2 != "d" && $10 > 1) { if (!($11 in first)) first[$11] = $1; $10 = $10 "@" first[$11] } NF = 10; print }' |
	cut -d'|' -f "$fields"
}

tree_compare() {
	local a=$1 b=$2 fields=${3:-1-} out
	diff <(tree_manifest "$a" "$fields") <(tree_manifest "$b" "$fields") || return 1
	out=$(diff -r --no-dereference "$a" "$b" 2>&1 | grep -v -e 'fifo' -e 'character special' -e 'block special')
	[ -z "$out" ] || { echo "$out" | head -n 20; return 1; }
}
