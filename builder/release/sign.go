package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// MaxKeySize bounds a signing key; an armored private key is a few KiB.
const MaxKeySize = 1 << 20

// gnupgHome is where a signing container keeps the imported key: /dev/shm
// is a tmpfs of the container, so the key is never on a disk, and it is
// gone when the container stops.
const gnupgHome = "/dev/shm/dbuilder-gnupg"

// signingKey is an armored OpenPGP private key, held in memory only.
type signingKey struct{ armored []byte }

// KeyError is an unusable signing key: the user fixes it (exit code 2).
// Its message never quotes the key.
type KeyError struct{ Err error }

func (e KeyError) Error() string { return e.Err.Error() }
func (e KeyError) Unwrap() error { return e.Err }

// parseKey checks that data looks like an armored private key, without
// saying anything about its content.
func parseKey(data []byte) (*signingKey, error) {
	if len(data) > MaxKeySize {
		return nil, KeyError{fmt.Errorf("the signing key is larger than %d bytes; is it really one armored private key?", MaxKeySize)}
	}
	if !bytes.Contains(data, []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")) || !bytes.Contains(data, []byte("-----END PGP PRIVATE KEY BLOCK-----")) {
		return nil, KeyError{errors.New("the signing key is not an ASCII-armored OpenPGP private key (make one with: gpg --armor --export-secret-keys KEYID)")}
	}
	return &signingKey{armored: data}, nil
}

// importKey streams the key into gnupgHome of the running container id
// through the exec's stdin: it never lands in a file dbuilder writes, a
// tar stream, an environment variable or a log (gpg only says which key it
// imported).
func importKey(ctx context.Context, eng execer, id string, key *signingKey, log io.Writer) error {
	code, err := eng.Exec(ctx, id, []string{"sh", "-c", `umask 077 && mkdir -p "$GNUPGHOME" && exec gpg --batch --import`},
		bytes.NewReader(key.armored), log)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("gpg could not import the signing key (exit code %d); see the log", code)
	}
	return nil
}

// CheckKey reports whether data can be used as a signing key, before
// anything is built.
func CheckKey(data []byte) error {
	_, err := parseKey(data)
	return err
}
