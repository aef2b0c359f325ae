package main

import (
	"fmt"
	"slices"
	"strings"
)

// minOf and median summarise a run's samples; both are 0 for none.
func minOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return slices.Min(xs)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pairRatios divides a[i] by b[i]: the samples were taken in turns, so
// each pair saw the machine in about the same state.
func pairRatios(a, b []float64) []float64 {
	var r []float64
	for i := 0; i < len(a) && i < len(b); i++ {
		if b[i] != 0 {
			r = append(r, a[i]/b[i])
		}
	}
	return r
}

// table prints a Markdown table.
type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) String() string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	line(t.head)
	sep := make([]string, len(t.head))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range t.rows {
		line(r)
	}
	return b.String()
}

// ms formats seconds as milliseconds.
func ms(s float64) string { return fmt.Sprintf("%.0f ms", s*1000) }

// ratio formats a ratio.
func ratio(x float64) string { return fmt.Sprintf("%.2f", x) }

// list formats every sample, for the raw figures under a table.
func list(xs []float64, f func(float64) string) string {
	var s []string
	for _, x := range xs {
		s = append(s, f(x))
	}
	return strings.Join(s, ", ")
}
