package console

import uv "github.com/charmbracelet/ultraviolet"

// The reading half of vtTerminal: every method takes mu once.

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

func (t *vtTerminal) ScreenRow(y int, dst []Cell) []Cell {
	t.mu.Lock()
	defer t.mu.Unlock()
	dst = dst[:0]
	if y < 0 || y >= t.em.Height() {
		return dst
	}
	for x := range t.em.Width() {
		dst = append(dst, fromUV(t.em.CellAt(x, y)))
	}
	return dst
}

func (t *vtTerminal) ScrollbackRow(line int, dst []Cell) []Cell {
	t.mu.Lock()
	defer t.mu.Unlock()
	dst = dst[:0]
	l := t.em.Scrollback().Line(line)
	for i := range l {
		dst = append(dst, fromUV(&l[i]))
	}
	return dst
}

func (t *vtTerminal) InputModes() InputModes {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.modes
}

// fromUV converts a library cell; nil (outside the screen or past a
// scrollback line's end) is a blank.
func fromUV(c *uv.Cell) Cell {
	if c == nil {
		return blankCell
	}
	return Cell{Text: c.Content, Width: c.Width, Style: tcellStyle(&c.Style)}
}
