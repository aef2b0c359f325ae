package console

import (
	"testing"
	"time"
)

// FuzzVTWrite feeds arbitrary guest output to the emulator, resizing in
// between: nothing a guest sends may panic or stall it.
func FuzzVTWrite(f *testing.F) {
	for _, s := range []string{
		"hello\r\n", "\x1b[31mred\x1b[0m", "\x1b[2J\x1b[H", "\x1b[?1049h\x1b[5;10r\x1b[3S",
		"世界\u0301e\u0301\r\n", "\x1b]0;title\x07", "\x1bP1$r\x1b\\", "\x1b[6n\x1b[c",
		"\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17m", "\x1b[38:2::1:2:3m",
		"\x1b#8", "\x1b(0lqk\x1b(B", "\x1b[?2004h\x1b[?1h", "\x1bc", "\t\t\t\b\b\x1bM\x1bD",
	} {
		f.Add([]byte(s), uint8(40), uint8(10))
	}
	f.Fuzz(func(t *testing.T, data []byte, cols, rows uint8) {
		vt := NewVT(80, 24)
		defer vt.Close()
		start := time.Now()
		half := len(data) / 2
		vt.Write(data[:half])
		vt.Resize(int(cols%200)+1, int(rows%80)+1)
		vt.Write(data[half:])
		vt.ScreenRow(0, nil)
		tail(vt, 5)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%d bytes took %v", len(data), d)
		}
	})
}
