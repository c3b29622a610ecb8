package engine

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Inner returns an Engine for the daemon listening on host inside the
// running container id. Each connection is `docker -H HOST system
// dial-stdio` started by exec in that container, its stdin and stdout
// carrying the Engine API, so the nested daemon needs no published port and
// the same code works for a local, TCP or ssh outer daemon. Callers poll
// Info for readiness and Close the Engine when done.
func (d *Docker) Inner(ctx context.Context, id, host string) (Engine, error) {
	cmd := []string{"docker", "-H", host, "system", "dial-stdio"}
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) { return d.execConn(ctx, id, cmd) }
	opts := func(header time.Duration) ([]client.Opt, error) {
		return []client.Opt{
			client.WithHTTPClient(boundedClient(header)),
			client.WithHost("http://inner.invalid"), // any http host: the dialer decides where bytes go
			client.WithDialContext(dial),
			client.WithAPIVersionNegotiation(),
		}, nil
	}
	// Its own gate: the outer daemon's gate already refuses the exec that
	// each connection starts.
	g := &gate{}
	api, long, err := clients(opts, g)
	if err != nil {
		return nil, fmt.Errorf("inner daemon client: %w", err)
	}
	return &Docker{api: api, long: long, g: g, endpoint: host + " in container " + short(id)}, nil
}

// execConn runs cmd in container id and returns its stdio as a connection.
// The exec's output is multiplexed (no TTY, so bytes pass unchanged): stdout
// is the connection's read side, stderr is kept for the error message when
// the command ends early (say, "Cannot connect to the Docker daemon").
func (d *Docker) execConn(ctx context.Context, id string, cmd []string) (net.Conn, error) {
	ex, err := d.api.ExecCreate(ctx, id, client.ExecCreateOptions{Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return nil, wrap(err, "exec dial-stdio in "+short(id))
	}
	att, err := d.api.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, wrap(err, "attach dial-stdio in "+short(id))
	}
	pr, pw := io.Pipe()
	c := &execConn{att: att, r: pr}
	go func() {
		_, err := stdcopy.StdCopy(pw, &c.stderr, att.Reader)
		if msg := strings.TrimSpace(c.stderr.String()); msg != "" {
			err = fmt.Errorf("inner daemon: %s", msg)
		}
		pw.CloseWithError(err) // nil: plain EOF
	}()
	return c, nil
}

// execConn is a net.Conn over an exec's hijacked stdio.
type execConn struct {
	att    client.ExecAttachResult
	r      *io.PipeReader
	stderr lockedBuffer
	once   sync.Once
}

func (c *execConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *execConn) Write(p []byte) (int, error) { return c.att.Conn.Write(p) }

// CloseWrite ends the exec's stdin: dial-stdio then closes its side.
func (c *execConn) CloseWrite() error { return c.att.CloseWrite() }

func (c *execConn) Close() error {
	c.once.Do(func() {
		c.att.Close()
		c.r.Close()
	})
	return nil
}

type execAddr struct{}

func (execAddr) Network() string { return "exec" }
func (execAddr) String() string  { return "dial-stdio" }

func (c *execConn) LocalAddr() net.Addr              { return execAddr{} }
func (c *execConn) RemoteAddr() net.Addr             { return execAddr{} }
func (c *execConn) SetDeadline(time.Time) error      { return nil }
func (c *execConn) SetReadDeadline(time.Time) error  { return nil }
func (c *execConn) SetWriteDeadline(time.Time) error { return nil }
