package cli

import "github.com/dbuilder/dbuilder/builder/version"

// Version is dbuilder's version (see package version).
var Version = version.Version
