// Package regcache keeps builder images in a registry that daemons share,
// a cache registry: a daemon that starts empty (a GitLab job's docker:dind
// service, a new machine) pulls the image another one built instead of
// building it again. Tags carry the image's input hash, so a stale image is
// never served and pushing one twice changes nothing. The cache can only
// make a build faster: a registry that is down, that refuses dbuilder's
// credentials or holds something else under a tag leaves the build to go
// on without it, and says so once.
package regcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// Engine is what the cache needs of a daemon.
type Engine interface {
	Image(ctx context.Context, ref string) (engine.Image, error)
	ImagePull(ctx context.Context, ref string, opt engine.PullOptions) error
	ImageInRegistry(ctx context.Context, ref string) error
	ImagePush(ctx context.Context, ref string, opt engine.PushOptions) error
	ImageTag(ctx context.Context, src, dst string) error
	ImageRemove(ctx context.Context, ref string) error
}

// Options configure a run's cache.
type Options struct {
	// Repo is the repository every cached image goes to, each under its
	// own tag ("registry.example.com/group/project/dbuilder-cache").
	Repo string
	// NoPull leaves the registry's images alone (--pull never): images
	// are built here, and still pushed.
	NoPull bool
	// Say shows a run-wide line (each said once per run); nil drops it.
	Say func(line string)
}

// Cache is one run's use of a cache registry; a nil *Cache is no cache.
// It is safe for concurrent use by the run's targets.
type Cache struct {
	eng  Engine
	opt  Options
	host string

	contact sync.Mutex // held by the one registry call in flight until one has answered

	mu         sync.Mutex
	answered   bool // a registry call has returned: calls may run at once
	down       bool // the registry could not be reached: not asked again
	credsBad   bool // it refused a pull: the same credentials will not push either
	pushDenied bool // it refused a push: images are built here, not shared
	said       map[string]bool
}

// New returns the cache of opt.Repo, or nil when it is "".
func New(eng Engine, opt Options) *Cache {
	if opt.Repo == "" {
		return nil
	}
	if opt.Say == nil {
		opt.Say = func(string) {}
	}
	return &Cache{eng: eng, opt: opt, host: engine.RegistryOf(opt.Repo), said: map[string]bool{}}
}

// Ref is tag's reference in the cache registry.
func (c *Cache) Ref(tag string) string { return c.opt.Repo + ":" + tag }

// Fetch pulls tag from the registry and, when check accepts the image,
// names it local on the daemon. It says whether local is there now; the
// error is only ever the context's: anything else means "build it".
func (c *Cache) Fetch(ctx context.Context, tag, local string, check func(engine.Image) error, log io.Writer) (bool, error) {
	if c == nil {
		return false, nil
	}
	ref := c.Ref(tag)
	if c.opt.NoPull {
		c.sayOnce("nopull", fmt.Sprintf("dbuilder: --pull never: builder images are not pulled from the cache registry %s (those built here are still pushed)", c.opt.Repo))
		return false, nil
	}
	start := time.Now()
	if ok, err := c.pull(ctx, ref, log); !ok {
		return false, err
	}
	img, err := c.eng.Image(ctx, ref)
	if err == nil {
		err = check(img)
	}
	if err != nil {
		fmt.Fprintf(log, "dbuilder: %s is not the image this target needs (%v): building it, and pushing the one built\n", ref, err)
		c.untag(ref)
		return false, ctx.Err()
	}
	err = c.eng.ImageTag(ctx, ref, local)
	c.untag(ref)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		fmt.Fprintf(log, "dbuilder: naming the pulled image %s: %v\n", local, err)
		return false, nil
	}
	fmt.Fprintf(log, "dbuilder: builder image %s pulled from the cache registry in %.1fs (%s)\n", local, time.Since(start).Seconds(), ref)
	return true, nil
}

// pull pulls ref, unless the registry is known to be down or to refuse
// dbuilder's credentials; a failure is recorded and said.
func (c *Cache) pull(ctx context.Context, ref string, log io.Writer) (bool, error) {
	release := c.firstContact()
	defer release()
	if why := c.skip(false); why != "" {
		fmt.Fprintf(log, "dbuilder: %s not asked for (%s)\n", ref, why)
		return false, nil
	}
	fmt.Fprintf(log, "dbuilder: pulling the builder image from the cache registry: %s\n", ref)
	err := c.eng.ImagePull(ctx, ref, engine.PullOptions{Progress: log})
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case errors.Is(err, engine.ErrNotFound):
		fmt.Fprintf(log, "dbuilder: not in the cache registry yet\n")
		return false, nil
	}
	c.failed(err, "pull", log)
	return false, nil
}

