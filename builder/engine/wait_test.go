package engine

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freePort returns a loopback address nothing listens on (yet).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// listenLater starts listening on addr (tcp or a unix path) after d, and
// accepts (then drops) connections until the test ends.
func listenLater(t *testing.T, network, addr string, d time.Duration) {
	t.Helper()
	lc := make(chan net.Listener, 1)
	go func() {
		time.Sleep(d)
		l, err := net.Listen(network, addr)
		if err != nil {
			t.Error(err)
			close(lc)
			return
		}
		lc <- l
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() {
		if l, ok := <-lc; ok {
			l.Close()
		}
	})
}

// A daemon that starts listening late is waited for; the wait is said
// once; one that never does gives up after the bound, naming the likely
// causes.
func TestWaitStarted(t *testing.T) {
	ctx := context.Background()
	t.Run("tcp-late", func(t *testing.T) {
		addr := freePort(t)
		listenLater(t, "tcp", addr, 1500*time.Millisecond)
		var notes []string
		t0 := time.Now()
		err := WaitStarted(ctx, Endpoint{Host: "tcp://" + addr}, 20*time.Second, func(s string) { notes = append(notes, s) })
		if err != nil || time.Since(t0) < 1400*time.Millisecond {
			t.Fatalf("err %v after %s", err, time.Since(t0))
		}
		if len(notes) != 1 || !strings.Contains(notes[0], "waiting up to 20s") || !strings.Contains(notes[0], "connection refused") {
			t.Errorf("notes %q", notes)
		}
	})
	t.Run("unix-late", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "docker.sock")
		listenLater(t, "unix", sock, time.Second)
		if err := WaitStarted(ctx, Endpoint{Host: "unix://" + sock}, 20*time.Second, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("certs-late", func(t *testing.T) {
		addr := freePort(t)
		listenLater(t, "tcp", addr, 0)
		dir := t.TempDir()
		go func() {
			time.Sleep(time.Second)
			for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
				os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
			}
		}()
		var notes []string
		err := WaitStarted(ctx, Endpoint{Host: "tcp://" + addr, CertPath: dir, TLSVerify: true}, 20*time.Second, func(s string) { notes = append(notes, s) })
		if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "no ca.pem in DOCKER_CERT_PATH") {
			t.Fatalf("err %v, notes %q", err, notes)
		}
	})
	t.Run("never", func(t *testing.T) {
		addr := freePort(t)
		t0 := time.Now()
		err := WaitStarted(ctx, Endpoint{Host: "tcp://" + addr}, 1500*time.Millisecond, nil)
		var nr NotReadyError
		if !errors.As(err, &nr) || time.Since(t0) < 1500*time.Millisecond || time.Since(t0) > 5*time.Second {
			t.Fatalf("err %v after %s", err, time.Since(t0))
		}
		for _, want := range []string{"dind service not ready after 1.5s", "connection refused", "DOCKER_HOST (tcp://" + addr + ")", "2376 with TLS", "DOCKER_CERT_PATH", "/certs/client", "DBUILDER_DAEMON_WAIT"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message lacks %q:\n%v", want, err)
			}
		}
	})
	// What no wait can fix returns at once, for New to word: a name that
	// does not resolve, a listener that accepts (and may never answer).
	t.Run("not-starting", func(t *testing.T) {
		addr := freePort(t)
		listenLater(t, "tcp", addr, 0)
		time.Sleep(100 * time.Millisecond)
		for _, host := range []string{"tcp://" + addr, "tcp://no-such-host.invalid:2376", "ssh://nobody@127.0.0.1:1"} {
			t0 := time.Now()
			if err := WaitStarted(ctx, Endpoint{Host: host}, 30*time.Second, nil); err != nil || time.Since(t0) > 5*time.Second {
				t.Errorf("%s: %v after %s", host, err, time.Since(t0))
			}
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if err := WaitStarted(cctx, Endpoint{Host: "tcp://" + freePort(t)}, time.Minute, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
	})
}
