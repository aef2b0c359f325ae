package console

import (
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

// The library loops once per unit of some sequences' count, so a guest that
// sends, say, REP with a count of two billion would hold the emulator (and
// any UI drawing from it) for minutes. guardCounts clamps those counts to
// what can make a difference on the screen before the library acts on them.
//
// It relies on the library handing every handler of a sequence the same
// parameter slice: the guard, registered last, runs first, rewrites the
// count in place and returns false, so that the library's handler runs with
// the clamped count. TestVTHugeCounts catches a library that stops doing so.
func guardCounts(em *vt.Emulator) {
	screen := func() int { return em.Width() * em.Height() }
	limits := map[byte]func() int{
		'b': screen,   // REP: repeat the previous character
		'X': em.Width, // ECH: erase characters
		'I': em.Width, // CHT: forward tabulation
		'Z': em.Width, // CBT: backward tabulation
	}
	for final, limit := range limits {
		em.RegisterCsiHandler(int(final), func(params ansi.Params) bool {
			if len(params) > 0 {
				if n := params[0].Param(1); n > limit() {
					params[0] = ansi.Param(ansi.Parameter(limit(), params[0].HasMore()))
				}
			}
			return false
		})
	}
}
