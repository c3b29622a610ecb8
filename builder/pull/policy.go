// Package pull fetches the images a run needs from their registries before
// anything else is created: each image at most once per run, and nothing
// more from a registry that could not be reached.
package pull

import "fmt"

// Policy says when images are pulled, as buildx's --pull and compose's
// pull_policy do.
type Policy string

const (
	Missing Policy = "missing" // pull what the daemon lacks (the default)
	Always  Policy = "always"  // pull every image, for the newest one
	Never   Policy = "never"   // use only what the daemon holds (offline)
)

// ParsePolicy reads a --pull value; "" is Missing.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(s); p {
	case "":
		return Missing, nil
	case Missing, Always, Never:
		return p, nil
	}
	return "", fmt.Errorf("--pull must be missing, always or never, got %q", s)
}
