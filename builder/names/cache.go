package names

import (
	"strings"

	"github.com/distribution/reference"
)

// CacheRepo checks a cache registry repository: an image repository
// without tag or digest, since dbuilder tags each image it keeps there
// itself ("registry.example.com/group/project/dbuilder-cache").
func CacheRepo(s string) error {
	return check("cache registry repository", s, func(s string) string {
		if strings.Contains(s, "://") {
			return "leave out the scheme: a repository is [host[:port]/]path"
		}
		if strings.Contains(s, "@") {
			return "leave out the digest: dbuilder tags each image it keeps there"
		}
		if strings.Contains(s, "$") {
			return "contains '$': a variable nothing expanded (a job's shell expands $CI_REGISTRY_IMAGE in its script, not in a matrix file)"
		}
		if why := unsafe(s); why != "" {
			return why
		}
		if err := ImageRef(s); err != nil {
			return "not a [host[:port]/]path repository with a lowercase path"
		}
		if named, err := reference.ParseNormalizedNamed(s); err == nil {
			if _, tagged := named.(reference.Tagged); tagged {
				return "leave out the tag: dbuilder tags each image it keeps there"
			}
		}
		// The longest tag dbuilder gives, for the name's length limit.
		if ImageRef(s+":"+strings.Repeat("x", 110)) != nil {
			return "too long to take dbuilder's tags"
		}
		return ""
	})
}
