package names

import (
	"strings"
	"testing"
)

func TestCacheRepo(t *testing.T) {
	for _, s := range []string{"127.0.0.1:5000/dbuilder-cache", "registry.gitlab.com/group/project/dbuilder-cache", "localhost/c", "user/cache"} {
		if err := CacheRepo(s); err != nil {
			t.Errorf("CacheRepo(%q) = %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"reg.example.com/cache:latest":                            "leave out the tag",
		"reg.example.com/cache@sha256:" + strings.Repeat("a", 64): "leave out the digest",
		"https://reg.example.com/cache":                           "leave out the scheme",
		"reg.example.com/Cache":                                   "lowercase",
		"$CI_REGISTRY_IMAGE/cache":                                `contains '$'`,
		"reg.example.com/" + strings.Repeat("a", 250):             "longer than",
		"": "empty",
	} {
		if err := CacheRepo(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CacheRepo(%q) = %v, want an error with %q", s, err, want)
		}
	}
}
