//go:build linux

package console

import (
	"fmt"
	"os"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// openPTY opens a pty pair of the given size. The master it returns is
// non-blocking and registered with Go's poller, so that closing it wakes a
// goroutine blocked in Read or Write; creack/pty hands back a master in
// blocking mode, where a pending Read would outlive Close.
func openPTY(cols, rows int) (master, slave *os.File, err error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	defer m.Close() // the duplicate below replaces it
	ws := &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}
	if err := pty.Setsize(s, ws); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("open pty: set size: %w", err)
	}

	// m is already in blocking mode (creack/pty called Fd on it), so Fd
	// costs nothing more here.
	fd, err := unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("open pty: dup master: %w", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		s.Close()
		return nil, nil, fmt.Errorf("open pty: set master non-blocking: %w", err)
	}
	// os.NewFile sees O_NONBLOCK and puts the descriptor into the poller.
	return os.NewFile(uintptr(fd), m.Name()), s, nil
}

// setWinsize sets the pty's window size through the master, which makes the
// kernel send SIGWINCH to the slave's foreground process group. It must not
// call f.Fd, which would put the master back into blocking mode.
func setWinsize(f *os.File, cols, rows int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	ws := &unix.Winsize{Col: uint16(cols), Row: uint16(rows)}
	var ioErr error
	err = rc.Control(func(fd uintptr) {
		ioErr = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws)
	})
	if err != nil {
		return err
	}
	return ioErr
}
