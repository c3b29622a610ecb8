// Package version holds dbuilder's version, which tags the sidecar image it
// builds and labels everything it creates.
package version

// Version is set by release builds with
// -ldflags "-X github.com/dbuilder/dbuilder/builder/version.Version=1.2.3".
var Version = "0.1.0-dev"