// Store pushes the image local to the registry as tag. A push that fails
// is said (a refused one and a registry that is down once a run) and does
// not fail anything: it returns whether the push happened, and only the
// context's error.
func (c *Cache) Store(ctx context.Context, local, tag string, log io.Writer) (bool, error) {
	if c == nil {
		return false, nil
	}
	ref := c.Ref(tag)
	release := c.firstContact()
	defer release()
	if why := c.skip(true); why != "" {
		fmt.Fprintf(log, "dbuilder: not pushed to the cache registry (%s)\n", why)
		return false, nil
	}
	if err := c.eng.ImageTag(ctx, local, ref); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		fmt.Fprintf(log, "dbuilder: not pushed to the cache registry: %v\n", err)
		return false, nil
	}
	defer c.untag(ref)
	fmt.Fprintf(log, "dbuilder: pushing %s to the cache registry: %s\n", local, ref)
	start := time.Now()
	if err := c.eng.ImagePush(ctx, ref, engine.PushOptions{Progress: log}); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		c.failed(err, "push", log)
		return false, nil
	}
	fmt.Fprintf(log, "dbuilder: pushed %s in %.1fs\n", ref, time.Since(start).Seconds())
	return true, nil
}

// Publish makes sure the registry holds the image local as tag: it
// pushes it unless the registry has that tag already. For an image that
// was on the daemon before (dbuilder build --images-only), which Store
// alone would never share.
func (c *Cache) Publish(ctx context.Context, local, tag string, log io.Writer) (bool, error) {
	if c == nil {
		return false, nil
	}
	if has, err := c.has(ctx, tag, log); has || err != nil {
		return false, err
	}
	return c.Store(ctx, local, tag, log)
}

// has asks the registry whether it holds tag. One that cannot tell counts
// as not holding it: Store then says why it does not push.
func (c *Cache) has(ctx context.Context, tag string, log io.Writer) (bool, error) {
	release := c.firstContact()
	defer release()
	if c.skip(true) != "" {
		return false, nil
	}
	err := c.eng.ImageInRegistry(ctx, c.Ref(tag))
	switch {
	case err == nil:
		fmt.Fprintf(log, "dbuilder: the cache registry has it already: %s\n", c.Ref(tag))
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case !errors.Is(err, engine.ErrNotFound):
		c.failed(err, "look up", log)
	}
	return false, nil
}

// firstContact lets one registry call through at a time until one has
// answered, so that the others know whether the registry is down and one
// that is is asked once, however many targets start at once. The caller
// calls release once its call's outcome is recorded.
func (c *Cache) firstContact() (release func()) {
	c.mu.Lock()
	answered := c.answered
	c.mu.Unlock()
	if answered {
		return func() {}
	}
	c.contact.Lock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.answered = true
			c.mu.Unlock()
			c.contact.Unlock()
		})
	}
}

// skip says why the registry is not asked ("" when it is): it is down,
// or refused dbuilder's credentials (or, for a push, a push).
func (c *Cache) skip(push bool) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.down:
		return "registry down, see above"
	case c.credsBad:
		return "credentials refused, see above"
	case push && c.pushDenied:
		return "a push was refused, see above"
	}
	return ""
}

// failed records and says a failed pull, lookup or push.
func (c *Cache) failed(err error, what string, log io.Writer) {
	reason := err.Error()
	var re *engine.RegistryError
	if errors.As(err, &re) {
		reason = re.Reason
	}
	c.mu.Lock()
	switch {
	case errors.Is(err, engine.ErrUnreachable):
		c.down = true
	case errors.Is(err, engine.ErrDenied) && what == "push":
		c.pushDenied = true
	case errors.Is(err, engine.ErrDenied):
		c.credsBad = true
	}
	c.mu.Unlock()
	fmt.Fprintf(log, "dbuilder: cache registry: %s failed: %s\n", what, reason)
	switch {
	case errors.Is(err, engine.ErrUnreachable):
		c.sayOnce("down", fmt.Sprintf("dbuilder: cache registry %s cannot be reached (%s): builder images are built here and not pushed; the build goes on", c.host, reason))
	case errors.Is(err, engine.ErrDenied) && what == "push":
		c.sayOnce("push", fmt.Sprintf("dbuilder: warning: cache registry %s refused a push (%s): images built here are not shared; the build goes on. %s", c.host, reason, c.loginHint(true)))
	case errors.Is(err, engine.ErrDenied):
		c.sayOnce("creds", fmt.Sprintf("dbuilder: warning: cache registry %s refused dbuilder's credentials (%s): nothing is pulled from it or pushed to it; the build goes on. %s", c.host, reason, c.loginHint(false)))
	default:
		c.sayOnce("other-"+what, fmt.Sprintf("dbuilder: warning: %s in the cache registry %s failed (%s); the build goes on", what, c.host, reason))
	}
}

// loginHint says where dbuilder takes the credentials from.
func (c *Cache) loginHint(push bool) string {
	rights := ""
	if push {
		rights = " with push rights"
	}
	return fmt.Sprintf("Log in%s first (docker login %s; in GitLab CI, DOCKER_AUTH_CONFIG or a docker login with $CI_REGISTRY_USER): dbuilder sends the credentials the docker CLI keeps in $DOCKER_CONFIG/config.json (default ~/.docker/config.json).", rights, c.host)
}

func (c *Cache) sayOnce(key, line string) {
	c.mu.Lock()
	first := !c.said[key]
	c.said[key] = true
	c.mu.Unlock()
	if first {
		c.opt.Say(line)
	}
}

// untag removes the registry's name for an image from the daemon (the
// image stays under its own), on a fresh context: it runs after a cancel
// too.
func (c *Cache) untag(ref string) {
	engine.Cleanup(func(ctx context.Context) error { return c.eng.ImageRemove(ctx, ref) })
}
