package vm

import "testing"

func TestParseLoad(t *testing.T) {
	var ls LoadSample
	if err := parseLoadavg("1.50 0.25 0.05 3/41 1234\n", &ls); err != nil {
		t.Fatal(err)
	}
	if ls.Load1 != 1.5 || ls.Load5 != 0.25 || ls.Load15 != 0.05 || ls.Runnable != 3 || ls.Tasks != 41 {
		t.Errorf("got %+v", ls)
	}
	for _, bad := range []string{"", "1 2", "a b c 1/2 3", "1 2 3 4 5"} {
		if err := parseLoadavg(bad, &ls); err == nil {
			t.Errorf("parseLoadavg(%q) accepted", bad)
		}
	}
	mem := "MemTotal:          57768 kB\nMemFree:           50000 kB\nMemAvailable:      51624 kB\n"
	if err := parseMeminfo(mem, &ls); err != nil {
		t.Fatal(err)
	}
	if ls.MemTotal != 57768 || ls.MemUsed != 57768-51624 {
		t.Errorf("mem %d used %d", ls.MemTotal, ls.MemUsed)
	}
	if err := parseMeminfo("MemFree: 1 kB\n", &ls); err == nil {
		t.Error("meminfo without MemTotal accepted")
	}
	var h loadHistory
	for i := 0; i < HistoryLen+10; i++ {
		h.add(LoadSample{Tasks: i})
	}
	if len(h.samples) != HistoryLen || h.last().Tasks != HistoryLen+9 || h.samples[0].Tasks != 10 {
		t.Errorf("history keeps %d, first %d, last %d", len(h.samples), h.samples[0].Tasks, h.last().Tasks)
	}
}
