// Command umwbench measures umwb beside the same UML kernel driven by
// hand. bench/run.sh builds and runs it; each sub-command prints its
// figures as Markdown table rows on stdout and its progress on stderr.
//
//	umwbench boot  [flags]   boot latency: ctl boot to shell prompt
//	umwbench idle  [flags]   umwb's CPU use while four nodes sit idle
//	umwbench flood [flags]   console throughput under a flood of output
//
// Every kernel, umwb and tmux server it starts, it stops again, also when
// interrupted; bench/run.sh sweeps the work folder once more on exit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"umwb/vm"
)

// config is what every benchmark needs to know about the machine.
type config struct {
	umwb   string // the umwb binary
	kernel string
	rootFS string
	work   string // a folder of the bench's own; UMWB_RUN_DIR lives in it
	tmux   string // prefix of the tmux socket names (tmux -L)
	reps   int
	secs   float64 // idle: the length of one measuring window
	flood  int64   // flood: bytes of /dev/zero fed to od
	budget time.Duration
}

// runBase is the UMWB_RUN_DIR given to every umwb the bench starts.
func (c *config) runBase() string { return filepath.Join(c.work, "run") }

const usage = `usage: umwbench boot|idle|flood -umwb BIN -work DIR [flags]`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	what := os.Args[1]
	benches := map[string]func(context.Context, *config) error{
		"boot": bootBench, "idle": idleBench, "flood": floodBench,
	}
	bench, ok := benches[what]
	if !ok {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}

	cfg := &config{}
	fs := flag.NewFlagSet("umwbench "+what, flag.ExitOnError)
	fs.StringVar(&cfg.umwb, "umwb", "bin/umwb", "the umwb binary")
	fs.StringVar(&cfg.work, "work", "", "a fresh folder for run directories and logs")
	fs.StringVar(&cfg.tmux, "tmux", fmt.Sprintf("umwbench-%d", os.Getpid()),
		"prefix of the tmux socket names")
	fs.IntVar(&cfg.reps, "reps", 5, "counted repetitions (after one warm-up)")
	fs.Float64Var(&cfg.secs, "secs", 20, "idle: seconds of one measuring window")
	fs.Int64Var(&cfg.flood, "bytes", 2<<20, "flood: bytes of /dev/zero fed to od -v")
	budget := fs.Float64("budget", 300, "flood: seconds after which no new run starts")
	fs.Parse(os.Args[2:])
	cfg.budget = time.Duration(*budget * float64(time.Second))

	if err := cfg.resolve(); err != nil {
		fmt.Fprintf(os.Stderr, "umwbench %s: %v\n", what, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(),
		syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := bench(ctx, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "umwbench %s: %v\n", what, err)
		os.Exit(1)
	}
}

// resolve finds the kernel and root_fs the way umwb does and makes the
// paths absolute.
func (c *config) resolve() error {
	if c.work == "" {
		return errors.New("-work is required")
	}
	var err error
	if c.umwb, err = filepath.Abs(c.umwb); err != nil {
		return fmt.Errorf("resolve umwb: %w", err)
	}
	if c.work, err = filepath.Abs(c.work); err != nil {
		return fmt.Errorf("resolve work folder: %w", err)
	}
	if c.kernel, err = vm.FindKernel(""); err != nil {
		return err
	}
	if c.rootFS, err = vm.FindRootFS(""); err != nil {
		return err
	}
	if c.reps < 1 {
		return errors.New("-reps must be at least 1")
	}
	return os.MkdirAll(c.runBase(), 0o700)
}
