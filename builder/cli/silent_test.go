package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// silentListener accepts connections on 127.0.0.1 and never answers: a
// daemon that hangs, a port forwarded to nothing, a wrong port. It holds the
// connections until the test ends.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	return l.Addr().String()
}

// TestSilentDaemon runs every command that talks to the daemon against a
// listener that accepts and stays silent, with and without TLS (where the
// handshake itself never completes): each must give up by itself, exit
// non-zero and say which address did not answer. The limit below is how
// long the test waits before calling it a hang; dbuilder's own bound on
// the first answer is 20 s. The commands run at once (each mostly waits),
// then each is judged in its own subtest.
func TestSilentDaemon(t *testing.T) {
	bin := binary(t)
	mx := writeExampleMatrix(t, "silent", dockerBody)
	out := t.TempDir()
	certs := selfSignedCerts(t)
	cmds := map[string][]string{
		"build":    {"build", "-f", mx, "--output", out},
		"doctor":   {"doctor", "-f", mx},
		"gc":       {"gc"},
		"cache-ls": {"cache", "ls"},
		"release":  {"release", "-f", mx, "--output", filepath.Join(out, "rel")},
	}
	type outcome struct {
		args   []string
		addr   string
		out    string
		err    error
		killed bool
	}
	results := map[string]*outcome{}
	var wg sync.WaitGroup
	for _, tlsOn := range []bool{false, true} {
		for name, args := range cmds {
			env := append(os.Environ(), "DOCKER_CERT_PATH=", "DOCKER_TLS_VERIFY=", "DBUILDER_TEST=1", "GITLAB_CI=")
			if tlsOn {
				name += "/tls"
				env = append(env, "DOCKER_CERT_PATH="+certs, "DOCKER_TLS_VERIFY=1")
			}
			o := &outcome{args: args, addr: silentListener(t)}
			results[name] = o
			env = append(env, "DOCKER_HOST=tcp://"+o.addr)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, bin, args...)
				cmd.Env = env
				var buf bytes.Buffer
				cmd.Stdout, cmd.Stderr = &buf, &buf
				o.err = cmd.Run()
				o.out, o.killed = buf.String(), ctx.Err() != nil
			}()
		}
	}
	wg.Wait()
	for name, o := range results {
		t.Run(name, func(t *testing.T) {
			if o.killed {
				t.Fatalf("dbuilder %s was still waiting for a silent daemon after 60 s (killed):\n%s", strings.Join(o.args, " "), o.out)
			}
			var ee *exec.ExitError
			if !errors.As(o.err, &ee) || ee.ExitCode() == 0 {
				t.Fatalf("dbuilder %s: want a non-zero exit, got %v:\n%s", o.args[0], o.err, o.out)
			}
			for _, want := range []string{"tcp://" + o.addr, "did not answer within 20s"} {
				if !strings.Contains(o.out, want) {
					t.Errorf("dbuilder %s: the message lacks %q:\n%s", o.args[0], want, o.out)
				}
			}
		})
	}
}

// selfSignedCerts writes ca.pem, cert.pem and key.pem (one self-signed
// certificate serving as all three) into a temporary directory.
func selfSignedCerts(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dbuilder test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	files := map[string][]byte{"ca.pem": cert, "cert.pem": cert, "key.pem": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
