# Shared helpers for umwb's build scripts. Source it; do not run it.

set -euo pipefail

UMWB_CACHE="${UMWB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/umwb}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$UMWB_CACHE"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'umwb: %s\n' "$*" >&2; exit 1; }

# sudo_maybe runs a command as root: directly when we are root, through
# sudo when it is available, and otherwise fails.
sudo_maybe() {
	if [ "$(id -u)" = 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else return 1
	fi
}
