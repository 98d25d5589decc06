package sdk

import (
	"errors"
	"time"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// TokenProvider returns a fresh login JWT for the customer logged in on this device,
// from the site's backend. It should give up, with an error, once cancel is closed.
type TokenProvider func(cancel <-chan struct{}) (string, error)

// tokenProviderTimeout bounds a TokenProvider: past it, the session's end is handled
// as if there were none.
const tokenProviderTimeout = 10 * time.Second

// errSessionEnded is the cause of a call the service refused with SESSION_INVALID:
// the session expired, or was revoked (a logOut, another tab's logIn).
var errSessionEnded = errors.New("the session ended at the service")

var errNoToken = errors.New("the token provider gave no token")

func sessionEnded(resp Response) bool {
	return resp.Status == 401 && serviceCode(resp.Body) == contract.CodeSessionInvalid
}

// SetTokenProvider sets, in call order, the function asked for a fresh login token when
// the verified customer's session ends at the service; nil removes it.
func (c *Client) SetTokenProvider(p TokenProvider) *Call[struct{}] {
	return submitLocal(c, func() (struct{}, *Error) { c.provider = p; return struct{}{}, nil })
}

// renewing runs fn and, when the service said its session had ended, renews the
// session and runs fn once more. It runs on the worker, so the calls after it wait:
// none sees the device between two sessions. An anonymous visitor's ended session
// (expired, or its customer erased) cannot be renewed; fn runs again as the fresh
// visitor the device now is, so the visitor meets an empty chat, not an error about
// a session it never knew of.
func renewing[T any](c *Client, fn func() (T, *Error)) func() (T, *Error) {
	return func() (T, *Error) {
		v, e := fn()
		if e != nil && e.Err == errSessionEnded {
			anonymous := !c.st.identity.Verified
			if c.renew() || anonymous {
				return fn()
			}
		}
		return v, e
	}
}

// renew handles the end of the device's session and reports whether it has a live
// one again. Another tab may have replaced the session already (its logIn revoked
// this one): then the stored one is taken. Else a verified customer logs in again in
// place with the provider's token, no event fired; without a provider, or when it
// fails or names another customer, the device becomes a fresh anonymous one, with a
// warning and onLogout. An anonymous customer cannot be renewed: its token was the
// device's only proof of it.
func (c *Client) renew() bool {
	c.ensureLoaded()
	ended := c.st.session
	if ended == "" {
		return false
	}
	c.reload()
	if c.st.session != ended {
		return c.st.session != ""
	}
	prev := c.st
	if !prev.identity.Verified {
		c.forget(c.stopPoller(), false)
		c.warn("the anonymous chat session ended at the service; starting a fresh anonymous visitor")
		return false
	}
	if c.provider == nil {
		c.endVerified("the chat session ended and no token provider is set (setTokenProvider)")
		return false
	}
	jwt, err := c.askProvider()
	if err != nil {
		c.endVerified("the chat session ended and the token provider gave no token")
		return false
	}
	claims, e := parseToken(jwt)
	if e != nil || !claims.names(&prev.identity) || claims.checkTime(c.now()) != nil {
		c.endVerified("the chat session ended and the token provider's token is not usable for this customer")
		return false
	}
	next, from, e := c.loginRequest(jwt, prev)
	if e != nil || next.identity.CustomerID != prev.identity.CustomerID {
		if e == nil {
			c.revokeInBackground(next.session) // another customer's: never used here
		}
		c.endVerified("the chat session ended and logging in again failed")
		return false
	}
	c.st = next
	c.persist(next)
	c.resumePoller(next.session, from)
	return true
}

func (c *Client) endVerified(why string) {
	unread := c.stopPoller()
	c.warn(why + "; the device is now an anonymous visitor")
	c.forget(unread, true)
}

// askProvider calls the provider on its own goroutine, so that one that ignores its
// cancel channel, or panics, cannot hold the worker past tokenProviderTimeout.
func (c *Client) askProvider() (string, error) {
	sc := c.scope.child()
	defer sc.cancel()
	timer := time.AfterFunc(c.providerTimeout, sc.cancel)
	defer timer.Stop()
	type result struct {
		jwt string
		err error
	}
	done := make(chan result, 1)
	provider := c.provider
	go func() {
		r := result{err: errNoToken}
		defer func() {
			_ = recover()
			done <- r
		}()
		r.jwt, r.err = provider(sc.done())
	}()
	select {
	case r := <-done:
		if r.err == nil && r.jwt == "" {
			r.err = errNoToken
		}
		return r.jwt, r.err
	case <-sc.done():
		return "", errCancelled
	}
}

// pollerSessionEnded queues the renewal of session, which the poller found ended:
// the device may be idle, with no call to find it.
func (c *Client) pollerSessionEnded(session string) {
	submit(c, func() (struct{}, *Error) {
		c.ensureLoaded()
		if c.st.session == session {
			c.renew()
		}
		return struct{}{}, nil
	})
}
