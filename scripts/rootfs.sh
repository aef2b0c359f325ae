#!/usr/bin/env bash
# Builds the nodes' shared root file system, an ext4 image made without
# root privileges (mke2fs -d) from Debian's static busybox and the files in
# assets/rootfs. Extra files (built guest tools) may be passed as
# arguments; they land in /bin. The image is cached by content:
#
#   $UMWB_CACHE/rootfs/<hash>/root_fs
#   $UMWB_CACHE/root_fs -> the newest of those
. "$(dirname "$0")/common.sh"

bb=/bin/busybox
[ -x "$bb" ] && ! readelf -l "$bb" 2>/dev/null | grep -q 'program interpreter' ||
	die "a static busybox is needed at $bb: apt-get install busybox-static"

# The key hashes contents (and names inside the tree), never absolute
# paths, so every clone shares it.
hash=$( { cat "$bb" "$0"; (cd "$REPO/assets/rootfs" && find . -type f | sort | xargs sha256sum);
	for f in "$@"; do cat "$f"; done; } | sha256sum | cut -c1-12)
out="$UMWB_CACHE/rootfs/$hash"
if [ -f "$out/root_fs" ]; then
	ln -sfn "$out/root_fs" "$UMWB_CACHE/root_fs"
	exit 0
fi

say "building root_fs $hash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,mnt,var/log}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
for applet in $("$bb" --list-full); do
	[ "$applet" = bin/busybox ] && continue
	ln -sf /bin/busybox "$root/$applet"
done
cp -a "$REPO/assets/rootfs/." "$root/"
for f in "$@"; do cp "$f" "$root/bin/"; done

mkdir -p "$out"
mke2fs -q -t ext4 -d "$root" -L umwb-root "$out/root_fs.tmp" 128M >/dev/null
mv "$out/root_fs.tmp" "$out/root_fs"
ln -sfn "$out/root_fs" "$UMWB_CACHE/root_fs"
say "root_fs ready: $out/root_fs"
