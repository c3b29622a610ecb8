package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// SignalContext returns a context cancelled by the first SIGINT or SIGTERM,
// so cleanup can run; a second signal exits at once.
func SignalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		fmt.Fprintln(os.Stderr, "dbuilder: interrupted, cleaning up (press Ctrl-C again to exit at once)")
		cancel()
		<-ch
		fmt.Fprintln(os.Stderr, "dbuilder: second interrupt, exiting now")
		os.Exit(ExitInterrupted)
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}
