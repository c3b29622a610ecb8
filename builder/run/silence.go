package run

import (
	"context"
	"fmt"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// DefaultDaemonSilence is how long a run waits for a daemon that stopped
// answering pings before it fails the targets in flight.
const DefaultDaemonSilence = 30 * time.Second

// watchDaemon starts the run's watchdog on its engine (see engine.Watch).
func (r *runner) watchDaemon(ctx context.Context) (context.Context, func()) {
	limit := r.opt.DaemonSilence
	if limit <= 0 {
		limit = DefaultDaemonSilence
	}
	return engine.Watch(ctx, r.eng, min(limit/3, 5*time.Second), limit)
}

// silenced words err for the step it ended when the run was cancelled
// because the daemon went silent; otherwise it returns nil.
func silenced(ctx context.Context, step string) error {
	s := engine.IsSilent(context.Cause(ctx))
	if s == nil {
		return nil
	}
	return fmt.Errorf("daemon at %s stopped answering during %s (no answer for %s); "+
		"what this run could not remove is left for 'dbuilder gc' once the daemon answers again: %w",
		s.Addr, step, s.For.Round(time.Second), s)
}

// orSilenced is silenced's error if the daemon went silent, else err.
func orSilenced(ctx context.Context, step string, err error) error {
	if s := silenced(ctx, step); s != nil {
		return s
	}
	return err
}
