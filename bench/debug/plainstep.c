/*
 * plainstep: the ceiling for single-stepping a UML kernel with ptrace.
 *
 *   plainstep PID N [ADDR TRIGGER]
 *
 * Seizes and interrupts the kernel's main thread only (PID), optionally
 * plants an int3 at ADDR (hex), runs `sh -c TRIGGER` and continues until
 * the trap, passing UML's signals through; then takes the int3 out and
 * times N rounds of PTRACE_SINGLESTEP + waitpid, nothing else per step.
 * Signals that arrive while stepping are held back and delivered on
 * detach, as umwb does. A step that waits more than 2 s in a blocking
 * host system call is stopped with SIGSTOP by a watchdog thread that
 * looks at a progress counter (no per-step cost).
 *
 * With PLAINSTEP_SIGCHLD=1 in the environment it installs an empty
 * SIGCHLD handler first, as a Go program has one: then every ptrace stop
 * of the tracee also delivers a signal to the tracer.
 *
 * Prints one line: key=value pairs (steps, secs, rate, rip0, rip1, held,
 * blocked, and this process's CPU time and context switches per step).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

static pid_t pid;
static volatile long progress;
static volatile int kicked, done;
static pid_t trigger_pid;

/* usage returns this process's CPU seconds and context switches. */
static double usage(long *switches)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*switches = ru.ru_nvcsw + ru.ru_nivcsw;
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "plainstep: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The held-back signals, delivered on detach. */
static int held[64], nheld;

static void hold(int sig)
{
	for (int i = 0; i < nheld; i++)
		if (held[i] == sig)
			return;
	if (nheld < 64)
		held[nheld++] = sig;
}

static int is_event_stop(int st)
{
	return WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_STOP;
}

static void *watchdog(void *arg)
{
	long last = -1;
	double since = now();

	(void)arg;
	while (!done) {
		usleep(250000);
		if (progress != last) {
			last = progress;
			since = now();
		} else if (!kicked && now() - since > 2.0) {
			kicked = 1;
			syscall(SYS_tgkill, pid, pid, SIGSTOP);
		}
	}
	return NULL;
}

static uint64_t rip(void)
{
	struct user_regs_struct r;
	if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
		die("getregs");
	return r.rip;
}

/* Continues until the int3 at addr traps, passing other signals. */
static void run_to(uint64_t addr, const char *trigger)
{
	errno = 0;
	long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)addr, 0);
	if (errno)
		die("peektext");
	long patched = (word & ~0xffL) | 0xcc;
	if (ptrace(PTRACE_POKETEXT, pid, (void *)addr, (void *)patched) < 0)
		die("poketext");

	pid_t t = fork();
	if (t < 0)
		die("fork");
	if (t == 0) {
		execl("/bin/sh", "sh", "-c", trigger, (char *)NULL);
		_exit(127);
	}
	int sig = 0;
	for (;;) {
		if (ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig) < 0)
			die("cont");
		int st;
		if (waitpid(pid, &st, __WALL) < 0)
			die("waitpid");
		if (!WIFSTOPPED(st)) {
			fprintf(stderr, "plainstep: kernel ended\n");
			exit(1);
		}
		sig = 0;
		if (is_event_stop(st))
			continue;
		if (WSTOPSIG(st) == SIGTRAP) {
			struct user_regs_struct r;
			if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
				die("getregs");
			if (r.rip == addr + 1) {
				r.rip = addr;
				if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0)
					die("setregs");
				break;
			}
		}
		sig = WSTOPSIG(st);
	}
	if (ptrace(PTRACE_POKETEXT, pid, (void *)addr, (void *)word) < 0)
		die("poketext");
	trigger_pid = t;
}

static void on_sigchld(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: plainstep PID N [ADDR TRIGGER]\n");
		return 2;
	}
	pid = atoi(argv[1]);
	const char *sc = getenv("PLAINSTEP_SIGCHLD");
	if (sc && strcmp(sc, "1") == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigchld;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGCHLD, &sa, NULL);
	}
	long n = atol(argv[2]);

	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		die("seize");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
		die("interrupt");
	for (;;) {
		int st;
		if (waitpid(pid, &st, __WALL) < 0)
			die("waitpid");
		if (is_event_stop(st))
			break;
		hold(WSTOPSIG(st));
		/* A signal overtook the interrupt: its stop comes next. */
		if (ptrace(PTRACE_CONT, pid, 0, 0) < 0)
			die("cont");
	}
	if (argc == 5) {
		nheld = 0; /* run_to passes signals on; none is lost */
		run_to(strtoull(argv[3], NULL, 16), argv[4]);
	}

	pthread_t wd;
	pthread_create(&wd, NULL, watchdog, NULL);
	uint64_t rip0 = rip();
	long steps = 0, cs0, cs1;
	double cpu0 = usage(&cs0);
	double t0 = now();
	while (steps < n) {
		int st;
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0)
			die("singlestep");
		if (waitpid(pid, &st, __WALL) < 0)
			die("waitpid");
		if (!WIFSTOPPED(st)) {
			fprintf(stderr, "plainstep: kernel ended\n");
			return 1;
		}
		int sig = WSTOPSIG(st);
		if (sig == SIGTRAP && !is_event_stop(st)) {
			steps++;
			progress = steps;
		} else if (sig == SIGSTOP && kicked) {
			break;
		} else if (!is_event_stop(st)) {
			hold(sig);
		}
	}
	double secs = now() - t0;
	double cpu = usage(&cs1) - cpu0;
	done = 1;
	uint64_t rip1 = rip();

	int first = nheld > 0 ? held[0] : 0;
	for (int i = 1; i < nheld; i++)
		syscall(SYS_tgkill, pid, pid, held[i]);
	if (ptrace(PTRACE_DETACH, pid, 0, (void *)(long)first) < 0)
		die("detach");
	pthread_join(wd, NULL);
	if (trigger_pid > 0)
		waitpid(trigger_pid, NULL, 0);
	printf("steps=%ld secs=%.6f rate=%.0f rip0=%#llx rip1=%#llx held=%d blocked=%d"
	       " cpu_us=%.2f cs=%.2f\n",
	       steps, secs, steps / secs, (unsigned long long)rip0,
	       (unsigned long long)rip1, nheld, kicked,
	       steps ? cpu * 1e6 / steps : 0, steps ? (double)(cs1 - cs0) / steps : 0);
	return 0;
}
