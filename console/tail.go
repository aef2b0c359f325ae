package console

import "strings"

// Tail returns the last n lines with text in them, oldest first, taken from
// the scrollback and the screen as they are shown (a long line wrapped by
// the terminal counts as several). It is meant for showing the last kernel
// lines of a node that crashed.
func (c *Console) Tail(n int) []string {
	return tail(c.term, n)
}

func tail(t Terminal, n int) []string {
	if n <= 0 {
		return nil
	}
	_, rows := t.Size()
	var (
		out []string
		row []Cell
	)
	keep := func(s string) bool {
		if s != "" {
			out = append(out, s)
		}
		return len(out) < n
	}
	more := true
	for y := rows - 1; y >= 0 && more; y-- {
		row = t.ScreenRow(y, row)
		more = keep(lineText(row))
	}
	for l := t.ScrollbackLen() - 1; l >= 0 && more; l-- {
		row = t.ScrollbackRow(l, row)
		more = keep(lineText(row))
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// lineText returns the text of a row of cells without trailing blanks.
func lineText(row []Cell) string {
	var b strings.Builder
	for _, c := range row {
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
