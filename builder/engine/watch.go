package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SilentError is the cause of a run cancelled by Watch: the daemon stopped
// answering (hung, stopped with SIGSTOP, its host frozen). Its containers
// may still run; whatever the run could not remove is left to `dbuilder
// gc` once the daemon answers again.
type SilentError struct {
	Addr string
	For  time.Duration
}

func (e *SilentError) Error() string {
	return fmt.Sprintf("daemon at %s stopped answering (no answer for %s)", e.Addr, e.For.Round(time.Second))
}

// IsSilent returns the SilentError in err's chain, or nil.
func IsSilent(err error) *SilentError {
	var s *SilentError
	if errors.As(err, &s) {
		return s
	}
	return nil
}

// gate refuses every call but pings while its daemon is known to be
// silent: cleanup after a silence then fails at once (and leaves the rest
// to gc) instead of waiting out each call's own bound. A ping that is
// answered opens it again.
type gate struct {
	mu     sync.Mutex
	silent *SilentError
}

func (g *gate) check(req *http.Request) error {
	if strings.HasSuffix(req.URL.Path, "/_ping") {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.silent != nil {
		return g.silent
	}
	return nil
}

func (g *gate) set(s *SilentError) {
	g.mu.Lock()
	g.silent = s
	g.mu.Unlock()
}

// Pinger is what Watch needs of an Engine.
type Pinger interface {
	Endpoint() string
	Ping(ctx context.Context) error
}

// gated is an Engine whose calls Watch can shut off.
type gated interface{ gate() *gate }

// Watch pings e every interval (each ping bounded by PingTimeout). When
// no ping has been answered for limit, it cancels the returned context
// with a *SilentError as its cause (context.Cause) and refuses e's calls
// until a ping is answered again. stop ends the watch; call it after the
// run's cleanup, so that cleanup proceeds if the daemon comes back.
func Watch(ctx context.Context, e Pinger, interval, limit time.Duration) (context.Context, func()) {
	wctx, cancel := context.WithCancelCause(ctx)
	// stopped ends the pings, the one in flight too; exited says the
	// goroutine is gone, so that it cannot shut the gate after stop.
	stopped, stopPings := context.WithCancel(context.Background())
	exited := make(chan struct{})
	var g *gate
	if gd, ok := e.(gated); ok {
		g = gd.gate()
	}
	go func() {
		defer close(exited)
		t := time.NewTicker(interval)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-stopped.Done():
				return
			case <-t.C:
			}
			pctx, pcancel := context.WithTimeout(stopped, PingTimeout)
			err := e.Ping(pctx)
			pcancel()
			switch {
			case stopped.Err() != nil:
				return
			case err == nil:
				last = time.Now()
				if g != nil {
					g.set(nil)
				}
			case time.Since(last) >= limit:
				s := &SilentError{Addr: e.Endpoint(), For: time.Since(last)}
				// The cause first: a call refused by the gate then
				// always finds the silence in its context.
				cancel(s)
				if g != nil {
					g.set(s)
				}
			}
		}
	}()
	var once sync.Once
	return wctx, func() {
		once.Do(func() {
			stopPings()
			<-exited
			// A later watch (release's, after the build's) starts with
			// the daemon given a fresh chance.
			if g != nil {
				g.set(nil)
			}
			cancel(context.Canceled)
		})
	}
}
