// Package session is how every command that talks to a daemon starts: the
// matrix loaded and its targets selected, the daemon connected and asked
// its architecture, the run's identity, and the jobs resolved for THAT
// daemon. One constructor, so no command resolves for the wrong machine.
package session

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/distros"
)

// Config is what a command chose.
type Config struct {
	// File is the matrix file; "" for commands that read none (gc).
	File string
	// Select is the --distro selector ("" selects every target).
	Select string
	// Mirror replaces the matrix's images.mirror ("" keeps it).
	Mirror  string
	Sidecar sidecar.Image
	Version string
	// Connect opens the endpoint.
	Connect func(context.Context) (engine.Engine, error)
}

// Session is one command's daemon and jobs.
type Session struct {
	Engine engine.Engine
	Daemon Daemon
	Run    ident.Run
	Matrix *matrix.Matrix // nil without a matrix file
	Jobs   []plan.Job
}

// Daemon is what the command needs to know of the daemon it talks to.
type Daemon struct {
	Info engine.Info
	Arch distros.Arch // its native architecture
}

// Close closes the engine.
func (s *Session) Close() error { return s.Engine.Close() }

// Open loads and selects (bad input fails before anything connects),
// connects, asks the daemon its architecture and resolves the jobs for it.
func Open(ctx context.Context, c Config) (*Session, error) {
	l, err := load(c)
	if err != nil {
		return nil, err
	}
	eng, err := c.Connect(ctx)
	if err != nil {
		return nil, ConnectError{err}
	}
	info, err := eng.Info(ctx)
	if err != nil {
		eng.Close()
		return nil, ConnectError{err}
	}
	s := &Session{Engine: eng, Daemon: Daemon{Info: info, Arch: ArchOf(info)}, Run: ident.NewRun(c.Version), Matrix: l.m}
	if l.m != nil {
		if s.Jobs, err = l.resolve(c.Sidecar, s.Daemon.Arch); err != nil {
			eng.Close()
			return nil, err
		}
	}
	return s, nil
}

// ArchOf is the daemon's architecture; one dbuilder does not know is taken
// for this machine's, as a daemon on it would be.
func ArchOf(info engine.Info) distros.Arch {
	if a, ok := distros.LookupArch(info.Arch); ok {
		return a
	}
	return Local()
}

// Local is this machine's architecture.
func Local() distros.Arch {
	a, ok := distros.LookupArch(runtime.GOARCH)
	if !ok {
		a, _ = distros.LookupArch("amd64")
	}
	return a
}

// Platform parses a --platform value: a Debian architecture name as the
// matrix's arch axis has it (arm64), or a Docker platform (linux/arm64).
func Platform(s string) (distros.Arch, error) {
	name := s
	if os, rest, ok := strings.Cut(s, "/"); ok {
		if os != "linux" {
			return distros.Arch{}, fmt.Errorf("--platform %q: dbuilder builds Linux packages only", s)
		}
		name = rest
	}
	if name == "arm/v7" {
		name = "armhf"
	}
	a, ok := distros.LookupArch(name)
	if !ok {
		return distros.Arch{}, fmt.Errorf("--platform %q: unknown architecture (known: %v)", s, distros.ArchNames())
	}
	return a, nil
}
