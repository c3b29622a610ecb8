package distros

import "sort"

// families and distros are the one place a family or distro is added.
var families = map[string]Family{
	"debian": {Name: "debian", Format: "deb", Template: "deb.Dockerfile.tmpl", BuildScript: "build-deb.sh"},
}

var distros = []Distro{
	{Name: "debian:bookworm", Family: "debian", Image: "debian:bookworm"},
	{Name: "debian:trixie", Family: "debian", Image: "debian:trixie"},
}

// Lookup finds a distro by its matrix name ("debian:bookworm") and its family.
func Lookup(name string) (Distro, Family, bool) {
	for _, d := range distros {
		if d.Name == name {
			return d, families[d.Family], true
		}
	}
	return Distro{}, Family{}, false
}

// All returns every distro, test-only ones included, sorted by name.
func All() []Distro {
	out := append([]Distro(nil), distros...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the names of the distros users may pick (no test-only ones), sorted.
func Names() []string {
	var out []string
	for _, d := range All() {
		if !d.TestOnly {
			out = append(out, d.Name)
		}
	}
	return out
}
