package console

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

// ScrollbackLines is how many lines above the screen a console keeps.
const ScrollbackLines = 5000

// vtTerminal is a Terminal on github.com/charmbracelet/x/vt.
//
// The library writes its replies synchronously into an io.Pipe while it
// parses, so some goroutine must always be reading that pipe or Write would
// hang; pump is that goroutine. It never takes mu.
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
	t := &vtTerminal{em: vt.NewEmulator(max(cols, 1), max(rows, 1))}
	t.em.SetScrollbackSize(ScrollbackLines)
	t.em.SetCallbacks(vt.Callbacks{
		EnableMode:  func(m ansi.Mode) { t.setMode(m, true) },
		DisableMode: func(m ansi.Mode) { t.setMode(m, false) },
	})
	// A full reset (RIS) resets the modes without telling the callbacks;
	// returning false lets the library's own handler run as well.
	t.em.RegisterEscHandler('c', func() bool {
		t.modes = InputModes{}
		return false
	})
	go t.pump()
	return t
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

// pump hands the library's replies to the reply function until Close.
func (t *vtTerminal) pump() {
	buf := make([]byte, 4096)
	for {
		n, err := t.em.Read(buf)
		if err != nil || t.closed.Load() {
			return
		}
		if f := t.reply.Load(); f != nil && n > 0 {
			(*f)(bytes.Clone(buf[:n]))
		}
	}
}

func (t *vtTerminal) OnReply(f func(p []byte)) {
	if f == nil {
		t.reply.Store(nil)
		return
	}
	t.reply.Store(&f)
}

func (t *vtTerminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Load() {
		return 0, fmt.Errorf("write terminal: %w", ErrClosed)
	}
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
	if cur := t.em.CursorPosition(); cur.Y >= rows && !t.em.IsAltScreen() {
		k := cur.Y - rows + 1
		// SU scrolls the lines into the scrollback, CUU follows with the
		// cursor.
		_, _ = fmt.Fprintf(t.em, "\x1b[%dS\x1b[%dA", k, k)
	}
	t.em.Resize(cols, rows)
}

func (t *vtTerminal) Size() (cols, rows int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.em.Width(), t.em.Height()
}

func (t *vtTerminal) Cell(x, y int) Cell {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fromUV(t.em.CellAt(x, y))
}

func (t *vtTerminal) Cursor() (x, y int, visible bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.em.CursorPosition()
	return p.X, p.Y, !t.em.CursorHidden()
}

func (t *vtTerminal) ScrollbackLen() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.em.ScrollbackLen()
}

func (t *vtTerminal) ScrollbackCell(line, x int) Cell {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fromUV(t.em.ScrollbackCellAt(x, line))
}

func (t *vtTerminal) InputModes() InputModes {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.modes
}

// Close stops Write and ends pump. The library's own Close is not used: its
// closed flag is read by Read without a lock, so calling it while pump waits
// in Read is a data race. Instead a wake-up byte is written into the reply
// pipe, which pump reads, sees closed and returns.
func (t *vtTerminal) Close() error {
	t.mu.Lock()
	if t.closed.Swap(true) {
		t.mu.Unlock()
		return nil
	}
	t.mu.Unlock()
	_, _ = t.em.InputPipe().Write([]byte{0})
	return nil
}

// fromUV converts a library cell; nil (outside the screen or past a
// scrollback line's end) is a blank.
func fromUV(c *uv.Cell) Cell {
	if c == nil {
		return blankCell
	}
	return Cell{Text: c.Content, Width: c.Width, Style: tcellStyle(&c.Style)}
}
