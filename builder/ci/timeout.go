package ci

import (
	"fmt"
	"strings"
	"time"
)

// JobMargin is what a job's GitLab timeout adds to its target's own: the
// job's start (image, clone, the docker:dind service), the run's setup
// outside the target's limit (pulling base, preload and sidecar images
// into a fresh daemon, which is the bulk of it) and the reports. dbuilder
// then stops a stuck target itself, with its step and log tail, well before
// GitLab kills the job without either.
const JobMargin = 15 * time.Minute

// jobTimeout is a job's GitLab timeout for a target limited to d; "" (no
// timeout: key, GitLab's own applies) when the target has no limit.
func jobTimeout(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return gitlabDuration(d + JobMargin)
}

// gitlabDuration writes d rounded up to a minute the way GitLab's
// documentation writes job timeouts ("1h 30m").
func gitlabDuration(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	var parts []string
	if h := m / 60; h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m%60 > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m%60))
	}
	return strings.Join(parts, " ")
}
