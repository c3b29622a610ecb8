package cli

import (
	"bytes"
	"testing"

	"github.com/dbuilder/dbuilder/builder/progress"
)

// --progress picks the view; plain output becomes GitLab sections only
// where GITLAB_CI is set; auto is plain when stdout is no terminal.
func TestProgressView(t *testing.T) {
	var out bytes.Buffer
	for _, tt := range []struct {
		mode, gitlab string
		want         string
	}{
		{"auto", "", "*progress.Plain"},
		{"plain", "", "*progress.Plain"},
		{"auto", "true", "*progress.GitLab"},
		{"plain", "true", "*progress.GitLab"},
		{"tty", "", "*progress.Board"},
		{"tty", "true", "*progress.Board"},
	} {
		t.Setenv("GITLAB_CI", tt.gitlab)
		v, err := progressView(tt.mode, &out)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		switch v.(type) {
		case *progress.Plain:
			got = "*progress.Plain"
		case *progress.GitLab:
			got = "*progress.GitLab"
		case *progress.Board:
			got = "*progress.Board"
		}
		v.Close()
		if got != tt.want {
			t.Errorf("--progress %s, GITLAB_CI=%q: %s, want %s", tt.mode, tt.gitlab, got, tt.want)
		}
	}
	if _, err := progressView("fancy", &out); err == nil {
		t.Error("--progress fancy accepted")
	}
}
