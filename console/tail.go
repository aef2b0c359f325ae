package console

import "strings"

// Tail returns the last n lines with text in them, oldest first, taken from
// the scrollback and the screen as they are shown (a long line wrapped by
// the terminal counts as several). It is meant for showing the last kernel
// lines of a node that crashed. Lines are read up to the screen's current
// width.
func (c *Console) Tail(n int) []string {
	return tail(c.term, n)
}

func tail(t Terminal, n int) []string {
	if n <= 0 {
		return nil
	}
	cols, rows := t.Size()
	var out []string
	keep := func(s string) bool {
		if s != "" {
			out = append(out, s)
		}
		return len(out) < n
	}
	more := true
	for y := rows - 1; y >= 0 && more; y-- {
		more = keep(lineText(cols, func(x int) Cell { return t.Cell(x, y) }))
	}
	for l := t.ScrollbackLen() - 1; l >= 0 && more; l-- {
		more = keep(lineText(cols, func(x int) Cell { return t.ScrollbackCell(l, x) }))
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// lineText returns the text of a line of cols cells without trailing blanks.
func lineText(cols int, cell func(x int) Cell) string {
	var b strings.Builder
	for x := 0; x < cols; x++ {
		c := cell(x)
		switch {
		case c.Width == 0:
			// right half of a wide character
		case c.Text == "":
			b.WriteByte(' ')
		default:
			b.WriteString(c.Text)
		}
	}
	return strings.TrimRight(b.String(), " ")
}
