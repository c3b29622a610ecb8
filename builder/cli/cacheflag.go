package cli

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/dbuilder/dbuilder/builder/ci"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/names"
)

// cacheEnv names the cache registry when --cache-registry does not.
const cacheEnv = "DBUILDER_CACHE_REGISTRY"

func addCacheRegistry(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "cache-registry", "", "keep builder images in this registry `REPO` (no tag): pull one before building it, push what is built "+
		"(env "+cacheEnv+"; images.cache in the matrix)")
}

// cacheFlag is the cache registry the command line names: the flag, else
// the environment; "" leaves it to the matrix. It is checked before
// anything connects.
func cacheFlag(flag string) (string, error) {
	what := "--cache-registry"
	if flag == "" {
		flag, what = os.Getenv(cacheEnv), cacheEnv
	}
	if flag == "" {
		return "", nil
	}
	if err := names.CacheRepo(flag); err != nil {
		return "", UsageError{fmt.Errorf("%s: %w", what, err)}
	}
	return flag, nil
}

// cacheRepo is the cache registry a run uses: the command line's, else
// the matrix's images.cache ("" for none).
func cacheRepo(cmdline string, m *matrix.Matrix) string {
	if cmdline != "" || m == nil {
		return cmdline
	}
	return m.Images.Cache
}

// addCICacheRegistry is ci gitlab's --cache-registry, whose value may be
// left out for the project's own registry.
func addCICacheRegistry(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "cache-registry", "", "an image stage builds each builder image once and pushes it to this registry `REPO`, "+
		"the target jobs pull it (bare: the project's own registry; a value needs =; CI variables allowed)")
	fs.Lookup("cache-registry").NoOptDefVal = ci.DefaultCacheRegistry
}
