package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromVCS(t *testing.T) {
	set := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{set("vcs", "git", "vcs.revision", "abc", "vcs.modified", "false"), "vcs:abc"},
		{set("vcs.revision", "abc", "vcs.modified", "true"), ""}, // a dirty tree: the revision says nothing
		{set("vcs.revision", "abc"), ""},                         // modified unknown
		{set("vcs.modified", "false"), ""},
		{nil, ""},
	} {
		if got := fromVCS(c.settings); got != c.want {
			t.Errorf("%v: %q, want %q", c.settings, got, c.want)
		}
	}
}

// A test binary has no VCS stamp: it is named by its executable's hash,
// the same every time in one process.
func TestIdentityOfATestBinary(t *testing.T) {
	a, err := Identity()
	if err != nil || !strings.HasPrefix(a, "exe:") || len(a) != len("exe:")+64 {
		t.Fatalf("identity %q %v", a, err)
	}
	if b, _ := Identity(); a != b {
		t.Errorf("identity changed: %s then %s", a, b)
	}
}
