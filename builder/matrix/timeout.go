package matrix

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/names"
)

// DefaultTimeout limits a target whose matrix sets no timeout: long enough
// for a real package built cold (builder image, build, tests), short
// enough that a test that never returns is stopped within the hour, as
// GitLab stops a job by default.
const DefaultTimeout = 60 * time.Minute

// noLimit is how a timeout says "no limit" (0 says it too).
const noLimit = "none"

// ParseTimeout reads a target's time limit: a Go duration of at least a
// second ("90m", "1h30m", "45s"), or none (or 0) for no limit, which is 0.
func ParseTimeout(s string) (time.Duration, error) {
	if strings.EqualFold(s, noLimit) {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return 0, fmt.Errorf("%s has no unit; write a duration such as 90m, 1h30m or 45s (or none for no limit)", names.Quote(s))
		}
		return 0, fmt.Errorf("%s is not a duration; write one such as 90m, 1h30m or 45s (or none for no limit)", names.Quote(s))
	case d < 0:
		return 0, fmt.Errorf("%s is negative; write a duration such as 90m (or none for no limit)", names.Quote(s))
	case d > 0 && d < time.Second:
		return 0, fmt.Errorf("%s is less than a second; a target needs at least 1s (or none for no limit)", names.Quote(s))
	}
	return d, nil
}

// FormatTimeout writes d as ParseTimeout reads it, without zero units
// ("1h", "1h30m", "45s"); 0 is none.
func FormatTimeout(d time.Duration) string {
	if d <= 0 {
		return noLimit
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// timeoutOf is s parsed, or DefaultTimeout when s is not valid (validate
// reports that).
func timeoutOf(s string) time.Duration {
	d, err := ParseTimeout(s)
	if err != nil {
		return DefaultTimeout
	}
	return d
}
