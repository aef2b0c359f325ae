#!/usr/bin/env bash
# umwb's benchmarks (`make bench`): boot latency, umwb's CPU use with idle
# nodes, and console throughput under a flood, each beside the same
# kernel driven by hand. See bench/README.md for what the figures mean.
#
# Knobs (environment): BENCH_ONLY="boot idle flood" picks benchmarks;
# BENCH_BOOT_REPS, BENCH_IDLE_ROUNDS, BENCH_IDLE_SECS, BENCH_FLOOD_REPS,
# BENCH_FLOOD_BYTES change their sizes; BENCH_OUT=FILE keeps the results.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
only=${BENCH_ONLY:-boot idle flood}
command -v tmux >/dev/null || { echo "bench: tmux is needed (apt-get install tmux)" >&2; exit 1; }
[ -x bin/umwb ] || { echo "bench: bin/umwb is missing: run make bench" >&2; exit 1; }

# A short folder of our own: UMWB_RUN_DIR lives in it, and socket paths
# must stay under 108 bytes.
work=$(mktemp -d /tmp/umb.XXXXXX)
tm=umb$$
tmuxdir="${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)"

# Whatever happens, stop everything we started: our tmux servers first,
# then every process whose command line names the work folder (UML
# kernels and their guest processes, umwb, its guard, the bench itself
# if it is still there), by pid.
cleanup() {
	local s p cmd
	for s in "$tmuxdir/$tm"-*; do
		[ -S "$s" ] || continue
		tmux -L "${s##*/}" kill-server 2>/dev/null || true
		rm -f "$s"
	done
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
		case "$cmd" in *"$work"*) kill -KILL "${p#/proc/}" 2>/dev/null || true ;; esac
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$GO" build -o "$work/umwbench" ./bench/cmd/umwbench
results="$work/results.md"
{
	echo "## umwb benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	echo "- machine: $(nproc) CPUs, $model;" \
		"load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
	git diff --quiet HEAD 2>/dev/null || rev="$rev with local changes"
	cache=${UMWB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/umwb}
	echo "- umwb $rev; kernel $(readlink -f "${UMWB_KERNEL:-$cache/linux}"); $(tmux -V)"
	echo
} >"$results"

bench() {
	echo "bench: $1 ..." >&2
	"$work/umwbench" "$@" -umwb bin/umwb -work "$work" -tmux "$tm" >>"$results"
}
# A benchmark that fails is reported and fails the run; the others
# still run.
status=0
for b in $only; do
	case $b in
	boot) bench boot -reps "${BENCH_BOOT_REPS:-15}" || status=1 ;;
	idle) bench idle -reps "${BENCH_IDLE_ROUNDS:-2}" -secs "${BENCH_IDLE_SECS:-20}" || status=1 ;;
	flood) bench flood -reps "${BENCH_FLOOD_REPS:-3}" -bytes "${BENCH_FLOOD_BYTES:-2097152}" ||
		status=1 ;;
	*) echo "bench: unknown benchmark $b (boot, idle, flood)" >&2; status=2 ;;
	esac
done
echo "- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"

cat "$results"
if [ -n "${BENCH_OUT:-}" ]; then
	cp "$results" "$BENCH_OUT"
fi
exit $status
