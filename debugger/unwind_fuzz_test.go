package debugger

import (
	"encoding/binary"
	"testing"
)

// FuzzBacktrace unwinds random stacks from random places in the real
// kernel's text: it must never panic, never give more than max frames,
// and always go up the stack.
func FuzzBacktrace(f *testing.F) {
	s := testSymbols(f)
	var text []Symbol
	for _, sym := range s.sized {
		if sym.Text {
			text = append(text, sym)
		}
	}
	seed := make([]byte, 256)
	for i := 0; i < len(seed); i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], text[i%len(text)].Addr+3)
	}
	f.Add(seed, uint32(0), uint16(0), uint16(8), uint64(fakeStackBase+16))
	f.Add(seed, uint32(1234), uint16(17), uint16(0), uint64(fakeStackBase))
	f.Add([]byte{}, uint32(7), uint16(3), uint16(0), uint64(0))
	f.Add(make([]byte, 64), uint32(99), uint16(0xffff), uint16(0xffff), ^uint64(0))

	f.Fuzz(func(t *testing.T, stack []byte, which uint32, off, spOff uint16, fp uint64) {
		sym := text[int(which)%len(text)]
		pc := sym.Addr + uint64(off)%sym.Size
		if which%7 == 6 {
			pc = uint64(which) << 16 // anywhere at all
		}
		mem := &fakeStack{base: fakeStackBase, data: stack}
		sp := fakeStackBase + uint64(spOff)
		const max = 32
		checkFramesSane(t, Backtrace(mem, pc, sp, fp, s, max), max)
		checkFramesSane(t, Backtrace(mem, pc, sp, fp, nil, max), max)
		if ret, err := ReturnAddress(mem, pc, sp, fp, s); err == nil && !s.InText(ret) {
			t.Errorf("ReturnAddress gave %#x, outside text, without an error", ret)
		}
	})
}
