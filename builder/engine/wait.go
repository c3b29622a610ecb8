package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultStartWait is how long a command waits for a TCP daemon that does
// not accept connections yet: a GitLab job can start before its docker:dind
// service listens (the runner's health check only waits for a port, and
// not always the right one), and before the service has written the
// client certificates the job reads.
const DefaultStartWait = 60 * time.Second

// NotReadyError is a daemon that did not start accepting connections
// within the wait.
type NotReadyError struct {
	Endpoint Endpoint
	After    time.Duration
	Last     error // why the last try failed
}

func (e NotReadyError) Error() string {
	what := "Docker daemon"
	if strings.HasPrefix(e.Endpoint.Host, "tcp://") {
		what = "dind service"
	}
	return fmt.Sprintf("%s not ready after %s: %v\n  likely causes:\n"+
		"  - it is still starting, or it failed: read its log (in GitLab, CI_DEBUG_SERVICES=true puts the service's log in the job's)\n"+
		"  - DOCKER_HOST (%s) names the wrong host or port: docker:dind listens on 2376 with TLS (DOCKER_TLS_CERTDIR set on the service), on 2375 without\n"+
		"  - TLS: the job needs DOCKER_CERT_PATH (/certs/client) and DOCKER_TLS_VERIFY=1, the service DOCKER_TLS_CERTDIR=/certs, and a runner that shares /certs/client between them (volumes = [\"/certs/client\"])\n"+
		"  DBUILDER_DAEMON_WAIT sets the wait (now %s)", what, secs(e.After), e.Last, e.Endpoint, secs(e.After))
}

// WaitStarted waits, up to bound, until ep's daemon accepts connections
// and its client certificates exist: a connection refused, a unix socket
// or a certificate file not there yet mean a daemon that is still
// starting. Anything else (a name that does not resolve, a listener that
// accepts) returns at once: New then says what is wrong. note, if not
// nil, is told once that it waits. bound 0 does not wait at all.
func WaitStarted(ctx context.Context, ep Endpoint, bound time.Duration, note func(string)) error {
	if bound <= 0 {
		return nil
	}
	start := time.Now()
	delay := 50 * time.Millisecond
	said := false
	for {
		err := starting(ctx, ep)
		if err == nil || !errors.Is(err, errStarting) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		waited := time.Since(start)
		if waited >= bound {
			return NotReadyError{Endpoint: ep, After: bound, Last: errors.Unwrap(err)}
		}
		if !said && note != nil {
			note(fmt.Sprintf("waiting up to %s for the Docker daemon at %s to start (%v)", secs(bound), ep, errors.Unwrap(err)))
			said = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(delay, bound-waited)):
		}
		delay = min(2*delay, time.Second)
	}
}

// secs writes d in seconds ("60s", "1.5s"), as people read a wait.
func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// errStarting marks a failure that a daemon still starting gives.
var errStarting = errors.New("daemon starting")

type startingErr struct{ err error }

func (e startingErr) Error() string        { return e.err.Error() }
func (e startingErr) Unwrap() error        { return e.err }
func (e startingErr) Is(target error) bool { return target == errStarting }

// starting tries ep once: its certificate files, then a bare connection
// (no request: a TLS daemon would want a handshake). A startingErr is
// worth waiting for.
func starting(ctx context.Context, ep Endpoint) error {
	if ep.CertPath != "" {
		for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
			if _, err := os.Stat(filepath.Join(ep.CertPath, f)); errors.Is(err, fs.ErrNotExist) {
				return startingErr{fmt.Errorf("no %s in DOCKER_CERT_PATH %s yet", f, ep.CertPath)}
			}
		}
	}
	network, addr, ok := dialAddr(ep)
	if !ok {
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(dctx, network, addr)
	if err == nil {
		c.Close()
		return nil
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
		return startingErr{err}
	}
	return err
}

// dialAddr is where a tcp:// or unix:// endpoint listens; ssh:// and
// others are not probed.
func dialAddr(ep Endpoint) (network, addr string, ok bool) {
	u, err := url.Parse(ep.String())
	if err != nil {
		return "", "", false
	}
	switch u.Scheme {
	case "tcp":
		addr = u.Host
		if u.Port() == "" {
			port := "2375"
			if ep.UsesTLS() {
				port = "2376"
			}
			addr = net.JoinHostPort(u.Hostname(), port)
		}
		return "tcp", addr, true
	case "unix":
		return "unix", u.Path, true
	}
	return "", "", false
}
