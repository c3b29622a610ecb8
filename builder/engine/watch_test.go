package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// connectTo connects to the stand-in daemon srv, with a context that
// bounds the test.
func connectTo(t *testing.T, srv *httptest.Server) (*Docker, string, context.Context) {
	t.Helper()
	addr := "tcp://" + strings.TrimPrefix(srv.URL, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	d, err := New(ctx, Endpoint{Host: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, addr, ctx
}

// freezable is a stand-in daemon that answers pings and lists, and leaves
// the requests that hangs selects unanswered while *frozen is set.
func freezable(frozen *atomic.Bool, hangs func(*http.Request) bool) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if frozen.Load() && hangs(r) {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Api-Version", "1.41")
		if strings.HasSuffix(r.URL.Path, "/_ping") {
			w.Write([]byte("OK"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
}

// A daemon that answers the first ping and then goes silent: the watchdog
// cancels the run's context with a SilentError naming the address, and
// from then on the engine refuses calls at once (cleanup does not wait
// out each call's bound) until a ping is answered again.
func TestWatchSilentDaemon(t *testing.T) {
	var frozen atomic.Bool
	srv := freezable(&frozen, func(*http.Request) bool { return true })
	defer srv.Close()
	d, addr, ctx := connectTo(t, srv)
	wctx, stop := Watch(ctx, d, 50*time.Millisecond, 300*time.Millisecond)
	defer stop()
	if _, err := d.ContainerList(wctx, nil); err != nil {
		t.Fatalf("before the silence: %v", err)
	}
	frozen.Store(true)
	select {
	case <-wctx.Done():
	case <-ctx.Done():
		t.Fatal("the watchdog never noticed the silence")
	}
	s := IsSilent(context.Cause(wctx))
	if s == nil || s.Addr != addr || !strings.Contains(s.Error(), "daemon at "+addr+" stopped answering") {
		t.Fatalf("cause %v, want a SilentError for %s", context.Cause(wctx), addr)
	}
	// Refused by the gate: waiting would end in another error.
	_, err := d.ContainerList(context.Background(), nil)
	if IsSilent(err) == nil {
		t.Fatalf("a call while silent: %v, want the SilentError", err)
	}
	frozen.Store(false)
	for i := 0; ; i++ {
		if _, err = d.ContainerList(ctx, nil); err == nil {
			break
		}
		if !errors.As(err, new(*SilentError)) || i > 200 {
			t.Fatalf("after the daemon answers again: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stopping a watch that saw a silence opens the engine again, and no ping
// left in flight can shut it afterwards: release's own watch, after a
// build that ended in a silence, starts with the daemon given a chance.
func TestWatchStopOpensTheGate(t *testing.T) {
	var frozen atomic.Bool
	srv := freezable(&frozen, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/_ping") })
	defer srv.Close()
	d, _, ctx := connectTo(t, srv)
	frozen.Store(true) // pings hang; other calls would answer
	wctx, stop := Watch(ctx, d, 20*time.Millisecond, 100*time.Millisecond)
	<-wctx.Done()
	if _, err := d.ContainerList(ctx, nil); IsSilent(err) == nil {
		t.Fatalf("while silent: %v, want the SilentError", err)
	}
	stop() // a ping is in flight: stop ends it and waits
	if _, err := d.ContainerList(ctx, nil); err != nil {
		t.Fatalf("after stop: %v, want the call to go through", err)
	}
	time.Sleep(200 * time.Millisecond) // no goroutine left to shut it again
	if _, err := d.ContainerList(ctx, nil); err != nil {
		t.Fatalf("after stop, later: %v", err)
	}
}

// A daemon that goes away during a wait (killed, restarted): the error says
// which daemon dropped the connection.
func TestWaitDroppedConnection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		if strings.HasSuffix(r.URL.Path, "/_ping") {
			w.Write([]byte("OK"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"StatusCode":`))
		w.(http.Flusher).Flush()
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	}))
	defer srv.Close()
	d, addr, ctx := connectTo(t, srv)
	_, err := d.ContainerWait(ctx, "c0ffee")
	if err == nil || !strings.Contains(err.Error(), "the daemon at "+addr+" dropped the connection") {
		t.Fatalf("wait on a dropped connection: %v", err)
	}
}
