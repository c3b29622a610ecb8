// Package names checks values from matrix.yaml against their own grammars
// before they can reach a generated Dockerfile or a shell line.
package names

import "fmt"

// Package checks a package name for the given format ("deb" or "rpm").
func Package(format, s string) error {
	// TODO(helper A): real Debian policy / rpm grammars.
	if s == "" {
		return fmt.Errorf("empty package name")
	}
	return nil
}

// ImageRef checks a container image reference ("mariadb:10.11", "reg:5000/a/b@sha256:...").
func ImageRef(s string) error {
	if s == "" {
		return fmt.Errorf("empty image reference")
	}
	return nil
}
