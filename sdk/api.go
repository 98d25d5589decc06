package sdk

import (
	"context"
	"encoding/json"
	"time"
)

// send makes one request to the service, bounded by the Client's RequestTimeout. The
// returned error is NETWORK_ERROR when no answer came, INTERNAL when the Transport
// panicked; any status is a Response.
func (c *Client) send(ctx context.Context, method, path, session string, body any) (Response, *Error) {
	return c.sendTimeout(ctx, method, path, session, body, c.timeout)
}

func (c *Client) sendTimeout(ctx context.Context, method, path, session string, body any, timeout time.Duration) (Response, *Error) {
	req := Request{Method: method, URL: c.base + path, Header: map[string]string{"X-Kustomer-Api-Key": c.apiKey}}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Response{}, &Error{Code: CodeInternal, Message: "internal error: could not encode the request", Err: err}
		}
		req.Body = b
		req.Header["Content-Type"] = "application/json"
	}
	if session != "" {
		req.Header["Authorization"] = "Bearer " + session
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.roundTrip(ctx, req)
}

// roundTrip runs the Transport on its own goroutine so that a Transport that ignores
// ctx still cannot hold a call (or the poller's stop) past its deadline, and so that a
// panic in it becomes an INTERNAL error instead of killing the program.
func (c *Client) roundTrip(ctx context.Context, req Request) (Response, *Error) {
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
		if err := ctx.Err(); err != nil { // cancelled before it could be sent
			done <- result{err: err}
			return
		}
		resp, err := c.transport.Do(ctx, req)
		done <- result{resp: resp, err: err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		select {
		case r = <-done:
		default:
			return Response{}, &Error{Code: CodeNetworkError, Message: "the chat service did not answer in time", Err: ctx.Err()}
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
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Code
}

// decodeBody reads a success body; an unreadable one is the service's failure.
func decodeBody(body []byte, v any) *Error {
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Code: CodeServerError, Message: "the chat service sent an unreadable answer", Err: err}
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
		if serviceCode(resp.Body) == "SESSION_INVALID" {
			return newError(CodeTokenRejected, "session is no longer valid; log in again")
		}
		return newError(CodeTokenRejected, "the chat service refused the request (check the API key)")
	case 404:
		return newError(CodeNotFound, "conversation not found")
	case 400, 413:
		return newError(CodeInvalidArgument, "the chat service refused the request as invalid")
	}
	return statusError(resp.Status)
}

func statusError(status int) *Error {
	if status >= 500 {
		return newError(CodeServerError, "the chat service failed; try again later")
	}
	return newError(CodeServerError, "the chat service gave an unexpected answer")
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
