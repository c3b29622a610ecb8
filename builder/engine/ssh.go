package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// sshOpts returns the client options for an ssh://[user@]host[:port]
// endpoint. Like the docker CLI, every connection is an `ssh HOST -- docker
// system dial-stdio` process whose stdin and stdout carry the Engine API, so
// the remote daemon needs no open port, only the docker CLI. The ssh command
// can be replaced (DBUILDER_SSH_COMMAND, like GIT_SSH_COMMAND), e.g.
// "ssh -F ./ssh_config -i ./key".
func sshOpts(endpoint string, command []string) ([]client.Opt, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "ssh" || u.Hostname() == "" {
		return nil, fmt.Errorf("endpoint %q: want ssh://[user@]host[:port]", endpoint)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("endpoint %q: an ssh endpoint takes no path", endpoint)
	}
	argv := append([]string(nil), command...)
	if len(argv) == 0 {
		argv = []string{"ssh"}
	}
	// BatchMode: never stop a build to ask for a password.
	argv = append(argv, "-o", "BatchMode=yes")
	if u.User != nil {
		argv = append(argv, "-l", u.User.Username())
	}
	if p := u.Port(); p != "" {
		argv = append(argv, "-p", p)
	}
	argv = append(argv, "--", u.Hostname(), "docker", "system", "dial-stdio")
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) { return dialCommand(argv) }
	return []client.Opt{
		client.WithHost("http://docker.example.com"), // any http host: the dialer decides where bytes go
		client.WithDialContext(dial),
	}, nil
}

// dialCommand starts argv and returns its stdin/stdout as a connection. The
// process is not tied to a dial context: a connection lives on after the
// dial returns, and Close ends it.
func dialCommand(argv []string) (net.Conn, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &cmdConn{cmd: cmd, in: in, out: out}
	cmd.Stderr = &c.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", argv[0], err)
	}
	return c, nil
}

// cmdConn is a net.Conn over a child process's stdin and stdout.
type cmdConn struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    io.ReadCloser
	stderr lockedBuffer
	once   sync.Once
}

// lockedBuffer collects ssh's stderr, written by exec's copier while Read
// may look at it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.out.Read(p)
	if err == io.EOF && n == 0 {
		if msg := strings.TrimSpace(c.stderr.String()); msg != "" {
			return 0, fmt.Errorf("ssh: %s", msg)
		}
	}
	return n, err
}

func (c *cmdConn) Write(p []byte) (int, error) { return c.in.Write(p) }

// CloseWrite lets a hijacked stream (docker load, exec stdin) send EOF.
func (c *cmdConn) CloseWrite() error { return c.in.Close() }

func (c *cmdConn) Close() error {
	c.once.Do(func() {
		c.in.Close()
		done := make(chan struct{})
		go func() { c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			c.cmd.Process.Kill()
			<-done
		}
	})
	return nil
}

type cmdAddr struct{}

func (cmdAddr) Network() string { return "cmd" }
func (cmdAddr) String() string  { return "ssh" }

func (c *cmdConn) LocalAddr() net.Addr                { return cmdAddr{} }
func (c *cmdConn) RemoteAddr() net.Addr               { return cmdAddr{} }
func (c *cmdConn) SetDeadline(t time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(t time.Time) error { return nil }
