package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"umwb/control"
	"umwb/debugger"
)

// printDebug prints a debugger command's answer for a person; --json
// prints it as it came.
func printDebug(cmd string, raw json.RawMessage) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	switch cmd {
	case "pause", "step", "next", "finish", "wait-stop", "boot-paused":
		var r control.StepResult
		if json.Unmarshal(raw, &r) == nil {
			fmt.Printf("%s: %s\n", r.Stop.Reason, r.Where)
			return
		}
	case "where":
		var l debugger.Location
		if json.Unmarshal(raw, &l) == nil {
			fmt.Println(l)
			return
		}
	case "regs":
		var regs []debugger.Reg
		if json.Unmarshal(raw, &regs) == nil {
			for _, r := range regs {
				mark := " "
				if r.Changed {
					mark = "*"
				}
				fmt.Printf("%s%-9s 0x%016x %d\n", mark, r.Name, r.Value, int64(r.Value))
			}
			return
		}
	case "break":
		var b debugger.Breakpoint
		if json.Unmarshal(raw, &b) == nil {
			fmt.Printf("breakpoint %d at %#x (%s)\n", b.ID, b.Addr, b.Where)
			return
		}
	case "breaks":
		var bps []debugger.Breakpoint
		if json.Unmarshal(raw, &bps) == nil {
			w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tADDRESS\tWHERE\tENABLED\tONCE\tHITS")
			for _, b := range bps {
				fmt.Fprintf(w, "%d\t%#x\t%s\t%v\t%v\t%d\n", b.ID, b.Addr, b.Where, b.Enabled, b.OneShot, b.Hits)
			}
			w.Flush()
			return
		}
	case "bt":
		var frames []debugger.Frame
		if json.Unmarshal(raw, &frames) == nil {
			fmt.Print(debugger.FormatFrames(frames))
			return
		}
	case "x":
		var s string
		if json.Unmarshal(raw, &s) == nil {
			fmt.Print(s)
			return
		}
	case "disas":
		var insts []debugger.Inst
		if json.Unmarshal(raw, &insts) == nil {
			for _, in := range insts {
				fmt.Printf("%#x  %s\n", in.Addr, in.Text)
			}
			return
		}
	case "sym":
		var syms []debugger.Symbol
		if json.Unmarshal(raw, &syms) == nil {
			for _, s := range syms {
				fmt.Printf("%#x %6d %s\n", s.Addr, s.Size, s.Name)
			}
			return
		}
	}
	fmt.Println(string(raw))
}
