package names

import (
	"strings"

	"github.com/distribution/reference"
)

// MirrorPrefix checks a registry mirror prefix: a registry host (with a dot
// or a port, or localhost) and an optional path, no scheme, tag or digest;
// one trailing '/' is allowed ("gitlab.example.com:443/group/dependency_proxy/containers").
func MirrorPrefix(s string) error {
	return check("mirror prefix", s, func(s string) string {
		p := strings.TrimSuffix(s, "/")
		if strings.Contains(p, "://") {
			return "leave out the scheme: a prefix is host[:port][/path]"
		}
		host, _, _ := strings.Cut(p, "/")
		if !strings.ContainsAny(host, ".:") && host != "localhost" {
			return "it must start with a registry host (with a dot or a port, or localhost), like registry.example.com/hub"
		}
		if strings.ToLower(p) != p {
			return "it must be lowercase"
		}
		if ImageRef(p+"/library/debian:bookworm") != nil {
			return "not a registry host and path (no tag or digest; path parts of a-z 0-9 and . _ -)"
		}
		return ""
	})
}

// Mirrored returns image as pulled through the mirror prefix: a Docker Hub
// image gets the prefix in place of docker.io, keeping its whole path
// ("debian:bookworm" -> PREFIX/library/debian:bookworm, which GitLab's
// dependency proxy, Harbor and the registry's proxy mode all serve).
// Images of other registries, and every image when prefix is "", are
// returned unchanged: a Docker Hub mirror cannot serve them, and pulling
// quay.io's path from Docker Hub could fetch a different image.
func Mirrored(prefix, image string) string {
	if prefix == "" {
		return image
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil || reference.Domain(named) != "docker.io" {
		return image
	}
	out := strings.TrimSuffix(prefix, "/") + "/" + reference.Path(named)
	if t, ok := named.(reference.Tagged); ok {
		out += ":" + t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		out += "@" + d.Digest().String()
	}
	return out
}
