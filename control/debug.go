package control

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"umwb/debugger"
	"umwb/vm"
)

// DebugUsage lists the debugger commands.
const DebugUsage = `debugger commands (the kernel of NODE; pause or break attaches the debugger):
  pause NODE                 stop every thread of the node's kernel
  cont NODE                  let it run (until a breakpoint or pause)
  step NODE [N]              execute N instructions (default 1)
  next NODE                  one instruction, a call as a whole
  finish NODE                run until the current function returns
  regs NODE [--json]         registers; * marks those the last step changed
  where NODE                 the current instruction, function and line
  break NODE WHERE [--once]  breakpoint at SYMBOL[+OFF], FILE:LINE or ADDRESS
  delete NODE ID             remove a breakpoint (enable, disable likewise)
  breaks NODE                list breakpoints with hit counts
  bt NODE                    backtrace
  x NODE ADDR|SYMBOL LEN     memory in hex and ASCII
  disas NODE [WHERE] [N]     N instructions at WHERE (default: the pc)
  sym NODE PATTERN           symbols whose name contains PATTERN
  wait-stop NODE             wait until the kernel stops (--timeout)
  detach NODE                remove breakpoints, let the kernel go
  boot-paused NODE [SYMBOL]  boot stopped at the first instruction, or at
                             SYMBOL (e.g. start_kernel)`

// debugCommands are the requests handled by handleDebug.
var debugCommands = map[string]bool{"pause": true, "cont": true, "step": true,
	"next": true, "finish": true, "regs": true, "where": true, "break": true,
	"delete": true, "enable": true, "disable": true, "breaks": true, "bt": true,
	"x": true, "disas": true, "sym": true, "wait-stop": true, "detach": true,
	"boot-paused": true}

// StepResult is what a command that moves the kernel answers.
type StepResult struct {
	Stop  debugger.Stop     `json:"stop"`
	Where debugger.Location `json:"where"`
}

func (s *Server) handleDebug(ctx context.Context, req Request) (any, error) {
	if len(req.Args) < 1 {
		return nil, fmt.Errorf("usage: %s NODE ...", req.Cmd)
	}
	n, err := s.c.Node(req.Args[0])
	if err != nil {
		return nil, err
	}
	args := req.Args[1:]
	syms, err := s.c.KernelSymbols()
	if err != nil {
		return nil, err
	}
	if req.Cmd == "boot-paused" {
		stopAt := ""
		if len(args) > 0 {
			stopAt = args[0]
		}
		e, err := n.BootPaused(ctx, stopAt)
		if err != nil {
			return nil, err
		}
		return s.stepResult(e, syms, e.LastStop(), nil)
	}
	if req.Cmd == "sym" {
		if len(args) < 1 {
			return nil, errors.New("usage: sym NODE PATTERN")
		}
		return syms.Search(args[0], 50), nil
	}
	e := n.Debugger()
	if e == nil {
		switch req.Cmd {
		case "pause", "break":
			// These attach the debugger; the others need it attached.
			if e, err = n.Debug(); err != nil {
				return nil, err
			}
		case "breaks":
			return []debugger.Breakpoint{}, nil
		default:
			return nil, &vm.NodeError{Node: n.Name(), Op: req.Cmd,
				Err: fmt.Errorf("%w (pause NODE or break NODE WHERE attaches one)", vm.ErrNotDebugging)}
		}
	}
	defer n.SyncDebugState()

	switch req.Cmd {
	case "pause":
		st, err := e.Pause()
		return s.stepResult(e, syms, st, err)
	case "cont":
		return nil, e.Continue()
	case "step":
		count := 1
		if len(args) > 0 {
			if count, err = strconv.Atoi(args[0]); err != nil || count < 1 || count > 1000000 {
				return nil, fmt.Errorf("step: %q is not a count from 1 to 1000000", args[0])
			}
		}
		st, err := e.Step(count)
		return s.stepResult(e, syms, st, err)
	case "next":
		st, err := e.Next(ctx)
		return s.stepResult(e, syms, st, err)
	case "finish":
		st, err := e.Finish(ctx)
		return s.stepResult(e, syms, st, err)
	case "wait-stop":
		st, err := e.WaitStop(ctx)
		return s.stepResult(e, syms, st, err)
	case "where":
		pc, _, _, err := e.Frame()
		if err != nil {
			return nil, err
		}
		return e.Locate(pc), nil
	case "regs":
		return e.Registers()
	case "break":
		if len(args) < 1 {
			return nil, errors.New("usage: break NODE WHERE [--once]")
		}
		once := len(args) > 1 && args[1] == "--once"
		addr, label, err := debugger.Resolve(syms, args[0])
		if err != nil {
			return nil, err
		}
		return e.AddBreakpoint(addr, label, once)
	case "delete", "enable", "disable":
		if len(args) < 1 {
			return nil, fmt.Errorf("usage: %s NODE ID", req.Cmd)
		}
		id, err := strconv.Atoi(args[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a breakpoint number", req.Cmd, args[0])
		}
		if req.Cmd == "delete" {
			return nil, e.DeleteBreakpoint(id)
		}
		return nil, e.EnableBreakpoint(id, req.Cmd == "enable")
	case "breaks":
		return e.Breakpoints(), nil
	case "bt":
		return e.Backtrace(64)
	case "x":
		if len(args) < 2 {
			return nil, errors.New("usage: x NODE ADDR|SYMBOL LEN")
		}
		addr, _, err := debugger.Resolve(syms, args[0])
		if err != nil {
			return nil, err
		}
		length, err := strconv.Atoi(args[1])
		if err != nil || length < 1 || length > 65536 {
			return nil, fmt.Errorf("x: length %q out of range (1 to 65536)", args[1])
		}
		b, err := e.ReadMemory(addr, length)
		if err != nil {
			return nil, err
		}
		return debugger.HexDump(addr, b), nil
	case "disas":
		var addr uint64
		count := 12
		if len(args) > 0 {
			if addr, _, err = debugger.Resolve(syms, args[0]); err != nil {
				return nil, err
			}
		} else if addr, _, _, err = e.Frame(); err != nil {
			return nil, err
		}
		if len(args) > 1 {
			if count, err = strconv.Atoi(args[1]); err != nil || count < 1 || count > 1000 {
				return nil, fmt.Errorf("disas: count %q out of range (1 to 1000)", args[1])
			}
		}
		code, err := e.ReadMemory(addr, count*15)
		if err != nil {
			return nil, err
		}
		insts := debugger.Disassemble(code, addr, syms.SymbolizeFunc())
		if len(insts) > count {
			insts = insts[:count]
		}
		return insts, nil
	case "detach":
		return nil, n.Undebug()
	}
	return nil, fmt.Errorf("unknown command %q", req.Cmd)
}

func (s *Server) stepResult(e *debugger.Engine, syms *debugger.Symbols, st debugger.Stop, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return StepResult{Stop: st, Where: e.Locate(st.PC)}, nil
}

// isDebugCommand reports requests for the debugger.
func isDebugCommand(cmd string) bool { return debugCommands[strings.TrimSpace(cmd)] }
