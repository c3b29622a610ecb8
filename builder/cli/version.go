package cli

// Version is dbuilder's version; release builds set it with
// -ldflags "-X github.com/dbuilder/dbuilder/builder/cli.Version=...".
var Version = "0.1.0-dev"
