#!/usr/bin/env bash
# Builds umwb's User-Mode Linux kernel from Debian's linux-source 7.x
# package, with the option fragment in assets/kernel/uml.config, and caches
# the result outside the repository:
#
#   $UMWB_CACHE/kernel/<source version>-<fragment hash>/linux
#   $UMWB_CACHE/linux -> the newest of those
#
# The source package is fetched with a private apt configuration, so the
# system's sources are never touched. Set UMWB_KERNEL_TREE to a kernel tree
# of your own to build that instead.
. "$(dirname "$0")/common.sh"

frag="$REPO/assets/kernel/uml.config"
# The key hashes the fragment's contents (never paths, so every clone
# shares it) and KEY_VERSION, raised when a change to this script changes
# the kernel it builds.
KEY_VERSION=1
fraghash=$( { cat "$frag"; echo "$KEY_VERSION"; } | sha256sum | cut -c1-12)
apt_dir="$UMWB_CACHE/apt"
src_dir="$UMWB_CACHE/src"

# apt_private runs apt-get with a sources list of its own.
apt_private() {
	apt-get -q -o Dir::Etc::sourcelist="$apt_dir/sources.list" \
		-o Dir::Etc::sourceparts=- -o Dir::State::Lists="$apt_dir/lists" \
		-o Dir::Cache="$apt_dir/cache" -o Dir::State::status=/var/lib/dpkg/status \
		-o APT::Get::List-Cleanup=0 "$@"
}

# fetch_source downloads the newest linux-source-7.x package offered by
# Debian's trixie-backports or sid suites and prints the .deb's path.
fetch_source() {
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$src_dir"
	local mirror
	mirror=$(sed -n 's/^URIs: *\(.*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
	[ -n "$mirror" ] || die "cannot find a Debian mirror in the apt configuration"
	cat >"$apt_dir/sources.list" <<SRC
deb $mirror trixie-backports main
deb $mirror sid main
SRC
	say "looking up linux-source 7.x (private apt lists in $apt_dir)"
	apt_private update >"$apt_dir/update.log" 2>&1 || true
	local pkg
	pkg=$(apt-cache -o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" \
		pkgnames linux-source-7 2>/dev/null | sort -V | tail -1)
	[ -n "$pkg" ] || die "no linux-source-7.x package found; see $apt_dir/update.log"
	say "downloading $pkg"
	(cd "$src_dir" && apt_private download "$pkg" >&2) || die "download of $pkg failed"
	ls -t "$src_dir"/"$pkg"_*.deb | head -1
}

if [ -n "${UMWB_KERNEL_TREE:-}" ]; then
	tree="$UMWB_KERNEL_TREE"
	ver="tree-$(basename "$tree")"
else
	deb=$(ls -t "$src_dir"/linux-source-7*.deb 2>/dev/null | head -1 || true)
	[ -n "$deb" ] || deb=$(fetch_source)
	ver=$(dpkg-deb -f "$deb" Version)
	tree="$src_dir/linux-$ver"
	if [ ! -f "$tree/Makefile" ]; then
		say "unpacking $(basename "$deb")"
		rm -rf "$tree.tmp" && mkdir -p "$tree.tmp"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tree.tmp" --wildcards './usr/src/linux-source-*.tar.xz'
		tar -xJf "$tree.tmp"/usr/src/linux-source-*.tar.xz -C "$tree.tmp"
		rm -f "$tree.tmp"/usr/src/linux-source-*.tar.xz
		mv "$tree.tmp"/linux-source-* "$tree" && rm -rf "$tree.tmp"
	fi
fi

out="$UMWB_CACHE/kernel/$ver-$fraghash"
if [ -x "$out/linux" ]; then
	ln -sfn "$out/linux" "$UMWB_CACHE/linux"
	exit 0
fi

build="$UMWB_CACHE/build/$ver-$fraghash"
mkdir -p "$build"
# One build at a time: a second `make` waits for the first, then finds its
# kernel ready.
exec 9>"$UMWB_CACHE/kernel.lock"
if ! flock -n 9; then
	say "another kernel build is running; waiting for it"
	flock 9
fi
if [ -x "$out/linux" ]; then
	ln -sfn "$out/linux" "$UMWB_CACHE/linux"
	exit 0
fi
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
export CCACHE_DIR="${CCACHE_DIR:-$UMWB_CACHE/ccache}"

say "configuring UML kernel $ver (fragment $fraghash) in $build"
make -s -C "$tree" O="$build" ARCH=um defconfig >/dev/null
args=()
while read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	name=${line%%=*}; val=${line#*=}
	name=${name#CONFIG_}
	case "$val" in
	y) args+=(--enable "$name") ;;
	n) args+=(--disable "$name") ;;
	*) args+=(--set-val "$name" "$val") ;;
	esac
done <"$frag"
"$tree/scripts/config" --file "$build/.config" "${args[@]}"
make -s -C "$tree" O="$build" ARCH=um olddefconfig >/dev/null
# Check that every option the fragment asks for survived olddefconfig.
while read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	name=${line%%=*}; val=${line#*=}
	if [ "$val" = n ]; then
		! grep -q "^$name=y" "$build/.config" || die "kernel config: $name stayed enabled"
	else
		grep -q "^$name=$val" "$build/.config" || die "kernel config: $name=$val was not accepted (a dependency is missing)"
	fi
done <"$frag"

jobs=$(( $(nproc) + 1 ))
say "building UML kernel with $jobs jobs (about 4 minutes on 2 cores from a cold cache)"
start=$(date +%s)
# Show one progress line per 200 compiled files rather than every file.
# build runs make, showing one progress line per 200 compiled files.
build() {
	make -C "$tree" O="$build" ARCH=um -j"$jobs" CC="$cc" linux 2>"$build/build.err" |
		awk '/^  (CC|LD|AR)/ { n++; if (n % 200 == 0) { printf "    %d files compiled, %ds\n", n, systime() - '"$start"'; fflush() } }' >&2 ||
		true
}
build
if [ ! -x "$build/linux" ] && [ "$cc" != gcc ]; then
	# A compiler cache entry left by an interrupted build can lack its
	# dependency file; compile again, refreshing the cache.
	say "kernel build failed; trying again with the compiler cache refreshed"
	CCACHE_RECACHE=1 build
fi
[ -x "$build/linux" ] || { tail -30 "$build/build.err" >&2; die "kernel build failed; full log: $build/build.err"; }

mkdir -p "$out"
cp "$build/linux" "$out/linux.tmp" && mv "$out/linux.tmp" "$out/linux"
cp "$build/.config" "$out/config"
echo "$tree" >"$out/tree"
ln -sfn "$out/linux" "$UMWB_CACHE/linux"
# Build trees of other keys are stale: each is gigabytes.
for old in "$UMWB_CACHE"/build/*; do
	[ "$old" = "$build" ] || rm -rf "$old"
done
say "kernel ready: $out/linux ($(( $(date +%s) - start ))s)"
