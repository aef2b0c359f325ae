#!/usr/bin/env bash
# Installs the Debian packages umwb's build and tests need, when missing.
# Prints what to install when it cannot install them itself.
. "$(dirname "$0")/common.sh"

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
for p in flex bison bc gcc make ccache busybox-static e2fsprogs xz-utils \
	tmux gdb libelf-dev binutils; do
	have "$p" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0

say "installing Debian packages: ${need[*]}"
if sudo_maybe true 2>/dev/null; then
	sudo_maybe env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	sudo_maybe env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
		|| die "apt-get install failed; install these by hand: ${need[*]}"
else
	die "cannot install packages without root; please run: sudo apt-get install ${need[*]}"
fi
