package console

import (
	"fmt"
	"strings"
	"testing"
)

// kernelLines returns n lines that look like a booting kernel's console
// output, to measure how fast the emulator takes a node's output.
func kernelLines(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[%5d.%06d] ubd: Synchronous mode, line %d of the boot log\r\n",
			i/1000, i%1000*997, i)
	}
	return []byte(b.String())
}

// BenchmarkVTWrite feeds boot-log lines into an 80x24 terminal whose
// scrollback is already full, the steady state of a long-running node.
func BenchmarkVTWrite(b *testing.B) {
	vt := NewVT(80, 24)
	defer vt.Close()
	vt.Write(kernelLines(ScrollbackLines + 24))
	chunk := kernelLines(100)
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	for b.Loop() {
		vt.Write(chunk)
	}
}
