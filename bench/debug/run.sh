#!/usr/bin/env bash
# Benchmark of umwb's kernel debugger: single-step rate against gdb and a
# plain ptrace loop, and pause latency. Standalone:
#
#   bench/debug/run.sh
#
# It builds umwb (make build) and two helpers (plainstep.c, enginebench/),
# boots one node headless in a temp folder, and measures in rounds; in each
# round every tool steps the same node's kernel from the same place (the
# first instruction of sys_getpid, reached by a breakpoint that the guest
# hits through `cat /proc/self/stat`, then removed), one tool after the
# other, so that the host's drift hits them all alike. Then it times pauses.
# It prints a Markdown summary; the raw rows go to $OUT when set.
#
# Knobs (environment): STEPS (instructions per measurement, 20000), BIG
# (a larger count for umwb and the plain loop, in the first round only,
# 100000; 0 skips), ROUNDS (3), PAUSES (20), GDB_CHUNK (stepi count per
# gdb command, 10000), MAX_SECS (no new round starts after this many
# seconds, 200: a loaded machine still finishes in about five minutes),
# KEEP=1 keeps the temp folder, OUT=FILE saves the rows.
set -euo pipefail

STEPS=${STEPS:-20000}
BIG=${BIG:-100000}
ROUNDS=${ROUNDS:-3}
PAUSES=${PAUSES:-20}
GDB_CHUNK=${GDB_CHUNK:-10000}
MAX_SECS=${MAX_SECS:-200}
NODE=node1

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KERNEL=${UMWB_KERNEL:-$HOME/.cache/umwb/linux}
START=$EPOCHREALTIME

