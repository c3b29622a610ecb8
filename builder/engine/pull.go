package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ErrDenied is returned (wrapped) when a registry refuses a pull: wrong or
// missing credentials, or (Docker Hub words it the same way) no such
// repository.
var ErrDenied = errors.New("access denied")

// RegistryError is a failed pull or registry lookup. Kind is
// ErrUnreachable, ErrDenied, ErrNotFound or nil; Reason is the daemon's
// words, scrubbed of the credentials sent.
type RegistryError struct {
	What   string // "pull debian:bookworm"
	Kind   error
	Reason string
}

func (e *RegistryError) Error() string {
	if e.Kind == nil {
		return e.What + ": " + e.Reason
	}
	return e.What + ": " + e.Kind.Error() + ": " + e.Reason
}

func (e *RegistryError) Unwrap() error { return e.Kind }

// A pull that hears nothing from the daemon for this long is given up: the
// first answer comes once the registry has sent the image's manifest; after
// that, progress messages flow while layers download and unpack.
const (
	PullFirstAnswer = 20 * time.Second
	PullStall       = 2 * time.Minute
)

// ImagePull pulls ref with the docker CLI's credentials for its registry,
// writing one progress line per layer status change to opt.Progress.
// A registry that does not answer fails at once (no such host, connection
// refused) or after PullFirstAnswer, as ErrUnreachable.
func (d *Docker) ImagePull(ctx context.Context, ref string, opt PullOptions) error {
	creds, err := credentialsFor(d.configDir, ref)
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	silent := errors.New("no answer")
	watch := time.AfterFunc(PullFirstAnswer, func() { cancel(silent) })
	defer watch.Stop()
	po := client.ImagePullOptions{RegistryAuth: creds.header}
	if opt.Platform != "" {
		parts := strings.SplitN(opt.Platform+"//", "/", 4)
		po.Platforms = []ocispec.Platform{{OS: parts[0], Architecture: parts[1], Variant: parts[2]}}
	}
	r, err := d.long.ImagePull(pctx, ref, po)
	if err == nil {
		err = pullStream(r, opt.Progress, func(string) { watch.Reset(PullStall) })
		r.Close()
	}
	return transferEnd(ctx, pctx, silent, "pull "+ref, ref, err, creds)
}

// ImageInRegistry asks the daemon to look ref up in its registry (the
// manifest only), with the credentials a pull would use.
func (d *Docker) ImageInRegistry(ctx context.Context, ref string) error {
	creds, err := credentialsFor(d.configDir, ref)
	if err != nil {
		return fmt.Errorf("look up %s: %w", ref, err)
	}
	lctx, cancel := context.WithTimeout(ctx, PullFirstAnswer)
	defer cancel()
	_, err = d.api.DistributionInspect(lctx, ref, client.DistributionInspectOptions{EncodedRegistryAuth: creds.header})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case lctx.Err() != nil:
		return &RegistryError{"look up " + ref, ErrUnreachable, fmt.Sprintf("%s did not answer the daemon within %s", RegistryOf(ref), PullFirstAnswer)}
	}
	return registryError("look up "+ref, err, creds)
}

// registryError words a failed pull or lookup, scrubbed of the secrets
// sent, and marks the kinds callers act on.
func registryError(what string, err error, creds credentials) error {
	msg := strings.TrimPrefix(creds.scrub(err.Error()), "Error response from daemon: ")
	e := &RegistryError{What: what, Reason: msg}
	switch low := strings.ToLower(msg); {
	case containsAny(low, "no such host", "connection refused", "i/o timeout", "network is unreachable",
		"no route to host", "tls handshake timeout", "server misbehaving", "dial tcp", "connection reset",
		"timeout exceeded", "deadline exceeded"):
		e.Kind = ErrUnreachable
	case cerrdefs.IsUnauthorized(err) || cerrdefs.IsPermissionDenied(err) ||
		containsAny(low, "unauthorized", "authentication required", "no basic auth credentials", "denied", "forbidden"):
		e.Kind = ErrDenied
	case cerrdefs.IsNotFound(err):
		e.Kind = ErrNotFound
	}
	return e
}

// pullStream reads the daemon's JSON messages of a pull (or a push) to the
// end, calling tick with each one's status and writing a line to w (if
// any) whenever a layer's status changes; the many "Downloading" and
// "Extracting" updates of one layer give one line each. A message carrying
// an error ends it.
func pullStream(r io.Reader, w io.Writer, tick func(status string)) error {
	dec := json.NewDecoder(r)
	last := map[string]string{}
	for {
		var m struct {
			Status   string `json:"status"`
			ID       string `json:"id"`
			Error    string `json:"error"`
			Progress struct {
				Total int64 `json:"total"`
			} `json:"progressDetail"`
		}
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		tick(m.Status)
		if m.Error != "" {
			return errors.New(m.Error)
		}
		if w == nil || m.Status == "" || last[m.ID] == m.Status {
			continue
		}
		last[m.ID] = m.Status
		line := m.Status
		if m.ID != "" {
			line = m.ID + ": " + line
		}
		if m.Status == "Downloading" && m.Progress.Total > 0 {
			line += " " + size(m.Progress.Total)
		}
		fmt.Fprintln(w, line)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// size words a byte count as docker pull does (decimal units).
func size(n int64) string {
	f, units := float64(n), []string{"B", "kB", "MB", "GB"}
	i := 0
	for ; f >= 1000 && i < len(units)-1; i++ {
		f /= 1000
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

// transferEnd words how a pull or push (what) of ref ended: the caller's
// cancel, a registry that never answered (pctx cancelled with silent), or
// the registry's own error.
func transferEnd(ctx, pctx context.Context, silent error, what, ref string, err error, creds credentials) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(context.Cause(pctx), silent):
		return &RegistryError{what, ErrUnreachable, fmt.Sprintf("%s did not answer the daemon within %s", RegistryOf(ref), PullFirstAnswer)}
	}
	return registryError(what, err, creds)
}
