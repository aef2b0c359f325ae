package console

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// ErrClosed is returned by a Console or Terminal used after Close.
var ErrClosed = errors.New("console closed")

// readSize is the read loop's buffer; a pty hands out at most about 4 KiB
// per read anyway.
const readSize = 8192

// feedPiece is the most the read loop hands the emulator at once.
const feedPiece = 1024

// Console is a node's console: a pty pair, the emulator fed by the master and
// an optional log file. See the package comment for its goroutines and locks.
type Console struct {
	master *os.File // non-blocking, in the poller
	term   Terminal
	log    *os.File // nil when not logging
	in     inputQueue

	logFailed bool // owned by the read loop

	mu       sync.Mutex
	slave    *os.File // nil after CloseSlave or Close
	started  bool
	closed   bool
	ended    bool // the read loop has ended
	subs     map[*subscriber]struct{}
	onChange []func()
	err      error // first unexpected read or log error

	done      chan struct{} // closed when the read loop has ended
	closing   chan struct{} // closed when Close begins
	writerEnd chan struct{} // closed when the writer goroutine has ended
	closeOnce sync.Once
	closeErr  error
}

// Open makes a console of cols columns and rows rows: a pty pair with that
// window size, an emulator, and, unless logPath is "", a log file that the
// guest's raw output is appended to (created with mode 0600). Output is read
// once Start is called; input written before that waits in the pty.
func Open(logPath string, cols, rows int) (*Console, error) {
	if cols < 1 || rows < 1 || cols > 0xffff || rows > 0xffff {
		return nil, fmt.Errorf("open console: bad size %dx%d", cols, rows)
	}
	var log *os.File
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open console: %w", err)
		}
		log = f
	}
	master, slave, err := openPTY(cols, rows)
	if err != nil {
		if log != nil {
			log.Close()
		}
		return nil, fmt.Errorf("open console: %w", err)
	}
	c := &Console{
		master:    master,
		slave:     slave,
		term:      NewVT(cols, rows),
		log:       log,
		subs:      make(map[*subscriber]struct{}),
		done:      make(chan struct{}),
		closing:   make(chan struct{}),
		writerEnd: make(chan struct{}),
	}
	c.in.init()
	c.term.OnReply(func(p []byte) { _ = c.in.put(p) })
	go c.writeLoop()
	return c, nil
}

// Slave returns the pty's slave, to be given to the kernel process as its
// stdin, stdout and stderr; nil after CloseSlave or Close.
func (c *Console) Slave() *os.File {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slave
}

// CloseSlave closes umwb's copy of the slave. Call it once the child has
// started: only when no process holds the slave any more does the master
// read EIO, which is how the read loop learns that the node is gone.
func (c *Console) CloseSlave() error {
	c.mu.Lock()
	s := c.slave
	c.slave = nil
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("close console slave: %w", err)
	}
	return nil
}

// Terminal returns the emulator the console feeds.
func (c *Console) Terminal() Terminal { return c.term }

// InputModes returns the guest's current input modes (see InputModes).
func (c *Console) InputModes() InputModes { return c.term.InputModes() }

// Start starts the read loop. It does nothing when called again or after
// Close.
func (c *Console) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started || c.closed {
		return
	}
	c.started = true
	go c.readLoop()
}

// Resize sets the window size of the pty (the guest gets SIGWINCH) and of
// the emulator.
func (c *Console) Resize(cols, rows int) error {
	if cols < 1 || rows < 1 || cols > 0xffff || rows > 0xffff {
		return fmt.Errorf("resize console: bad size %dx%d", cols, rows)
	}
	// The emulator first, so that the guest's redraw after SIGWINCH lands
	// on a screen of the new size.
	c.term.Resize(cols, rows)
	if err := setWinsize(c.master, cols, rows); err != nil {
		return fmt.Errorf("resize console: %w", err)
	}
	return nil
}

// Done is closed when the read loop has ended: the guest's side of the pty
// is gone (the master read EIO) or the console was closed. A console that
// was never started is done once closed.
func (c *Console) Done() <-chan struct{} { return c.done }

// Err returns the first unexpected error of the read loop: a read error
// other than the normal end, a failed log write (logging then stops), or an
// emulator reset (ErrEmulatorReset; the console goes on); nil when there was
// none.
func (c *Console) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Console) setErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// Close closes the master, which wakes a pending read, waits for the read
// loop and the writer to end, and closes the slave, the emulator and the log.
// It is safe to call more than once; later calls return the first result.
// Because it waits for the read loop, it must not be called from an OnChange
// callback, nor from code such a callback waits for (a tview event loop
// that the callback queues an update to, say).
func (c *Console) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		started := c.started
		slave := c.slave
		c.slave = nil
		c.mu.Unlock()

		close(c.closing)
		c.in.close()
		errs := []error{c.master.Close()}
		if slave != nil {
			errs = append(errs, slave.Close())
		}
		if started {
			<-c.done
		} else {
			c.endLoop()
		}
		<-c.writerEnd
		errs = append(errs, c.term.Close())
		if c.log != nil {
			errs = append(errs, c.log.Close())
		}
		if err := errors.Join(errs...); err != nil {
			c.closeErr = fmt.Errorf("close console: %w", err)
		}
	})
	return c.closeErr
}

// normalEnd tells whether a read error means that the console simply ended:
// EIO once no process holds the slave, or the master closed by Close.
func normalEnd(err error) bool {
	return errors.Is(err, syscall.EIO) || errors.Is(err, io.EOF) ||
		errors.Is(err, os.ErrClosed)
}
