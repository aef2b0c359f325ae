package main

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// bareStepWait single-steps tid and waits for it with RawSyscall6: the
// thread keeps its P, and the scheduler never hears of the system calls.
// Owner thread only.
func bareStepWait(tid int) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SINGLESTEP,
		uintptr(tid), 0, 0, 0, 0)
	if e != 0 {
		return ws, fmt.Errorf("raw step: singlestep: %w", e)
	}
	for {
		_, _, e := unix.RawSyscall6(unix.SYS_WAIT4, uintptr(tid),
			uintptr(unsafe.Pointer(&ws)), unix.WALL, 0, 0, 0)
		switch e {
		case 0:
			return ws, nil
		case unix.EINTR:
			continue
		}
		return ws, fmt.Errorf("raw step: wait: %w", e)
	}
}
