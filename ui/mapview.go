package ui

import (
	"fmt"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"umwb/vm"
)

// mapView is the node list and load map: one block per node with its
// state, load averages, runnable tasks, memory and a sparkline of its
// load over the last minutes. It reads the cluster when drawn.
type mapView struct {
	*tview.Box
	cluster  *vm.Cluster
	selected func() int
	onClick  func(i int)
	tops     []int // first screen row of each node's block, last draw
}

func newMapView(c *vm.Cluster, selected func() int, onClick func(int)) *mapView {
	m := &mapView{Box: tview.NewBox(), cluster: c, selected: selected, onClick: onClick}
	m.SetBorder(true).SetTitle(" nodes · load ").SetTitleAlign(tview.AlignLeft)
	return m
}

// stateColor is how each state is drawn.
func stateColor(s vm.State) tcell.Color {
	switch s {
	case vm.Up:
		return tcell.ColorGreen
	case vm.Booting:
		return tcell.ColorAqua
	case vm.Paused:
		return tcell.ColorYellow
	case vm.Crashed:
		return tcell.ColorRed
	case vm.Halted:
		return tcell.ColorGray
	}
	return tcell.ColorDarkGray
}

const blockRows = 5

func (m *mapView) Draw(screen tcell.Screen) {
	m.DrawForSubclass(screen, m)
	x, y, w, h := m.GetInnerRect()
	if w < 8 {
		return
	}
	sel := m.selected()
	m.tops = m.tops[:0]
	row := y
	// Scroll so that the selected node is always shown.
	fits := max(h/blockRows, 1)
	first := 0
	if sel >= fits {
		first = sel - fits + 1
	}
	if first > 0 {
		tview.Print(screen, fmt.Sprintf("… %d above", first), x, y+h-1, w, tview.AlignRight, tcell.ColorGray)
	}
	for i, n := range m.cluster.Nodes {
		if i < first {
			m.tops = append(m.tops, -1)
			continue
		}
		m.tops = append(m.tops, row)
		if row+blockRows > y+h {
			tview.Print(screen, fmt.Sprintf("… %d more", len(m.cluster.Nodes)-i), x, y+h-1, w, tview.AlignLeft, tcell.ColorGray)
			break
		}
		m.drawNode(screen, n, i == sel, x, row, w)
		row += blockRows
	}
}

func (m *mapView) drawNode(screen tcell.Screen, n *vm.Node, selected bool, x, y, w int) {
	st := n.Status()
	mark, nameStyle := "  ", tcell.StyleDefault.Bold(true)
	if selected {
		mark = "▶ "
		nameStyle = nameStyle.Reverse(true)
	}
	tview.Print(screen, mark, x, y, 2, tview.AlignLeft, tcell.ColorYellow)
	printStyled(screen, st.Name, x+2, y, w-2, nameStyle)
	col := x + 3 + len(st.Name)
	state := st.State.String()
	if st.State.Running() {
		state += " " + shortDuration(time.Since(st.Since))
	}
	tview.Print(screen, state, col, y, w-(col-x), tview.AlignLeft, stateColor(st.State))

	line := func(i int, text string, color tcell.Color) {
		tview.Print(screen, tview.Escape(text), x+2, y+i, w-2, tview.AlignLeft, color)
	}
	switch {
	case st.Load != nil:
		l := st.Load
		line(1, fmt.Sprintf("load %.2f %.2f %.2f", l.Load1, l.Load5, l.Load15), tcell.ColorWhite)
		line(2, fmt.Sprintf("run %d/%d  mem %d/%dM", l.Runnable, l.Tasks, l.MemUsed>>10, l.MemTotal>>10), tcell.ColorWhite)
		drawSparkline(screen, n.LoadHistory(), x+2, y+3, w-2)
	case st.Reason != "":
		line(1, st.Reason, stateColor(st.State))
		if len(st.LastLines) > 0 {
			line(2, st.LastLines[len(st.LastLines)-1], tcell.ColorGray)
		}
	case st.State == vm.Off:
		line(1, "press b to boot", tcell.ColorGray)
	}
}

func printStyled(screen tcell.Screen, s string, x, y, w int, style tcell.Style) {
	for i, r := range s {
		if i >= w {
			return
		}
		screen.SetContent(x+i, y, r, nil, style)
	}
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// drawSparkline draws the newest w samples of the 1-minute load (the
// runnable count when it is higher, so short bursts show at once),
// scaled to the largest value shown and at least 1.
func drawSparkline(screen tcell.Screen, hist []vm.LoadSample, x, y, w int) {
	if w <= 0 {
		return
	}
	if len(hist) > w {
		hist = hist[len(hist)-w:]
	}
	vals := make([]float64, len(hist))
	top := 1.0
	for i, s := range hist {
		v := s.Load1
		if r := float64(s.Runnable - 1); r > v { // the reading shell counts itself
			v = r
		}
		vals[i] = v
		if v > top {
			top = v
		}
	}
	for i, v := range vals {
		k := int(v / top * float64(len(sparks)-1))
		color := tcell.ColorGreen
		if v >= 1 {
			color = tcell.ColorYellow
		}
		if v >= 2 {
			color = tcell.ColorRed
		}
		screen.SetContent(x+w-len(vals)+i, y, sparks[k], nil, tcell.StyleDefault.Foreground(color))
	}
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// MouseHandler selects the node clicked on.
func (m *mapView) MouseHandler() func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (bool, tview.Primitive) {
	return m.WrapMouseHandler(func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (bool, tview.Primitive) {
		if !m.InRect(event.Position()) {
			return false, nil
		}
		if action == tview.MouseLeftClick {
			_, y := event.Position()
			for i := len(m.tops) - 1; i >= 0; i-- {
				if m.tops[i] >= 0 && y >= m.tops[i] {
					m.onClick(i)
					break
				}
			}
			setFocus(m)
			return true, nil
		}
		return false, nil
	})
}
