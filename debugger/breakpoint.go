package debugger

import (
	"errors"
	"fmt"
	"sort"
)

// Breakpoint is an int3 byte written into kernel text.
type Breakpoint struct {
	ID      int    `json:"id"`
	Addr    uint64 `json:"addr"`
	Where   string `json:"where"` // as the user gave it, or the symbol
	Enabled bool   `json:"enabled"`
	OneShot bool   `json:"one_shot"`
	Hits    int    `json:"hits"`
}

// patch records: the original byte of each patched address.
type patchSet map[uint64]byte

const int3 = 0xcc

// AddBreakpoint plants a breakpoint at addr. where is how the user named
// the place. It works whether the kernel runs or is paused.
func (e *Engine) AddBreakpoint(addr uint64, where string, oneShot bool) (Breakpoint, error) {
	if e.syms != nil && !e.syms.InText(addr) {
		return Breakpoint{}, fmt.Errorf("break at %#x: %w", addr, ErrNotInText)
	}
	if e.syms != nil {
		if err := e.syms.checkBoundary(addr); err != nil {
			return Breakpoint{}, fmt.Errorf("break at %s: %w", where, err)
		}
	}
	var bp Breakpoint
	err := e.do(func() error {
		for _, b := range e.bps {
			if b.Addr == addr {
				return fmt.Errorf("break at %s: breakpoint %d is there already", where, b.ID)
			}
		}
		e.nextID++
		b := &Breakpoint{ID: e.nextID, Addr: addr, Where: where, Enabled: true, OneShot: oneShot}
		if err := e.patchAddr(addr); err != nil {
			e.nextID--
			return fmt.Errorf("break at %s: %w", where, err)
		}
		e.bps[b.ID] = b
		bp = *b
		return nil
	})
	return bp, err
}

// DeleteBreakpoint removes breakpoint id and restores the text.
func (e *Engine) DeleteBreakpoint(id int) error {
	return e.do(func() error {
		b := e.bps[id]
		if b == nil {
			return fmt.Errorf("delete: no breakpoint %d", id)
		}
		e.deleteBreakpoint(b)
		return nil
	})
}

// EnableBreakpoint turns breakpoint id on or off.
func (e *Engine) EnableBreakpoint(id int, on bool) error {
	return e.do(func() error {
		b := e.bps[id]
		if b == nil {
			return fmt.Errorf("no breakpoint %d", id)
		}
		if b.Enabled == on {
			return nil
		}
		b.Enabled = on
		if on {
			return e.patchAddr(b.Addr)
		}
		if e.until == nil || e.until.addr != b.Addr {
			return e.unpatchAddr(b.Addr)
		}
		return nil
	})
}

// Breakpoints lists the breakpoints by id.
func (e *Engine) Breakpoints() []Breakpoint {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Breakpoint
	for _, b := range e.bps {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (e *Engine) deleteBreakpoint(b *Breakpoint) {
	delete(e.bps, b.ID)
	if b.Enabled && (e.until == nil || e.until.addr != b.Addr) {
		e.unpatchAddr(b.Addr)
	}
}

// userBreakpointAt is the enabled user breakpoint at addr, if any.
func (e *Engine) userBreakpointAt(addr uint64) *Breakpoint {
	for _, b := range e.bps {
		if b.Addr == addr && b.Enabled {
			return b
		}
	}
	return nil
}

// insertedAt reports an int3 of ours at addr (a user breakpoint or the
// internal target).
func (e *Engine) insertedAt(addr uint64) *uint64 {
	if _, ok := e.patched[addr]; ok {
		return &addr
	}
	return nil
}

// trapIsBreakpoint reports whether th's SIGTRAP came from one of our
// int3 bytes, and if so moves its pc back onto the breakpoint.
func (e *Engine) trapIsBreakpoint(th *thread) bool {
	regs, err := e.regsOf(th.tid)
	if err != nil {
		return false
	}
	if _, ok := e.patched[regs.Rip-1]; !ok {
		return false
	}
	regs.Rip--
	return e.setRegsOf(th.tid, &regs) == nil
}

// patchAddr writes an int3 at addr, remembering the original byte.
func (e *Engine) patchAddr(addr uint64) error {
	if _, ok := e.patched[addr]; ok {
		return nil
	}
	var orig [1]byte
	if _, err := e.mem.ReadAt(orig[:], int64(addr)); err != nil {
		return fmt.Errorf("read text at %#x: %w", addr, err)
	}
	if _, err := e.mem.WriteAt([]byte{int3}, int64(addr)); err != nil {
		return fmt.Errorf("write int3 at %#x: %w", addr, err)
	}
	if e.patched == nil {
		e.patched = patchSet{}
	}
	e.patched[addr] = orig[0]
	return nil
}

// unpatchAddr puts the original byte back.
func (e *Engine) unpatchAddr(addr uint64) error {
	orig, ok := e.patched[addr]
	if !ok {
		return nil
	}
	if _, err := e.mem.WriteAt([]byte{orig}, int64(addr)); err != nil {
		return fmt.Errorf("restore text at %#x: %w", addr, err)
	}
	delete(e.patched, addr)
	return nil
}

// unpatch and patch lift a patched byte for a moment (to step over it).
func (e *Engine) unpatch(addr *uint64) error {
	orig := e.patched[*addr]
	_, err := e.mem.WriteAt([]byte{orig}, int64(*addr))
	return err
}

func (e *Engine) patch(addr *uint64) error {
	_, err := e.mem.WriteAt([]byte{int3}, int64(*addr))
	return err
}

// readOrig reads memory as it is without our breakpoints.
func (e *Engine) readOrig(p []byte, addr uint64) (int, error) {
	n, err := e.mem.ReadAt(p, int64(addr))
	for a, orig := range e.patched {
		if a >= addr && a < addr+uint64(n) {
			p[a-addr] = orig
		}
	}
	return n, err
}

// origMemory is the kernel's memory without our breakpoints.
func (e *Engine) origMemory() Memory { return origMem{e} }

type origMem struct{ e *Engine }

func (m origMem) ReadAt(p []byte, addr uint64) (int, error) { return m.e.readOrig(p, addr) }

// ErrMidInstruction means an address falls inside an instruction; an int3
// there would change the instruction instead of trapping.
var ErrMidInstruction = errors.New("address is inside an instruction")

// checkBoundary decodes the function holding addr from its start and
// fails unless an instruction starts at addr.
func (s *Symbols) checkBoundary(addr uint64) error {
	lo, hi, ok := s.FuncRange(addr)
	if !ok || addr == lo {
		return nil
	}
	code := s.Code(lo, int(min(hi, addr+16)-lo))
	for pc := lo; pc < addr; {
		n, err := InstLen(code[pc-lo:])
		if err != nil || n <= 0 {
			return nil // cannot tell; let it be
		}
		pc += uint64(n)
		if pc > addr {
			return fmt.Errorf("%w (one starts at %s)", ErrMidInstruction, s.Format(pc-uint64(n)))
		}
	}
	return nil
}
