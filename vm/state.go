package vm

import "fmt"

// State is where a node is in its life.
type State int

const (
	Off     State = iota // never booted in this run
	Booting              // kernel started, the guest's init not yet up
	Up                   // the guest said it is up
	Paused               // the kernel is stopped (mconsole stop or a debugger)
	Halted               // the kernel exited cleanly (halt or power-off)
	Crashed              // the kernel died: panic, signal or failed start
)

var stateNames = [...]string{"off", "booting", "up", "paused", "halted", "crashed"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "unknown"
	}
	return stateNames[s]
}

// Running reports whether a kernel process exists in this state.
func (s State) Running() bool { return s == Booting || s == Up || s == Paused }

// MarshalText makes states read as words in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's word back.
func (s *State) UnmarshalText(b []byte) error {
	st, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = st
	return nil
}

// ParseState reads a state's word.
func ParseState(w string) (State, error) {
	for i, n := range stateNames {
		if n == w {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("unknown node state %q (off, booting, up, paused, halted, crashed)", w)
}
