package ci

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"gopkg.in/yaml.v3"
)

// The dind service's traps, as GitLab runner issues name them: an MTU
// below the daemon's default 1500 (downloads then hang silently), a health
// check that waits on the wrong port, a registry mirror the runner's own
// daemon has and the service does not, and jobs lost to the runner itself.

// MinMTU and MaxMTU bound --mtu: IPv4's minimum a daemon accepts, and a
// jumbo frame.
const (
	MinMTU = 576
	MaxMTU = 9216
)

// RetryMax is how often GitLab runs a job again after a failure of the
// infrastructure (GitLab's own limit is 2).
const RetryMax = 2

// RetryWhen are the failures a job is run again after: the runner or its
// executor broke (the service or job container could not be set up), or
// no runner could be assigned. Not script_failure (a package's failure
// would repeat), nor stuck_or_timeout_failure: dbuilder stops a stuck
// target itself, so a job that hits GitLab's timeout has already cost the
// target's limit plus JobMargin, and a second try would cost it again.
var RetryWhen = []string{"runner_system_failure", "scheduler_failure"}

// checkService checks the service options of a pipeline.
func checkService(opt GitLabOptions) error {
	var errs []error
	if opt.MTU != 0 && (opt.MTU < MinMTU || opt.MTU > MaxMTU) {
		errs = append(errs, fmt.Errorf("--mtu %d: want a value from %d to %d (the MTU of the network the runner attaches the dind service to, e.g. 1360 or 1450)", opt.MTU, MinMTU, MaxMTU))
	}
	if opt.RegistryMirror != "" {
		if err := checkMirrorURL(opt.RegistryMirror); err != nil {
			errs = append(errs, err)
		}
	}
	if opt.Runner != DinD && (opt.MTU != 0 || opt.RegistryMirror != "") {
		errs = append(errs, errors.New("--mtu and --registry-mirror set the dind service's daemon: they need --runner dind (a socket runner's daemon is configured on its host)"))
	}
	return errors.Join(errs...)
}

// checkMirrorURL accepts what dockerd's --registry-mirror does: an http or
// https URL of a registry's root, without a path.
func checkMirrorURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--registry-mirror %q: want a URL such as https://mirror.example.org (a registry's root)", s)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--registry-mirror %q: a registry mirror is the root of a registry, without a path; a path prefix such as GitLab's dependency proxy goes to --mirror (DBUILDER_MIRROR) instead", s)
	}
	return nil
}

// dindService is the docker:dind service of a job.
func dindService(opt GitLabOptions) *yaml.Node {
	svc := mapping()
	add(svc, "name", str("docker:dind"))
	add(svc, "alias", str("docker"))
	// Words starting with "-" go to the image's dockerd.
	var args []string
	if opt.MTU != 0 {
		args = append(args, "--mtu="+strconv.Itoa(opt.MTU))
	}
	if opt.RegistryMirror != "" {
		args = append(args, "--registry-mirror="+opt.RegistryMirror)
	}
	if len(args) > 0 {
		add(svc, "command", seq(args...))
	}
	// The runner's health check may wait on any port the image exposes;
	// docker:dind exposes 2375 too, which never opens with TLS.
	vars := mapping()
	add(vars, "HEALTHCHECK_TCP_PORT", str("2376"))
	add(svc, "variables", vars)
	return svc
}

// retry runs a job again after a failure of the runner, not the package.
func retry() *yaml.Node {
	r := mapping()
	add(r, "max", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(RetryMax)})
	add(r, "when", seq(RetryWhen...))
	return r
}
