package version

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
)

// Identity names the code of the running binary, for the result key: a
// result built by other code must not be reused, and Version stays
// "0.1.0-dev" in every build that is not a release. A binary built from a
// clean checkout is named by its VCS revision ("vcs:REV"). Anything else
// (a modified tree, whose revision does not say what code it has; go run;
// a test binary; no build info) is named by the sha256 of its own
// executable ("exe:SUM"), read once per process (tens of milliseconds).
var Identity = sync.OnceValues(identity)

func identity() (string, error) {
	if info, ok := debug.ReadBuildInfo(); ok {
		if id := fromVCS(info.Settings); id != "" {
			return id, nil
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("dbuilder's own identity: %w", err)
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("dbuilder's own identity: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("dbuilder's own identity: reading %s: %w", exe, err)
	}
	return "exe:" + hex.EncodeToString(h.Sum(nil)), nil
}

// fromVCS is "vcs:REV" for a build of a clean checkout, else "".
func fromVCS(settings []debug.BuildSetting) string {
	var rev, modified string
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" || modified != "false" {
		return ""
	}
	return "vcs:" + rev
}
