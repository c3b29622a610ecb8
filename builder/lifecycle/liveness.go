package lifecycle

import (
	"context"
	"time"

	"github.com/dbuilder/dbuilder/builder/labels"
)

// State is what is known about a run.
type State int

const (
	Dead   State = iota // no running anchor, or its owner process is gone
	Alive               // its owner process runs here, or its anchor outlived a heartbeat timeout we waited
	Unsure              // its anchor runs and its owner is on another host: alive unless the anchor exits within HeartbeatTimeout
)

// Liveness judges runs by their anchors and, when the owner shares this
// process's host and PID namespace, by the owner process itself.
type Liveness struct {
	eng  Engine
	self Owner
	// exists tells whether an owner's process runs; Owner.Exists, or a
	// stand-in in tests.
	exists func(Owner) bool
	// wait is how long Settle waits for Unsure runs to resolve.
	wait time.Duration
}

// NewLiveness judges runs on eng from this process's point of view.
func NewLiveness(eng Engine) *Liveness {
	return &Liveness{eng: eng, self: Self(), exists: Owner.Exists, wait: HeartbeatTimeout + time.Second}
}

// State looks once. Errors give Alive: nothing is removed because a call failed.
func (l *Liveness) State(ctx context.Context, run string) State {
	if run == "" {
		return Dead
	}
	cs, err := l.eng.ContainerList(ctx, map[string]string{labels.Run: run, labels.Role: labels.RoleAnchor})
	if err != nil {
		return Alive
	}
	st := Dead
	for _, c := range cs {
		if !c.Running {
			continue
		}
		o := OwnerFrom(c.Labels)
		if !o.SameNamespace(l.self) {
			st = Unsure
			continue
		}
		if l.exists(o) {
			return Alive
		}
	}
	return st
}

// Alive is State for callers that must not wait (a cache lock retries on
// its own): only Dead is dead.
func (l *Liveness) Alive(ctx context.Context, run string) bool { return l.State(ctx, run) != Dead }

// Settle decides every run for good, as gc must right after a SIGKILL: runs
// whose owner is here are decided at once; runs owned elsewhere whose anchor
// still runs are watched until their anchor exits (dead) or a heartbeat
// timeout has passed (alive: the owner kept beating after we started).
func (l *Liveness) Settle(ctx context.Context, runs []string, waiting func(n int, d time.Duration)) map[string]bool {
	out := map[string]bool{}
	var unsure []string
	for _, r := range runs {
		switch l.State(ctx, r) {
		case Dead:
			out[r] = false
		case Alive:
			out[r] = true
		default:
			unsure = append(unsure, r)
		}
	}
	if len(unsure) == 0 {
		return out
	}
	if waiting != nil {
		waiting(len(unsure), l.wait)
	}
	deadline := time.Now().Add(l.wait)
	for len(unsure) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(200 * time.Millisecond)
		var still []string
		for _, r := range unsure {
			if l.State(ctx, r) == Dead {
				out[r] = false
			} else {
				still = append(still, r)
			}
		}
		unsure = still
	}
	for _, r := range unsure {
		out[r] = true
	}
	return out
}
