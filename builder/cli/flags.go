package cli

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dbuilder/dbuilder/builder/session"
)

// The flags several commands share, spelled and explained the same way.

func addFile(fs *pflag.FlagSet, p *string) {
	fs.StringVarP(p, "file", "f", "matrix.yaml", "the matrix `FILE`")
}

func addDistro(fs *pflag.FlagSet, p *string, what string) {
	fs.StringVar(p, "distro", "", what+" (`SEL`): target name, distro (debian:trixie), distro base (fedora) or glob ('debian:*'); comma-separated")
}

func addOutput(fs *pflag.FlagSet, p *string, what string) {
	fs.StringVar(p, "output", "dist", what)
}

// addJobs is -j; left out, it is the number of CPUs (the flag's default
// is 0 so that the generated reference does not depend on the machine).
func addJobs(fs *pflag.FlagSet, p *int, what string) {
	fs.IntVarP(p, "jobs", "j", 0, what+" (`N`; default: the number of CPUs)")
}

// jobsOrCPUs is -j's value: the number of CPUs when not given.
func jobsOrCPUs(fs *pflag.FlagSet, n int) (int, error) {
	if !fs.Changed("jobs") {
		return runtime.NumCPU(), nil
	}
	if n < 1 {
		return 0, UsageError{fmt.Errorf("-j must be at least 1, got %d", n)}
	}
	return n, nil
}

func addSidecarImage(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "sidecar-image", "", "sidecar image `REF`: docker:dind or one like it (default: dbuilder's own, built locally; env DBUILDER_SIDECAR_IMAGE)")
}

func addPull(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "pull", "missing", "when to pull base, preload and sidecar images (`POLICY`): missing (those the daemon lacks), always, or never (offline)")
}

func addMirror(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "mirror", "", "pull Docker Hub's base images through this registry `PREFIX`, e.g. $CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX (wins over images.mirror; env DBUILDER_MIRROR)")
}

func addPlatform(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "platform", "", "the daemon's architecture `ARCH` to plan for: amd64, arm64 ... (or linux/arm64); default: the daemon's when it answers, else this machine's")
}

func addTimeout(fs *pflag.FlagSet, p *timeoutFlag) {
	fs.Var(p, "timeout", timeoutUsage)
}

// matrixFlags pick a matrix, its targets and where Docker Hub's images
// come from: -f/--file, --distro, --mirror.
type matrixFlags struct {
	file, distro, mirror string
}

// add adds the flags to c, --distro completing the matrix's targets.
func (f *matrixFlags) add(c *cobra.Command, what string) {
	addFile(c.Flags(), &f.file)
	addDistro(c.Flags(), &f.distro, what)
	addMirror(c.Flags(), &f.mirror)
	completeDistro(c)
}

// config is the session configuration the flags make, with the sidecar
// image sidecarRef names.
func (f *matrixFlags) config(stderr io.Writer, sidecarRef string) session.Config {
	return config(stderr, f.file, f.distro, f.mirror, sidecarRef)
}

// group is a command that only holds subcommands: run alone, or with one
// it does not have, it is a usage error that shows usage.
func group(use, short, usage string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.ArbitraryArgs,
		RunE: func(*cobra.Command, []string) error {
			return UsageError{fmt.Errorf("usage: %s", usage)}
		},
	}
}

// noArgs and maxArgs check positional arguments; a stray one is a usage
// error (exit 2).
var noArgs = maxArgs(0)

func maxArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > n {
			return UsageError{fmt.Errorf("%s: unexpected argument %q", c.CommandPath(), args[n])}
		}
		return nil
	}
}

// longDashes turns Go-flag style single-dash long flags (-distro x,
// -keep-going=false), which scripts written for earlier dbuilders use,
// into pflag's double-dash form. Only names that are long flags of some
// command are touched, and nothing after "--".
func longDashes(root *cobra.Command, args []string) []string {
	long := map[string]bool{}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { long[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && len(name) > 1 && long[name] {
			out[i] = "-" + a
		}
	}
	return out
}

// parseSize reads "512m", "2g", "1048576" into bytes; "" is 0.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	mult := int64(1)
	switch strings.ToLower(s[len(s)-1:]) {
	case "k":
		mult = 1 << 10
	case "m":
		mult = 1 << 20
	case "g":
		mult = 1 << 30
	}
	num := s
	if mult > 1 {
		num = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size (like 512m or 2g)", s)
	}
	return n * mult, nil
}
