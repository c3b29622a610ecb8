package matrix

import (
	"sort"

	"github.com/dbuilder/dbuilder/distros"
)

// testRegistry is a fixed set of distros, so that these tests do not change
// when package distros gains or drops one.
type testRegistry map[string]distros.Distro

var testFamilies = map[string]distros.Family{
	"debian": {Name: "debian", Format: "deb"},
	"redhat": {Name: "redhat", Format: "rpm"},
	"suse":   {Name: "suse", Format: "rpm"},
}

var testDistros = testRegistry{
	"debian:bookworm": {Name: "debian:bookworm", Family: "debian", Image: "debian:bookworm"},
	"debian:trixie":   {Name: "debian:trixie", Family: "debian", Image: "debian:trixie"},
	"ubuntu:24.04":    {Name: "ubuntu:24.04", Family: "debian", Image: "ubuntu:24.04"},
	"fedora:40":       {Name: "fedora:40", Family: "redhat", Image: "fedora:40"},
	"fedora:41":       {Name: "fedora:41", Family: "redhat", Image: "fedora:41"},
	"rockylinux:9":    {Name: "rockylinux:9", Family: "redhat", Image: "rockylinux/rockylinux:9"},
	"opensuse:15.6":   {Name: "opensuse:15.6", Family: "suse", Image: "opensuse/leap:15.6"},
	"test:hidden":     {Name: "test:hidden", Family: "debian", Image: "debian:bookworm", TestOnly: true},
}

func (r testRegistry) Lookup(name string) (distros.Distro, distros.Family, bool) {
	d, ok := r[name]
	return d, testFamilies[d.Family], ok
}

func (r testRegistry) Names() []string {
	var out []string
	for n, d := range r {
		if !d.TestOnly {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
