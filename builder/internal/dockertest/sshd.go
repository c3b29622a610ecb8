package dockertest

import (
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/internal/testreq"

	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// SSHEndpoint starts a private sshd on a free loopback port that lets root
// in with a fresh key, and points DOCKER_HOST and DBUILDER_SSH_COMMAND at it
// for this test: `ssh root@127.0.0.1 -- docker system dial-stdio` then
// reaches this machine's daemon, as a remote ssh:// endpoint would.
func SSHEndpoint(t testing.TB) engine.Endpoint {
	t.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/sshd"); err != nil {
			testreq.Need(t, "sshd is not installed (apt-get install openssh-server)")
		}
		sshd = "/usr/sbin/sshd"
	}
	testreq.Root(t, "the ssh endpoint test logs in as root")
	dir := t.TempDir()
	for _, k := range []string{"host", "client"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k)).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub, _ := os.ReadFile(filepath.Join(dir, "client.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := fmt.Sprintf(`ListenAddress 127.0.0.1
Port %d
HostKey %s/host
AuthorizedKeysFile %s/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
UsePAM no
PidFile %s/sshd.pid
`, port, dir, dir, dir)
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(cfg), 0o600)
	os.MkdirAll("/run/sshd", 0o755) // privilege separation directory
	cmd := exec.Command(sshd, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	var log bytes.Buffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("sshd log:\n%s", log.String())
		}
	})
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatalf("sshd did not listen on %d", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return engine.Endpoint{
		Host:       fmt.Sprintf("ssh://root@127.0.0.1:%d", port),
		SSHCommand: []string{"ssh", "-i", filepath.Join(dir, "client"), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"},
	}
}
