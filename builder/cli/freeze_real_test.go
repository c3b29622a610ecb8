package cli

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/internal/testreq"
)

// freezer is a TCP proxy on 127.0.0.1 in front of the test's daemon that
// can stop passing bytes: to dbuilder, a daemon stopped with SIGSTOP (the
// connections stay open, nothing answers), without touching the daemon
// that other tests share.
type freezer struct {
	addr   string
	mu     sync.Mutex
	frozen bool
	thaw   chan struct{}
}

func newFreezer(t *testing.T, upstream engine.Endpoint) *freezer {
	t.Helper()
	network, address := "unix", "/var/run/docker.sock"
	switch h := upstream.Host; {
	case strings.HasPrefix(h, "unix://"):
		address = strings.TrimPrefix(h, "unix://")
	case strings.HasPrefix(h, "tcp://") && !upstream.UsesTLS():
		network, address = "tcp", strings.TrimPrefix(h, "tcp://")
	case h != "":
		testreq.Need(t, "the freezing proxy speaks to unix:// or plain tcp:// daemons, not "+h)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{addr: l.Addr().String(), thaw: make(chan struct{})}
	var conns []net.Conn
	var cmu sync.Mutex
	go func() {
		for {
			down, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial(network, address)
			if err != nil {
				down.Close()
				continue
			}
			cmu.Lock()
			conns = append(conns, down, up)
			cmu.Unlock()
			go f.pipe(up, down)
			go f.pipe(down, up)
		}
	}()
	t.Cleanup(func() {
		f.set(false)
		l.Close()
		cmu.Lock()
		defer cmu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return f
}

// pipe copies src to dst, holding each chunk while frozen; the end of src
// is passed on (after a thaw) as the end of dst.
func (f *freezer) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		f.wait()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				src.Close()
			}
			return
		}
	}
}

func (f *freezer) wait() {
	f.mu.Lock()
	frozen, thaw := f.frozen, f.thaw
	f.mu.Unlock()
	if frozen {
		<-thaw
	}
}

func (f *freezer) set(frozen bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen == frozen {
		return
	}
	f.frozen = frozen
	if !frozen {
		close(f.thaw)
		f.thaw = make(chan struct{})
	}
}

// TestDaemonSilentMidRunReal: the daemon stops answering during a real
// build's build step (the proxy freezes). dbuilder must fail the target by
// itself, naming the daemon's address and the step, exit 1, keep the last
// good packages, and say to run gc; once the daemon answers again, gc
// leaves nothing of the run.
func TestDaemonSilentMidRunReal(t *testing.T) {
	eng := dockertest.Engine(t)
	needImages(t, eng)
	dropCaches(t, eng, "frozen")
	fr := newFreezer(t, engine.EndpointFromEnv(os.Getenv))
	t.Setenv("DOCKER_HOST", "tcp://"+fr.addr)
	mx := writeExampleMatrix(t, "frozen", dockerBody)
	out := t.TempDir()
	if p := start(t, "build", "-f", mx, "--output", out); p.wait(t, 10*time.Minute) != 0 {
		t.Fatalf("the first build failed:\n%s", p.output())
	}
	good, _ := filepath.Glob(filepath.Join(out, "debian-bookworm", "*.deb"))
	if len(good) == 0 {
		t.Fatal("the first build made no .deb")
	}

	p := start(t, "build", "-f", mx, "--output", out, "--rebuild")
	if !p.waitFor("[debian-bookworm] dbuilder: step build", 10*time.Minute) {
		t.Fatalf("never reached the build step:\n%s", p.output())
	}
	fr.set(true)
	// 30 s of silence, then cleanup refused at once: well within this.
	code := p.wait(t, 3*time.Minute)
	o := p.output()
	t.Logf("the frozen run ends:\n%s", tailLines(o, 8))
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, o)
	}
	for _, want := range []string{"daemon at tcp://" + fr.addr + " stopped answering during build", "dbuilder gc"} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	for _, f := range good {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the last good package is gone: %v", err)
		}
	}
	fr.set(false)
	// The run's anchor ends once its connection's end reaches the daemon.
	var gcOut string
	for i := 0; i < 20; i++ {
		g := start(t, "gc")
		if c := g.wait(t, 3*time.Minute); c != 0 {
			t.Fatalf("gc exit %d:\n%s", c, g.output())
		}
		gcOut = g.output()
		if countLeft(t, eng, p.runID()) == 0 {
			break
		}
		time.Sleep(time.Second)
	}
	t.Logf("gc:\n%s", gcOut)
	dockertest.AssertClean(t, eng, p.runID())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := eng.Info(ctx); err != nil {
		t.Fatal(err)
	}
}

func tailLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}
