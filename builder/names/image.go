package names

import (
	// digest.Parse accepts only algorithms whose hash is linked in.
	_ "crypto/sha256"
	_ "crypto/sha512"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/distribution/reference"
)

// ImageRef checks a container image reference ("mariadb:10.11",
// "reg:5000/a/b@sha256:...") against the Docker reference grammar:
// [registry[:port]/]path[:tag][@digest], lowercase repository path.
func ImageRef(s string) error {
	const what = "image reference"
	return check(what, s, func(s string) string {
		if why := unsafe(s); why != "" {
			return why
		}
		if imagePath(s) != strings.ToLower(imagePath(s)) {
			return "the repository path must be lowercase"
		}
		if _, dgst, ok := strings.Cut(s, "@"); ok && !digest.MatchString(dgst) {
			return "invalid digest (expected sha256: and 64 hex digits, or sha512: and 128)"
		}
		if _, err := reference.ParseNormalizedNamed(s); err != nil {
			return imageReason(err)
		}
		return ""
	})
}

// digest is the form of the digests whose hashes are linked in.
var digest = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)

// imagePath returns the repository path of a reference: without the
// registry host (which may have capitals), the tag and the digest.
func imagePath(s string) string {
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		s = s[:i]
	}
	// The same rule as the reference library: a first component with a
	// '.' or ':', "localhost", or capitals is a registry host.
	if host, rest, ok := strings.Cut(s, "/"); ok &&
		(strings.ContainsAny(host, ".:") || host == "localhost" || strings.ToLower(host) != host) {
		return rest
	}
	return s
}

// imageReason rephrases the library's errors; some of them repeat the
// input, which the caller already shows quoted.
func imageReason(err error) string {
	switch {
	case errors.Is(err, reference.ErrNameContainsUppercase):
		return "the repository path must be lowercase"
	case errors.Is(err, reference.ErrNameTooLong):
		return fmt.Sprintf("the repository name is longer than %d characters", reference.NameTotalLengthMax)
	case errors.Is(err, reference.ErrTagInvalidFormat):
		return "invalid tag (allowed: up to 128 of A-Z a-z 0-9 _ . -, not starting with . or -)"
	case errors.Is(err, reference.ErrDigestInvalidFormat):
		return "invalid digest (expected sha256: and 64 hex digits, or sha512: and 128)"
	case errors.Is(err, reference.ErrNameEmpty):
		return "empty repository name"
	}
	return "does not follow [registry[:port]/]path[:tag][@digest] with a lowercase path"
}
