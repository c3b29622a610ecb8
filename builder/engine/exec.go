package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Exec runs cmd in a running container, feeding stdin (if not nil) and
// copying stdout+stderr to out; it returns the command's exit code.
func (d *Docker) Exec(ctx context.Context, id string, cmd []string, stdin io.Reader, out io.Writer) (int, error) {
	if out == nil {
		out = io.Discard
	}
	ex, err := d.api.ExecCreate(ctx, id, client.ExecCreateOptions{
		Cmd: cmd, AttachStdin: stdin != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return -1, wrap(err, fmt.Sprintf("exec %v in %s", cmd, short(id)))
	}
	att, err := d.api.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return -1, wrap(err, "exec attach")
	}
	defer att.Close()
	// Close the hijacked connection when ctx ends so the copy below returns.
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()
	if stdin != nil {
		go func() {
			io.Copy(att.Conn, stdin)
			att.CloseWrite()
		}()
	}
	if _, err := stdcopy.StdCopy(out, out, att.Reader); err != nil && ctx.Err() == nil {
		return -1, fmt.Errorf("exec %v output: %w", cmd, err)
	}
	if ctx.Err() != nil {
		return -1, ctx.Err()
	}
	r, err := d.api.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
	if err != nil {
		return -1, wrap(err, "exec inspect")
	}
	return r.ExitCode, nil
}
