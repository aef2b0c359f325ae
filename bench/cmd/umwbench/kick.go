package main

import (
	"syscall"
	"time"
)

// kickEvery is how often the kicker signals a flooding kernel.
const kickEvery = time.Millisecond

// kick sends SIGIO to the kernel pid every kickEvery until stop is
// closed.
//
// Why: a UML kernel writing its console to a pty stalls under a flood.
// When the pty is full its write fails with EAGAIN and the kernel waits
// for the host's SIGIO saying the pty is writable again. The host sends
// that SIGIO once, and often at a moment when the pty is not writable
// yet; the edge-triggered epoll the kernel then asks reports nothing, and
// no further SIGIO comes. The console stays stuck until anything else
// makes the kernel look at its epoll set again (a typed key does). That
// stall is the same whoever reads the pty, so it would hide the reader's
// speed; a SIGIO every millisecond makes the kernel look again, so the
// reader is what limits the flood. Only ever kick a kernel that has
// booted: before UML installs its handler, SIGIO kills it.
func kick(pid int, stop <-chan struct{}) {
	t := time.NewTicker(kickEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if syscall.Kill(pid, syscall.SIGIO) != nil {
				return
			}
		}
	}
}
