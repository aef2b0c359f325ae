package console

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

// ScrollbackLines is how many lines above the screen a console keeps.
const ScrollbackLines = 5000

// ErrEmulatorReset is returned by a Terminal's Write when the emulator
// library failed on the guest's output and was replaced by a fresh one (the
// scrollback is kept, the screen starts empty).
var ErrEmulatorReset = errors.New("terminal emulator failed and was reset")

// vtTerminal is a Terminal on github.com/charmbracelet/x/vt.
//
// The library writes its replies synchronously into an io.Pipe while it
// parses, so some goroutine must always be reading that pipe or Write would
// hang; pump is that goroutine, one per emulator. It never takes mu, and ends
// when the pipe is closed.
//
// The library can panic on some input (found by FuzzVTWrite: a scroll region
// set before the screen got shorter), and the guest's output is untrusted.
// Write and Resize therefore recover, and replace the emulator.
type vtTerminal struct {
	mu    sync.Mutex // guards em and modes
	em    *vt.Emulator
	modes InputModes

	reply  atomic.Pointer[func([]byte)]
	closed atomic.Bool
}

// NewVT returns a Terminal of cols columns and rows rows that keeps
// ScrollbackLines lines of scrollback. Close it to end its reply goroutine.
func NewVT(cols, rows int) Terminal {
	t := &vtTerminal{}
	t.em = t.newEmulator(max(cols, 1), max(rows, 1))
	return t
}

// newEmulator makes an emulator with the console's settings and starts its
// reply pump.
func (t *vtTerminal) newEmulator(cols, rows int) *vt.Emulator {
	em := vt.NewEmulator(cols, rows)
	em.SetScrollbackSize(ScrollbackLines)
	em.SetCallbacks(vt.Callbacks{
		EnableMode:  func(m ansi.Mode) { t.setMode(m, true) },
		DisableMode: func(m ansi.Mode) { t.setMode(m, false) },
	})
	// A full reset (RIS) resets the modes without telling the callbacks;
	// returning false lets the library's own handler run as well.
	em.RegisterEscHandler('c', func() bool {
		t.modes = InputModes{}
		return false
	})
	guardCounts(em)
	go t.pump(em)
	return em
}

// setMode runs inside em.Write, with mu held.
func (t *vtTerminal) setMode(m ansi.Mode, on bool) {
	switch m {
	case ansi.ModeCursorKeys:
		t.modes.AppCursor = on
	case ansi.ModeBracketedPaste:
		t.modes.BracketedPaste = on
	}
}

// pump hands em's replies to the reply function until em's pipe is closed.
func (t *vtTerminal) pump(em *vt.Emulator) {
	buf := make([]byte, 4096)
	for {
		n, err := em.Read(buf)
		if err != nil {
			return
		}
		if f := t.reply.Load(); f != nil && n > 0 {
			(*f)(bytes.Clone(buf[:n]))
		}
	}
}

// closePipe ends em's pump. The library's own Close is not used: its closed
// flag is read by Read without a lock, so calling it while pump waits in
// Read is a data race. Closing the writing end of the reply pipe instead
// makes pump's Read return io.EOF. Nothing writes to the pipe afterwards:
// em is no longer used.
func closePipe(em *vt.Emulator) error {
	if w, ok := em.InputPipe().(io.Closer); ok {
		return w.Close()
	}
	return nil
}

func (t *vtTerminal) OnReply(f func(p []byte)) {
	if f == nil {
		t.reply.Store(nil)
		return
	}
	t.reply.Store(&f)
}

func (t *vtTerminal) Write(p []byte) (n int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Load() {
		return 0, fmt.Errorf("write terminal: %w", ErrClosed)
	}
	defer t.recoverReset(&err)
	return t.em.Write(p)
}

// Resize keeps the cursor's line on the screen when the screen gets shorter:
// the lines above it go to the scrollback, as in xterm, instead of the
// library's default of cutting off the bottom lines.
func (t *vtTerminal) Resize(cols, rows int) {
	cols, rows = max(cols, 1), max(rows, 1)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Load() {
		return
	}
	var err error
	defer t.recoverReset(&err)
	if cur := t.em.CursorPosition(); cur.Y >= rows && !t.em.IsAltScreen() {
		k := cur.Y - rows + 1
		// SU scrolls the lines into the scrollback, CUU follows with the
		// cursor.
		_, _ = fmt.Fprintf(t.em, "\x1b[%dS\x1b[%dA", k, k)
	}
	t.em.Resize(cols, rows)
}

// recoverReset, deferred with mu held, turns a panic of the library into
// ErrEmulatorReset and replaces the emulator, keeping its scrollback.
func (t *vtTerminal) recoverReset(err *error) {
	r := recover()
	if r == nil {
		return
	}
	old := t.em
	w, h := max(old.Width(), 1), max(old.Height(), 1)
	_ = closePipe(old)
	t.modes = InputModes{}
	t.em = t.newEmulator(w, h)
	if sb := old.Scrollback(); sb != nil {
		for _, l := range sb.Lines() {
			t.em.Scrollback().Push(l)
		}
	}
	*err = fmt.Errorf("write terminal: %w: %v", ErrEmulatorReset, r)
}

// Close stops Write and Resize and ends the reply goroutine.
func (t *vtTerminal) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Swap(true) {
		return nil
	}
	return closePipe(t.em)
}
