package debugger

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkLoadSymbols measures LoadSymbols (the symbol table and text)
// and, apart, the line table that loads behind it.
func BenchmarkLoadSymbols(b *testing.B) {
	testSymbols(b) // fails the benchmark without a kernel
	b.Run("symbols", func(b *testing.B) {
		for b.Loop() {
			s, err := LoadSymbols(testKernelPath())
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.WaitLines()
			b.StartTimer()
		}
	})
	b.Run("symbols+lines", func(b *testing.B) {
		for b.Loop() {
			s, err := LoadSymbols(testKernelPath())
			if err != nil {
				b.Fatal(err)
			}
			if err := s.WaitLines(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// textAddrs gives n random addresses in the kernel's functions.
func textAddrs(b *testing.B, s *Symbols, n int) []uint64 {
	var funcs []Symbol
	for _, sym := range s.sized {
		if sym.Text {
			funcs = append(funcs, sym)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	addrs := make([]uint64, n)
	for i := range addrs {
		f := funcs[r.IntN(len(funcs))]
		addrs[i] = f.Addr + r.Uint64N(f.Size)
	}
	return addrs
}

func BenchmarkLookup(b *testing.B) {
	s := testSymbols(b)
	addrs := textAddrs(b, s, 4096)
	i := 0
	for b.Loop() {
		if _, _, ok := s.Lookup(addrs[i%len(addrs)]); !ok {
			b.Fatal("no symbol")
		}
		i++
	}
}

func BenchmarkLine(b *testing.B) {
	s := testSymbols(b)
	addrs := textAddrs(b, s, 4096)
	i := 0
	for b.Loop() {
		s.Line(addrs[i%len(addrs)])
		i++
	}
}

func BenchmarkFormat(b *testing.B) {
	s := testSymbols(b)
	addrs := textAddrs(b, s, 4096)
	i := 0
	for b.Loop() {
		s.Format(addrs[i%len(addrs)])
		i++
	}
}

func BenchmarkAddr(b *testing.B) {
	s := testSymbols(b)
	for b.Loop() {
		if _, err := s.Addr("kernel_clone"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLineAddrs(b *testing.B) {
	s := testSymbols(b)
	for b.Loop() {
		if _, err := s.LineAddrs("kernel/fork.c", 2750); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBacktrace(b *testing.B) {
	s := testSymbols(b)
	c := newFakeChain(b, s)
	stops := getpidStops(b, s)
	for b.Loop() {
		if len(Backtrace(c.mem, stops[2].pc, stops[2].sp, stops[2].fp, s, 16)) != 3 {
			b.Fatal("wrong backtrace")
		}
	}
}
