#!/usr/bin/env bash
# Checks that a Go toolchain new enough to build umwb is there.
. "$(dirname "$0")/common.sh"
go=${1:-go}
command -v "$go" >/dev/null || [ -x "$go" ] ||
	die "Go is not installed: install Go 1.26 or newer and put it on PATH"
v=$("$go" env GOVERSION 2>/dev/null | sed 's/^go//')
major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}
if [ -z "$v" ] || [ "$major" -lt 1 ] || { [ "$major" = 1 ] && [ "$minor" -lt 21 ]; }; then
	die "Go ${v:-?} is too old: umwb needs Go 1.26 (Go 1.21 or newer fetches it by itself)"
fi
