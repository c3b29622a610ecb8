package pkgtest

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
)

//go:embed recipe/testbed-deb.Dockerfile
var testbedRecipe []byte

// Testbed is a distro's DEP-8 testbed image: how to build it and its tag.
// The tag is the hash of everything it is made from (the recipe, the base
// image's ID, the day its package lists are from, the daemon's address in
// the testbed), so a target reuses it all day and a new one is made when
// any of them changes.
type Testbed struct {
	Dockerfile []byte
	Args       map[string]string
	Tag        string
	Labels     map[string]string // labels.Inputs is Hash
	Hash       string            // of everything it is made from
	// CacheTag is its tag in a cache registry (--cache-registry), next to
	// the builder images.
	CacheTag string
}

// TestbedFor is the testbed of a distro: base is its base image (ID its
// image ID), foreign the target's architecture when it is emulated ("" for
// the daemon's own), dockerHost the DOCKER_HOST tests get, now the time
// (its UTC day picks the package lists).
func TestbedFor(distro, base, baseID, foreign, dockerHost string, now time.Time) Testbed {
	day := now.UTC().Format("2006-01-02")
	args := map[string]string{"BASE": base, "LISTS": day, "DOCKER_HOST_VALUE": dockerHost}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", testbedRecipe, baseID, day, dockerHost)
	hash := hex.EncodeToString(h.Sum(nil))
	lb := map[string]string{labels.Managed: "true", labels.Role: labels.RoleTestbed, labels.Distro: distro, labels.Inputs: hash}
	return Testbed{
		Dockerfile: testbedRecipe, Args: args, Labels: lb, Hash: hash,
		Tag:      ident.TestbedRepo(distro, foreign) + ":" + hash[:12],
		CacheTag: "testbed-" + ident.BuilderName(distro, foreign) + "-" + hash[:12],
	}
}