for tool in gdb gcc; do
	command -v $tool >/dev/null || { echo "run.sh: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done
[ -e "$KERNEL" ] && [ -e "$HOME/.cache/umwb/root_fs" ] ||
	{ echo "run.sh: no kernel or root_fs in ~/.cache/umwb: run make kernel rootfs" >&2; exit 1; }

TMP=$(mktemp -d /tmp/umwbdb.XXXXXX)
export UMWB_RUN_DIR=$TMP/run
mkdir -p "$UMWB_RUN_DIR"
ROWS=$TMP/rows
: >"$ROWS"
UMWB=$ROOT/bin/umwb
UPID= KPID= GPID=
BG=()

# cleanup ends what this script started: gdb, trigger commands, umwb (which
# halts its node; the kernel also dies with umwb by its parent-death
# signal), then the kernel by its pid if it is somehow still there.
cleanup() {
	local rc=$?
	set +e
	[ -n "$GPID" ] && kill -9 "$GPID" 2>/dev/null
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$UPID" ] && kill -0 "$UPID" 2>/dev/null; then
		kill -TERM "$UPID"
		for _ in $(seq 50); do kill -0 "$UPID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$UPID" 2>/dev/null
	fi
	if [ -n "$KPID" ] && [ -r "/proc/$KPID/cmdline" ] &&
		tr '\0' ' ' <"/proc/$KPID/cmdline" | grep -q "uml_dir=$UMWB_RUN_DIR"; then
		kill -9 "$KPID"
	fi
	wait 2>/dev/null
	[ -n "${OUT:-}" ] && cp "$ROWS" "$OUT"
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ctl() { "$UMWB" ctl "$@"; }
# jget KEY: the first number or word value of "KEY" in JSON on stdin.
jget() { grep -o "\"$1\": *\"\{0,1\}[A-Za-z0-9_.]*" | head -1 | sed 's/.*: *"\{0,1\}//'; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
hex() { printf '%#x' "$1"; }
say() { echo "[$(elapsed "$START" "$(now)")s] $*" >&2; }
# procusage PID: CPU nanoseconds and context switches of all its threads.
procusage() {
	local t ns=0 cs=0 a
	for t in /proc/"$1"/task/*; do
		read -r a _ <"$t/schedstat" || continue
		ns=$((ns + a))
		cs=$((cs + $(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status")))
	done
	echo "$ns $cs"
}

# --- build -----------------------------------------------------------------
say "building"
make -C "$ROOT" -s build >/dev/null
gcc -O2 -Wall -pthread -o "$TMP/plainstep" "$HERE/plainstep.c"
(cd "$ROOT" && go build -o "$TMP/enginebench" ./bench/debug/enginebench)

# --- boot ------------------------------------------------------------------
printf 'name = "db"\n[[node]]\nname = "%s"\n' "$NODE" >"$TMP/cluster.toml"
"$UMWB" --headless "$TMP/cluster.toml" >"$TMP/umwb.log" 2>&1 &
UPID=$!
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl wait "$NODE" up --timeout 60
ctl run "$NODE" --timeout 30 -- true
KPID=$(ctl status --json | jget pid)
say "node up, kernel pid $KPID"

TRIGGER="'$UMWB' ctl run $NODE --timeout 30 -- 'cat /proc/self/stat' >/dev/null 2>&1"

# trigger starts the command that makes the guest call getpid.
trigger() {
	(sleep 0.2; eval "$TRIGGER") &
	BG+=($!)
	TPID=$!
}

# --- umwb ------------------------------------------------------------------

# umwb_step N ROUND: break, trigger, wait, delete, time `ctl step N`.
umwb_step() {
	local n=$1 round=$2 out id addr t0 t1 res reason pc steps ns0 ns1 cs0 cs1
	out=$(ctl break "$NODE" sys_getpid --json)
	id=$(jget id <<<"$out")
	addr=$(jget addr <<<"$out")
	ADDR=$(printf '%x' "$addr")
	trigger
	out=$(ctl wait-stop "$NODE" --timeout 20 --json)
	[ "$(jget reason <<<"$out")" = breakpoint ] && [ "$(jget pc <<<"$out")" = "$addr" ] ||
		{ echo "run.sh: umwb did not stop at sys_getpid: $out" >&2; exit 1; }
	ctl delete "$NODE" "$id"
	read -r ns0 cs0 < <(procusage "$UPID")
	t0=$(now)
	res=$(ctl step "$NODE" "$n" --json)
	t1=$(now)
	read -r ns1 cs1 < <(procusage "$UPID")
	reason=$(jget reason <<<"$res")
	pc=$(jget pc <<<"$res")
	steps=$n
	[ "$reason" = stepped ] || steps=0 # blocked: how far is not reported
	[ "$pc" != "$addr" ] || steps=0
	awk -v n="$steps" -v s="$(elapsed "$t0" "$t1")" -v r="$round" -v pc="$(hex "$pc")" \
		-v f="$(jget func <<<"$res")" -v rs="$reason" -v a="$(hex "$addr")" \
		-v ns=$((ns1 - ns0)) -v cs=$((cs1 - cs0)) \
		'BEGIN { printf "row tool=umwb variant=ctl-step rep=%d steps=%d secs=%.6f rate=%.0f rip0=%s rip1=%s func=%s reason=%s cpu_us=%.2f cs=%.2f\n", r, n, s, n / s, a, pc, f, rs, ns / 1e3 / n, cs / n }' >>"$ROWS"
}

umwb_round() {
	local round=$1 t0 t1 i
	umwb_step "$STEPS" "$round"
	if [ "$round" = 1 ]; then
		# One instruction per request, from where the big step ended:
		# over one socket connection, and as a new `umwb ctl` process
		# each.
		"$TMP/enginebench" ctlstep -node "$NODE" -steps 200 >>"$ROWS"
		t0=$(now)
		for i in $(seq 20); do ctl step "$NODE" 1 >/dev/null; done
		t1=$(now)
		awk -v s="$(elapsed "$t0" "$t1")" 'BEGIN { printf "row tool=umwb variant=ctl-step1 steps=20 secs=%.6f rate=%.0f\n", s, 20 / s }' >>"$ROWS"
	fi
	ctl cont "$NODE"
	wait "$TPID" || true
	if [ "$BIG" -gt 0 ] && [ "$round" = 1 ]; then
		umwb_step "$BIG" "$round"
		ctl cont "$NODE"
		wait "$TPID" || true
	fi
	ctl detach "$NODE"
}

# --- plain loop ------------------------------------------------------------

plain_row() { # VARIANT ROUND OUTPUT
	sed -n "s/^steps=/row tool=plain variant=$1 rep=$2 steps=/p" <<<"$3" >>"$ROWS"
}

plain_round() {
	local round=$1 out
	out=$("$TMP/plainstep" "$KPID" "$STEPS" "$ADDR" "$TRIGGER")
	plain_row c "$round" "$out"
	out=$(PLAINSTEP_SIGCHLD=1 "$TMP/plainstep" "$KPID" "$STEPS" "$ADDR" "$TRIGGER")
	plain_row c+sigchld "$round" "$out"
	if [ "$BIG" -gt 0 ] && [ "$round" = 1 ]; then
		out=$("$TMP/plainstep" "$KPID" "$BIG" "$ADDR" "$TRIGGER")
		plain_row c "$round" "$out"
	fi
}

# --- the engine without ctl ------------------------------------------------

go_round() {
	"$TMP/enginebench" engine -pid "$KPID" -addr "$ADDR" -trigger "$TRIGGER" \
		-steps "$STEPS" -reps 1 | sed "s/rep=1/rep=$1/" >>"$ROWS"
}

# --- gdb -------------------------------------------------------------------

# gdb_script LOCKING PERCOMMAND: a command file that runs to sys_getpid,
# steps STEPS instructions with `stepi GDB_CHUNK` commands, and, with
# PERCOMMAND, runs there again and steps them one `stepi` at a time in a
# `while` loop. Times come from gdb's Python.
gdb_script() {
	local locking=$1 percmd=$2 i
	cat <<EOF
set pagination off
set confirm off
set width 0
set height 0
handle SIGSEGV SIGALRM SIGIO SIGUSR1 SIGCHLD SIGWINCH nostop noprint pass
set scheduler-locking $locking
python
import os, time
def usage():
    ns = cs = 0
    for t in os.listdir('/proc/self/task'):
        try:
            with open('/proc/self/task/%s/schedstat' % t) as f:
                ns += int(f.read().split()[0])
            with open('/proc/self/task/%s/status' % t) as f:
                cs += sum(int(l.split()[1]) for l in f if 'ctxt_switches' in l)
        except OSError:
            pass
    return ns, cs
def row(variant, t0, pc0, u0):
    secs = time.perf_counter() - t0
    ns, cs = usage()
    print('GDBROW variant=%s steps=$STEPS secs=%.6f rip0=%#x rip1=%#x cpu_us=%.2f cs=%.2f' % (
        variant, secs, pc0, gdb.selected_frame().pc(),
        (ns - u0[0]) / 1e3 / $STEPS, (cs - u0[1]) / $STEPS))
end
break *0x$ADDR
shell (sleep 0.2; $TRIGGER) &
continue
delete
python u0 = usage(); pc0 = gdb.selected_frame().pc(); t0 = time.perf_counter()
EOF
	for ((i = 0; i < STEPS; i += GDB_CHUNK)); do
		echo "stepi $((STEPS - i < GDB_CHUNK ? STEPS - i : GDB_CHUNK))"
	done
	echo "python row('batch-$locking', t0, pc0, u0)"
	if [ "$percmd" = 1 ]; then
		cat <<EOF
break *0x$ADDR
shell (sleep 0.2; $TRIGGER) &
continue
delete
set \$i = 0
python u0 = usage(); pc0 = gdb.selected_frame().pc(); t0 = time.perf_counter()
while \$i < $STEPS
stepi
set \$i = \$i + 1
end
python row('percmd-$locking', t0, pc0, u0)
EOF
	fi
	echo "detach"
}

gdb_run() { # ROUND LOCKING PERCOMMAND
	gdb_script "$2" "$3" >"$TMP/cmds.gdb"
	SHELL=/bin/sh timeout 200 gdb -nx -batch -p "$KPID" -x "$TMP/cmds.gdb" >"$TMP/gdb.out" 2>&1 &
	GPID=$!
	wait "$GPID" || { echo "run.sh: gdb failed; its output:" >&2; tail -20 "$TMP/gdb.out" >&2; exit 1; }
	GPID=
	grep '^GDBROW' "$TMP/gdb.out" | awk -v r="$1" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "row tool=gdb variant=%s rep=%d steps=%d secs=%s rate=%.0f rip0=%s rip1=%s cpu_us=%s cs=%s\n",
			v["variant"], r, v["steps"], v["secs"], v["steps"] / v["secs"], v["rip0"], v["rip1"], v["cpu_us"], v["cs"] }' >>"$ROWS"
}

gdb_round() {
	gdb_run "$1" step 1
	# gdb's default lets the other threads run during each step.
	[ "$1" = 1 ] && gdb_run "$1" replay 0
	return 0
}

# --- rounds ----------------------------------------------------------------
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
	if [ "$round" -gt 1 ] && awk -v e="$(elapsed "$START" "$(now)")" -v m="$MAX_SECS" 'BEGIN { exit !(e > m) }'; then
		say "past $MAX_SECS s: no round $round"
		break
	fi
	say "round $round: umwb"; umwb_round "$round"
	say "round $round: plain loop"; plain_round "$round"
	say "round $round: engine without ctl"; go_round "$round"
	say "round $round: gdb"; gdb_round "$round"
done

# --- pause latency ---------------------------------------------------------
say "pause latency"
ctl pause "$NODE" >/dev/null # attaches; not counted
ctl cont "$NODE"
for i in $(seq "$PAUSES"); do
	sleep 0.1
	t0=$(now); ctl status >/dev/null; t1=$(now)
	ctl breaks "$NODE" >/dev/null; t2=$(now)
	ctl pause "$NODE" >/dev/null; t3=$(now)
	ctl cont "$NODE"
	awk -v i="$i" -v s="$(elapsed "$t0" "$t1")" -v b="$(elapsed "$t1" "$t2")" \
		-v p="$(elapsed "$t2" "$t3")" \
		'BEGIN { printf "row tool=ctl variant=pause rep=%d status_us=%.1f breaks_us=%.1f pause_us=%.1f us=%.1f us_breaks=%.1f\n", i, s * 1e6, b * 1e6, p * 1e6, (p - s) * 1e6, (p - b) * 1e6 }' >>"$ROWS"
done
"$TMP/enginebench" ctlpause -node "$NODE" -pauses "$PAUSES" >>"$ROWS"
ctl detach "$NODE"
"$TMP/enginebench" engine -pid "$KPID" -reps 0 -pauses "$PAUSES" >>"$ROWS"

say "done"
"$HERE/summary.sh" "$ROWS" "$STEPS" "$BIG"
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), host kernel $(uname -r); load average at the start $LOAD0, at the end $(cut -d" " -f1-3 /proc/loadavg); run took $(elapsed "$START" "$(now)") s"
