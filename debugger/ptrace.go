package debugger

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Small wrappers around the ptrace requests x/sys/unix lacks in the form
// needed here. Each must run on the owner thread.

const (
	ptraceOExitKill  = 0x100000 // PTRACE_O_EXITKILL
	ptraceOTraceExec = 0x10     // PTRACE_O_TRACEEXEC
	eventExec        = 4        // PTRACE_EVENT_EXEC, in status>>16
	eventStop        = 128      // PTRACE_EVENT_STOP, in status>>16

	// seizeOptions: the kernel dies with its tracer rather than run on
	// with our breakpoints in it, and its exec (UML re-executes itself
	// at start-up and to reboot) is reported so breakpoints can be
	// planted again in the new image.
	seizeOptions = ptraceOExitKill | ptraceOTraceExec
)

func seize(tid int, opts int) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(tid), 0, uintptr(opts), 0, 0)
	return errnoErr(e)
}

func cont(tid int, sig unix.Signal) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_CONT, uintptr(tid), 0, uintptr(sig), 0, 0)
	return errnoErr(e)
}

func singlestep(tid int, sig unix.Signal) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SINGLESTEP, uintptr(tid), 0, uintptr(sig), 0, 0)
	return errnoErr(e)
}

func detach(tid int, sig unix.Signal) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_DETACH, uintptr(tid), 0, uintptr(sig), 0, 0)
	return errnoErr(e)
}

func tgkill(pid, tid int, sig unix.Signal) error {
	return unix.Tgkill(pid, tid, sig)
}

// waitTid waits for one thread. With block false it returns (0, ...) at
// once when the thread has nothing to report.
func waitTid(tid int, block bool) (int, unix.WaitStatus, error) {
	var ws unix.WaitStatus
	flags := unix.WALL
	if !block {
		flags |= unix.WNOHANG
	}
	for {
		got, err := unix.Wait4(tid, &ws, flags, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return got, ws, err
	}
}

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// isExecStop reports the stop after the tracee executed a new image.
func isExecStop(ws unix.WaitStatus) bool {
	return ws.Stopped() && int(ws)>>16 == eventExec
}

// isEventStop reports a PTRACE_EVENT_STOP: an interrupt or group stop.
func isEventStop(ws unix.WaitStatus) bool {
	return ws.Stopped() && int(ws)>>16 == eventStop
}
