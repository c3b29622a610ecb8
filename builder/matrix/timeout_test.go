package matrix

import (
	"testing"
	"time"
)

// TestTimeout: each target's time limit is its last matching override's
// timeout, else the file's, else DefaultTimeout; "none" and 0 mean no limit.
func TestTimeout(t *testing.T) {
	const axes = "matrix:\n  distro: [debian:bookworm, debian:trixie]\n"
	tests := []struct {
		name, yaml       string
		bookworm, trixie time.Duration
	}{
		{"default", axes, DefaultTimeout, DefaultTimeout},
		{"top level", axes + "timeout: 90m\n", 90 * time.Minute, 90 * time.Minute},
		{"override wins", axes + "timeout: 2h\noverrides:\n  - match: {distro: debian:trixie}\n    timeout: 45s\n", 2 * time.Hour, 45 * time.Second},
		{"override over the default", axes + "overrides:\n  - match: {distro: \"debian:book*\"}\n    timeout: 1h30m\n", 90 * time.Minute, DefaultTimeout},
		{"later override wins", axes + "overrides:\n  - match: {distro: \"debian:*\"}\n    timeout: 3h\n  - match: {distro: debian:trixie}\n    timeout: 20s\n", 3 * time.Hour, 20 * time.Second},
		{"none disables", axes + "timeout: none\noverrides:\n  - match: {distro: debian:trixie}\n    timeout: 10m\n", 0, 10 * time.Minute},
		{"0 disables", axes + "timeout: 0\n", 0, 0},
		{"an override may disable", axes + "overrides:\n  - match: {distro: debian:trixie}\n    timeout: none\n", DefaultTimeout, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parse(t, head+tt.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if got := []time.Duration{m.Targets[0].Timeout, m.Targets[1].Timeout}; got[0] != tt.bookworm || got[1] != tt.trixie {
				t.Errorf("timeouts %v, want [%v %v]", got, tt.bookworm, tt.trixie)
			}
		})
	}
}

func TestParseTimeout(t *testing.T) {
	good := map[string]time.Duration{"90m": 90 * time.Minute, "1h30m": 90 * time.Minute, "1.5h": 90 * time.Minute, "20s": 20 * time.Second, "none": 0, "0": 0, "NONE": 0}
	for in, want := range good {
		if got, err := ParseTimeout(in); err != nil || got != want {
			t.Errorf("ParseTimeout(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "90", "soon", "-5m", "500ms", "1h 30m"} {
		if got, err := ParseTimeout(in); err == nil {
			t.Errorf("ParseTimeout(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatTimeout(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "none", 20 * time.Second: "20s", time.Hour: "1h", 90 * time.Minute: "1h30m", 75*time.Minute + 5*time.Second: "1h15m5s", 1500 * time.Millisecond: "1.5s"} {
		if got := FormatTimeout(d); got != want {
			t.Errorf("FormatTimeout(%v) = %q, want %q", d, got, want)
		}
		if d >= time.Second && d%time.Second == 0 {
			if back, err := ParseTimeout(FormatTimeout(d)); err != nil || back != d {
				t.Errorf("ParseTimeout(FormatTimeout(%v)) = %v, %v", d, back, err)
			}
		}
	}
}
