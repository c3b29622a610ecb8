package sidecar

import (
	"context"
	"strconv"
)

// DefaultMTU is what a dockerd gives its bridge when not told otherwise.
const DefaultMTU = 1500

// OuterMTU is the MTU of the network sidecars join on the daemon they run
// on (its default bridge), for their inner daemons to use: an inner
// daemon left at 1500 under an outer network below that (a CI runner's,
// a VPN's) sends packets that do not fit, and downloads in the package's
// tests hang without an error. 0 when the daemon does not say.
func OuterMTU(ctx context.Context, eng Engine) (int, error) {
	return eng.NetworkMTU(ctx, "bridge")
}

// mtuArgs are the inner dockerd's arguments for an MTU (none for 0).
func mtuArgs(mtu int) []string {
	if mtu <= 0 {
		return nil
	}
	return []string{"--mtu=" + strconv.Itoa(mtu)}
}
