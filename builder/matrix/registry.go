package matrix

import "github.com/dbuilder/dbuilder/distros"

// Registry is what the matrix needs to know about distros. Builtin reads
// package distros; tests pass their own so they do not depend on which
// distros happen to ship.
type Registry interface {
	// Lookup finds a distro by its matrix name ("debian:bookworm").
	Lookup(name string) (distros.Distro, distros.Family, bool)
	// Names lists the distros users may pick, for error messages.
	Names() []string
}

// Builtin returns the registry of package distros.
func Builtin() Registry { return builtin{} }

type builtin struct{}

func (builtin) Lookup(name string) (distros.Distro, distros.Family, bool) {
	return distros.Lookup(name)
}

func (builtin) Names() []string { return distros.Names() }
