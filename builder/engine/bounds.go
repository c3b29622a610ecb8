package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/moby/moby/client"
)

// Bounds on talking to a daemon: no call may wait forever on one that
// accepts connections and never answers (hung, stopped, a port forwarded
// to nothing).
const (
	// ConnectTimeout bounds a dial, a TLS handshake and the first ping.
	ConnectTimeout = 20 * time.Second
	// AnswerTimeout bounds the wait for the headers of a quick call
	// (inspect, list, create, start...). Calls that legitimately answer
	// late (wait, stop with its grace period, load, pull, logs, copies,
	// removals) go through a client without it; the run's watchdog (Watch)
	// bounds those, and RemoveTimeout removals.
	AnswerTimeout = 60 * time.Second
	// PingTimeout bounds one ping of the watchdog.
	PingTimeout = 5 * time.Second
	// RemoveTimeout bounds a removal (an image, a container's layer, a
	// volume such as a sidecar's whole data root): the daemon deletes
	// before it answers, which can take longer than AnswerTimeout, and gc
	// or cache prune run without a watchdog.
	RemoveTimeout = 10 * time.Minute
)

// removeBound gives ctx RemoveTimeout unless it has a deadline already.
func removeBound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, RemoveTimeout)
}

// boundedClient is the HTTP client of one SDK client: header bounds the
// wait for response headers (0: none). The SDK's WithHost then sets the
// dialer, which bounds the dial itself.
func boundedClient(header time.Duration) *http.Client {
	// HTTP/1.1 only, as the SDK's own transport: the daemon speaks nothing
	// else, and setting up HTTP/2 on a cloned transport gives it a TLS
	// config, which turns the SDK's requests to https.
	var proto http.Protocols
	proto.SetHTTP1(true)
	return &http.Client{
		Transport: &http.Transport{
			TLSHandshakeTimeout:   ConnectTimeout,
			ResponseHeaderTimeout: header,
			MaxIdleConns:          6,
			IdleConnTimeout:       30 * time.Second,
			Protocols:             &proto,
		},
		CheckRedirect: client.CheckRedirect,
	}
}

// tlsDialer dials TCP and does the TLS handshake, both within
// ConnectTimeout.
func tlsDialer(cfg *tls.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
		defer cancel()
		d := &tls.Dialer{NetDialer: &net.Dialer{}, Config: cfg}
		c, err := d.DialContext(ctx, network, addr)
		if err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("TLS connection to %s: no answer within %s", addr, ConnectTimeout)
		}
		return c, err
	}
}

// clients makes the two SDK clients of an endpoint: quick calls with
// AnswerTimeout, long ones without; both refuse every call but a ping
// while the gate is shut.
func clients(opts func(header time.Duration) ([]client.Opt, error), g *gate) (quick, long *client.Client, err error) {
	mk := func(header time.Duration) (*client.Client, error) {
		o, err := opts(header)
		if err != nil {
			return nil, err
		}
		return client.New(append(o, client.WithHTTPRequestHook(g.check))...)
	}
	if quick, err = mk(AnswerTimeout); err != nil {
		return nil, nil, err
	}
	if long, err = mk(0); err != nil {
		quick.Close()
		return nil, nil, err
	}
	return quick, long, nil
}

// dropped words the error of a call whose connection the daemon dropped
// (killed, restarted): "unexpected EOF" alone does not say who went away.
func (d *Docker) dropped(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w (the daemon at %s dropped the connection: was it stopped or restarted?)", err, d.endpoint)
	}
	return err
}
