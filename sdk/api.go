package sdk

import (
	"errors"
	"time"

	"github.com/valyala/fastjson"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// send makes one request to the service within sc, bounded by the Client's
// RequestTimeout, with body as its JSON body unless it is nil. The returned error is
// NETWORK_ERROR when no answer came, INTERNAL when the Transport panicked; any status
// is a Response.
func (c *Client) send(sc *scope, method, path, session string, body []byte) (Response, *Error) {
	return c.sendTimeout(sc, method, path, session, body, c.timeout)
}

func (c *Client) sendTimeout(sc *scope, method, path, session string, body []byte, timeout time.Duration) (Response, *Error) {
	req := Request{Method: method, URL: c.base + path, Header: map[string]string{contract.HeaderAPIKey: c.apiKey}}
	if body != nil {
		req.Body = body
		req.Header["Content-Type"] = "application/json"
	}
	if session != "" {
		req.Header["Authorization"] = "Bearer " + session
	}
	return c.sendRequest(sc, req, timeout)
}

// sendLogIn posts a logIn as a CORS-simple request: a text/plain body that carries
// the API key, and no header of ours. Browsers send it without a preflight, so a
// logIn costs one round trip, the first on a page too.
func (c *Client) sendLogIn(body []byte) (Response, *Error) {
	req := Request{Method: "POST", URL: c.base + contract.PathLogin, Body: body,
		Header: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}}
	return c.sendRequest(c.scope, req, c.timeout)
}

// sendRequest also records whether the service answered (see reached); a request
// given up because its work ended (a poller stopped, the Client closed) tells nothing.
func (c *Client) sendRequest(sc *scope, req Request, timeout time.Duration) (Response, *Error) {
	rsc := sc.child()
	defer rsc.cancel()
	timer := time.AfterFunc(timeout, rsc.cancel)
	defer timer.Stop()
	resp, e := c.roundTrip(rsc, req)
	switch {
	case sc.ended():
	case e == nil:
		c.reached(true)
	case e.Code == CodeNetworkError:
		c.reached(false)
	}
	return resp, e
}

// errCancelled is the cause of a request given up: timed out, or its scope ended.
var errCancelled = errors.New("request cancelled")

// roundTrip runs the Transport on its own goroutine so that a Transport that ignores
// its cancel channel still cannot hold a call (or the poller's stop) past its deadline,
// and so that a panic in it becomes an INTERNAL error instead of killing the program.
func (c *Client) roundTrip(sc *scope, req Request) (Response, *Error) {
	type result struct {
		resp     Response
		err      error
		panicked bool
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if recover() != nil {
				done <- result{panicked: true}
			}
		}()
		if sc.ended() { // cancelled before it could be sent
			done <- result{err: errCancelled}
			return
		}
		resp, err := c.transport.Do(sc.done(), req)
		done <- result{resp: resp, err: err}
	}()
	var r result
	select {
	case r = <-done:
	case <-sc.done():
		select {
		case r = <-done:
		default:
			return Response{}, &Error{Code: CodeNetworkError, Message: "the chat service did not answer in time", Err: errCancelled}
		}
	}
	switch {
	case r.panicked:
		return Response{}, newError(CodeInternal, "internal error while sending a request; later calls still work")
	case r.err != nil:
		return Response{}, &Error{Code: CodeNetworkError, Message: "the chat service could not be reached", Err: r.err}
	}
	return r.resp, nil
}

func ok2xx(status int) bool { return status >= 200 && status < 300 }

// serviceCode is the "code" of the service's error body, "" when there is none.
func serviceCode(body []byte) string {
	var code string
	_ = readBody(body, func(key string, v *fastjson.Value) bool {
		return key != "error" || members(v, func(key string, v *fastjson.Value) bool {
			return key != "code" || readString(v, &code)
		})
	})
	return code
}

// readBody calls read with each member of the JSON object body; null counts as an
// object without members. It reports whether body is such an object and read
// accepted every member.
func readBody(body []byte, read func(key string, v *fastjson.Value) bool) bool {
	v, ok := parseJSON(body)
	return ok && members(v, read)
}

// decodeBody reads a success body; an unreadable one is the service's failure.
func decodeBody(body []byte, read func(key string, v *fastjson.Value) bool) *Error {
	if !readBody(body, read) {
		return errUnreadable()
	}
	return nil
}

func errUnreadable() *Error {
	return newError(CodeServerError, "the chat service sent an unreadable answer")
}

// loginError maps a failed POST /v1/identities/login.
func loginError(resp Response) *Error {
	switch {
	case resp.Status == 401 && serviceCode(resp.Body) == string(CodeTokenExpired):
		return newError(CodeTokenExpired, "the chat service found the token expired; get a fresh one from your backend")
	case resp.Status == 400 || resp.Status == 401 || resp.Status == 403 || resp.Status == 413:
		return newError(CodeTokenRejected, "the chat service did not accept the token")
	}
	return statusError(resp.Status)
}

// chatError maps a failed chat request (and the anonymous customer's creation).
func chatError(resp Response) *Error {
	switch resp.Status {
	case 401, 403:
		if sessionEnded(resp) {
			return &Error{Code: CodeTokenRejected, Message: "session is no longer valid; log in again", Err: errSessionEnded}
		}
		return newError(CodeTokenRejected, "the chat service refused the request (check the API key)")
	case 404:
		return newError(CodeNotFound, "conversation not found")
	case 400, 413:
		return newError(CodeInvalidArgument, "the chat service refused the request as invalid")
	case 409:
		return newError(CodeInvalidArgument, "the chat service refused the request: its id is already used")
	}
	return statusError(resp.Status)
}

func statusError(status int) *Error {
	if status == 429 {
		return newError(CodeRateLimited, "the chat service is limiting requests from this visitor; try again in a while")
	}
	if status >= 500 {
		return newError(CodeServerError, "the chat service failed; try again later")
	}
	return newError(CodeServerError, "the chat service gave an unexpected answer")
}

// maxRetryAfter bounds the wait a Retry-After imposes: a service (or a proxy) asking
// for an hour must not silence the chat for that long.
const maxRetryAfter = 60 * time.Second

// retryAfter is the wait a 429 answer asks for: its Retry-After in whole seconds, at
// most maxRetryAfter; 0 when it is absent or not a number of seconds (an HTTP date,
// which the service never sends, would link time's parser into the build).
func retryAfter(resp Response) time.Duration {
	s := resp.RetryAfter
	if resp.Status != 429 || s == "" || len(s) > 9 {
		return 0
	}
	secs := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		secs = secs*10 + int(s[i]-'0')
	}
	return min(time.Duration(secs)*time.Second, maxRetryAfter)
}

// pathSegment percent-encodes s for one URL path segment: everything but ASCII
// letters, digits, '-', '_' and '~' is escaped, '.' included, so no id can walk the path.
func pathSegment(s string) string {
	const hex = "0123456789ABCDEF"
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '~' {
			out = append(out, b)
		} else {
			out = append(out, '%', hex[b>>4], hex[b&15])
		}
	}
	return string(out)
}
