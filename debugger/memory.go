package debugger

import "fmt"

// MaxRead bounds one memory read.
const MaxRead = 1 << 20

// ReadMemory reads n bytes of the kernel process's memory at addr, as
// the kernel sees them (without our breakpoint bytes). It works whether
// the kernel runs or not.
func (e *Engine) ReadMemory(addr uint64, n int) ([]byte, error) {
	if n <= 0 || n > MaxRead {
		return nil, fmt.Errorf("read memory: length %d out of range (1 to %d)", n, MaxRead)
	}
	if addr > 1<<63-1-uint64(n) {
		return nil, fmt.Errorf("read memory at %#x: address out of range", addr)
	}
	p := make([]byte, n)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.exited || e.detached {
		return nil, ErrDetached
	}
	got, err := e.readOrig(p, addr)
	if got == 0 && err != nil {
		return nil, fmt.Errorf("read memory at %#x: %w", addr, err)
	}
	return p[:got], nil
}

// Memory gives the kernel's memory (without breakpoint bytes) to the
// backtrace and views.
func (e *Engine) Memory() Memory { return lockedMem{e} }

type lockedMem struct{ e *Engine }

func (m lockedMem) ReadAt(p []byte, addr uint64) (int, error) {
	m.e.mu.Lock()
	defer m.e.mu.Unlock()
	return m.e.readOrig(p, addr)
}
