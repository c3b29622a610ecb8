package engine

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/go-connections/tlsconfig"
	"github.com/moby/moby/client"
)

// Endpoint names the daemon an Engine talks to. The CLI fills it (from
// DOCKER_HOST and friends, see EndpointFromEnv); nothing below the CLI reads
// the environment, so one process can drive several endpoints.
type Endpoint struct {
	Host       string // unix://, tcp://, ssh://; "" is the local default socket
	CertPath   string // directory with ca.pem, cert.pem, key.pem: TLS with a client certificate
	TLSVerify  bool   // verify the daemon's certificate against ca.pem
	APIVersion string // pin the API version; "" negotiates
	// SSHCommand replaces "ssh" for ssh:// hosts (DBUILDER_SSH_COMMAND).
	SSHCommand []string
	// ConfigDir is the docker CLI's configuration directory, whose
	// config.json (auths, credsStore, credHelpers) gives the registry
	// credentials for pulls; "" pulls anonymously.
	ConfigDir string
}

// EndpointFromEnv reads the endpoint the docker CLI would use from the
// variables it reads: DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY,
// DOCKER_API_VERSION, DOCKER_CONFIG (else ~/.docker), plus
// DBUILDER_SSH_COMMAND.
func EndpointFromEnv(getenv func(string) string) Endpoint {
	cfg := getenv("DOCKER_CONFIG")
	if cfg == "" && getenv("HOME") != "" {
		cfg = filepath.Join(getenv("HOME"), ".docker")
	}
	return Endpoint{
		ConfigDir:  cfg,
		Host:       getenv("DOCKER_HOST"),
		CertPath:   getenv("DOCKER_CERT_PATH"),
		TLSVerify:  getenv("DOCKER_TLS_VERIFY") != "",
		APIVersion: getenv("DOCKER_API_VERSION"),
		SSHCommand: strings.Fields(getenv("DBUILDER_SSH_COMMAND")),
	}
}

// String is the endpoint as a user wrote it, for messages.
func (e Endpoint) String() string {
	if e.Host == "" {
		return client.DefaultDockerHost
	}
	return e.Host
}

// UsesTLS says whether the connection is encrypted with a client certificate.
func (e Endpoint) UsesTLS() bool { return e.CertPath != "" }

// PlainTCP says whether the endpoint is TCP without TLS: anything that can
// reach the port owns the daemon.
func (e Endpoint) PlainTCP() bool { return strings.HasPrefix(e.Host, "tcp://") && !e.UsesTLS() }

// options turns the endpoint into client options. Every connection is
// bounded (dial, TLS handshake: ConnectTimeout); header, when not 0, bounds
// the wait for a response's headers (see AnswerTimeout).
func (e Endpoint) options(header time.Duration) ([]client.Opt, error) {
	opts := []client.Opt{client.WithAPIVersionNegotiation()}
	if e.APIVersion != "" {
		opts = append(opts, client.WithAPIVersion(e.APIVersion))
	}
	opts = append(opts, client.WithHTTPClient(boundedClient(header)))
	if strings.HasPrefix(e.Host, "ssh://") {
		ssh, err := sshOpts(e.Host, e.SSHCommand)
		if err != nil {
			return nil, err
		}
		return append(opts, ssh...), nil
	}
	opts = append(opts, client.WithHost(e.String()))
	if e.CertPath != "" {
		cfg, err := tlsconfig.Client(tlsconfig.Options{
			CAFile:             filepath.Join(e.CertPath, "ca.pem"),
			CertFile:           filepath.Join(e.CertPath, "cert.pem"),
			KeyFile:            filepath.Join(e.CertPath, "key.pem"),
			InsecureSkipVerify: !e.TLSVerify,
			MinVersion:         tls.VersionTLS12,
		})
		if err != nil {
			return nil, fmt.Errorf("TLS certificates in %s: %w", e.CertPath, err)
		}
		// TLS is done by the dialer, not the transport: the SDK's hijacked
		// connections (exec, attach, BuildKit) then use the same bounded
		// dial, where with a transport's TLS config they would call
		// tls.Dial with no bound at all.
		opts = append(opts, client.WithDialContext(tlsDialer(cfg)))
	}
	return opts, nil
}
