package run

import (
	"context"
	"sync"
)

// tagLocks serialises the targets of a run that make the same builder
// image, so that it is built (or pulled, or pushed) once: the others wait,
// then find it on the daemon. The zero value is ready.
type tagLocks struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

// lock takes tag's lock, waiting while another target holds it (bounded
// by ctx, and by that target's own image step); the caller calls unlock.
func (l *tagLocks) lock(ctx context.Context, tag string) (unlock func(), err error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]chan struct{}{}
	}
	ch, ok := l.locks[tag]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[tag] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
