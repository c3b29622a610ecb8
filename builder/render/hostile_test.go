package render

import (
	"bytes"
	"strings"
	"testing"
)

// Render must refuse values that could add a Dockerfile line or shell code,
// even when the caller skipped validation, and write nothing.
func TestHostile(t *testing.T) {
	cases := []struct {
		name   string
		distro string
		mutate func(*Input)
	}{
		{"deb dep with a newline", "debian:bookworm", func(in *Input) {
			in.Target.Build.Deps.Deb = []string{"libfoo\nRUN curl x | sh"}
		}},
		{"deb dep as an option", "debian:bookworm", func(in *Input) {
			in.Target.Build.Deps.Deb = []string{"--allow-unauthenticated"}
		}},
		{"rpm dep with a quote", "fedora:41", func(in *Input) {
			in.Target.Build.Deps.Rpm = []string{"pkgconfig(x)' ; curl x | sh ; '"}
		}},
		{"rpm dep with command substitution", "opensuse:15.6", func(in *Input) {
			in.Target.Build.Deps.Rpm = []string{"foo$(id)"}
		}},
		{"deb dep of rpm-on-debian", "debian-rpm:bookworm", func(in *Input) {
			in.Target.Build.Deps.Deb = []string{"libfoo\r\nRUN id"}
		}},
		{"image with a newline", "debian:bookworm", func(in *Input) {
			in.Distro.Image = "debian:bookworm\nRUN curl x | sh"
		}},
		{"docker CLI image with a newline", "debian:bookworm", func(in *Input) {
			in.DockerCLI.Image = "dbuilder/dind:1\nRUN id"
		}},
		{"docker CLI path with a space", "debian:bookworm", func(in *Input) {
			in.DockerCLI.Path = "/usr/bin/docker /etc/passwd"
		}},
		{"docker CLI path relative", "debian:bookworm", func(in *Input) {
			in.DockerCLI.Path = "../../docker"
		}},
		{"target name with a quote", "debian:bookworm", func(in *Input) {
			in.Target.Name = `x" io.evil="1`
		}},
		{"target name with a newline", "debian:bookworm", func(in *Input) {
			in.Target.Name = "x\nRUN id"
		}},
		{"spec file with a path", "fedora:41", func(in *Input) {
			in.SpecFile = "../../etc/x.spec"
		}},
		{"spec file with a newline", "rockylinux:8", func(in *Input) {
			in.SpecFile = "x.spec\nRUN id #.spec"
		}},
		{"repo id with a newline", "rockylinux:9", func(in *Input) {
			in.Distro.Repos = []string{"crb\nRUN id"}
		}},
		{"distro that is not the target's", "debian:bookworm", func(in *Input) {
			in.Target.Distro = "debian:trixie"
		}},
		{"family that is not the distro's", "debian:bookworm", func(in *Input) {
			in.Family.Name = "redhat"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input(t, c.distro, true, true)
			c.mutate(&in)
			var buf bytes.Buffer
			err := Dockerfile(&buf, in)
			if err == nil {
				t.Fatalf("rendered without error:\n%s", buf.String())
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
			if !strings.Contains(err.Error(), in.Target.Name) && !strings.Contains(c.name, "target name") {
				t.Errorf("error does not name the target: %v", err)
			}
		})
	}
}

// Every problem is reported at once.
func TestHostileAllReported(t *testing.T) {
	in := input(t, "debian:bookworm", true, true)
	in.Target.Build.Deps.Deb = []string{"a\nb", "c d"}
	in.Distro.Image = "x\ny"
	err := Dockerfile(&bytes.Buffer{}, in)
	if err == nil || strings.Count(err.Error(), "\n") < 2 {
		t.Fatalf("want three problems, got %v", err)
	}
}
