package engine

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/docker/cli/cli/config"
	"github.com/moby/moby/api/types/registry"
)

// RegistryOf returns the registry host of an image reference: "docker.io"
// for Docker Hub's images, "quay.io" for quay.io/centos/centos:stream9.
// An invalid reference gives "".
func RegistryOf(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	return reference.Domain(named)
}

// credentials is what a pull sends to one registry: the X-Registry-Auth
// value ("" pulls anonymously) and the secrets in it, which no message may
// show.
type credentials struct {
	header  string
	secrets []string
}

// credentialsFor reads the credentials the docker CLI would use for ref's
// registry from the config.json in dir: `auths` (what `docker login`
// writes), `credsStore` and `credHelpers` (helper programs, run as the CLI
// runs them). It uses the CLI's own config library, so every form the CLI
// accepts works here too; that library also honours DOCKER_AUTH_CONFIG, as
// the CLI does.
func credentialsFor(dir, ref string) (credentials, error) {
	if dir == "" {
		return credentials{}, nil
	}
	host := RegistryOf(ref)
	if host == "" {
		return credentials{}, fmt.Errorf("%q is not an image reference", ref)
	}
	cf, err := config.Load(dir)
	if err != nil {
		return credentials{}, fmt.Errorf("docker config in %s: %w", dir, err)
	}
	ac, err := cf.GetAuthConfig(host)
	if err != nil {
		return credentials{}, fmt.Errorf("credentials for %s (docker config in %s): %w", host, dir, err)
	}
	if ac.Username == "" && ac.Password == "" && ac.IdentityToken == "" && ac.RegistryToken == "" {
		return credentials{}, nil
	}
	js, err := json.Marshal(registry.AuthConfig{
		Username: ac.Username, Password: ac.Password, ServerAddress: ac.ServerAddress,
		IdentityToken: ac.IdentityToken, RegistryToken: ac.RegistryToken,
	})
	if err != nil {
		return credentials{}, err
	}
	c := credentials{header: base64.URLEncoding.EncodeToString(js)}
	for _, s := range []string{ac.Password, ac.IdentityToken, ac.RegistryToken, ac.Auth, c.header,
		base64.StdEncoding.EncodeToString([]byte(ac.Username + ":" + ac.Password))} {
		if s != "" && s != ":" {
			c.secrets = append(c.secrets, s)
		}
	}
	return c, nil
}

// scrub removes the secrets from a message: errors from the daemon or a
// credential helper must never show a password, even one it echoes back.
func (c credentials) scrub(msg string) string {
	for _, s := range c.secrets {
		msg = strings.ReplaceAll(msg, s, "[secret]")
	}
	return msg
}
