// Command umwb is a terminal workbench for a cluster of User-Mode Linux
// nodes on one host.
//
//	umwb [--headless] [--no-boot] [CLUSTER_FILE]
//	umwb ctl [--cluster NAME] COMMAND [ARGS...]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"umwb/assets"
	"umwb/control"
	"umwb/ui"
	"umwb/vm"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "ctl":
			os.Exit(ctlMain(os.Args[2:]))
		case guardCmd:
			guardMain(os.Args[2:])
			return
		}
	}
	os.Exit(run())
}

const usage = `usage: umwb [--headless] [--no-boot] [CLUSTER_FILE]
       umwb ctl [--cluster NAME] COMMAND [ARGS...]   (umwb ctl help)

Boots the nodes of CLUSTER_FILE (the built-in three-node cluster when none
is given) and shows their consoles and load. --headless runs the same
supervisor without the screen, for scripts: drive it with umwb ctl.
`

func run() int {
	fs := flag.NewFlagSet("umwb", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	headless := fs.Bool("headless", false, "run without the TUI")
	noBoot := fs.Bool("no-boot", false, "start with every node off")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Print(usage)
			return 0
		}
		fmt.Fprintf(os.Stderr, "umwb: %v\n%s", err, usage)
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(os.Stderr, "umwb: one cluster file at most\n%s", usage)
		return 2
	}

	cf, err := loadCluster(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "umwb: %v\n", err)
		return 1
	}
	// Say what is missing before anything starts.
	if _, err := vm.FindKernel(cf.Kernel); err != nil {
		fmt.Fprintf(os.Stderr, "umwb: %v\n", err)
		return 1
	}
	if _, err := vm.FindRootFS(cf.RootFS); err != nil {
		fmt.Fprintf(os.Stderr, "umwb: %v\n", err)
		return 1
	}

	cluster, err := vm.NewCluster(cf)
	if err != nil {
		fmt.Fprintf(os.Stderr, "umwb: %v\n", err)
		return 1
	}
	logFile, err := os.OpenFile(filepath.Join(cluster.RunDir, "umwb.log"),
		os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		cluster.Close()
		fmt.Fprintf(os.Stderr, "umwb: open log: %v\n", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(logFile, nil))
	slog.SetDefault(log)
	log.Info("start", "cluster", cf.Name, "file", cf.Path, "run_dir", cluster.RunDir, "pid", os.Getpid())

	guard, err := startGuard(cluster.RunDir)
	if err != nil {
		log.Warn("no guard process", "err", err)
	}
	srv, err := control.Listen(cluster, filepath.Join(cluster.RunDir, control.SocketName))
	if err != nil {
		cluster.Close()
		fmt.Fprintf(os.Stderr, "umwb: %v\n", err)
		return 1
	}
	go srv.Serve()

	shutdown := func() {
		srv.Close()
		if err := cluster.Close(); err != nil {
			log.Warn("close cluster", "err", err)
		}
		log.Info("stop")
		if guard != nil {
			guard.Close()
		}
	}
	defer func() {
		if r := recover(); r != nil {
			shutdown()
			panic(r)
		}
	}()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	if !*noBoot {
		go func() {
			if err := cluster.BootAuto(); err != nil {
				log.Warn("boot", "err", err)
			}
		}()
	}

	if *headless {
		fmt.Printf("umwb: cluster %s running headless; control socket %s\n",
			cf.Name, filepath.Join(cluster.RunDir, control.SocketName))
		<-sigs
		shutdown()
		return 0
	}
	err = ui.Run(cluster, sigs)
	shutdown()
	if err != nil {
		fmt.Fprintf(os.Stderr, "umwb: %v\n", err)
		return 1
	}
	return 0
}

// loadCluster reads the cluster file at path, or the built-in one.
func loadCluster(path string) (*vm.ClusterFile, error) {
	if path == "" {
		return vm.ParseClusterFile("(built-in cluster)", assets.DefaultCluster)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cluster file: %w", err)
	}
	return vm.ParseClusterFile(path, data)
}
