package sdk

import (
	"errors"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// Code is one of the error codes of the SPEC; it reaches JavaScript as error.code.
type Code string

const (
	CodeInvalidArgument Code = contract.CodeInvalidArgument
	CodeInvalidToken    Code = contract.CodeInvalidToken
	CodeTokenExpired    Code = contract.CodeTokenExpired
	CodeTokenRejected   Code = contract.CodeTokenRejected
	CodeNotConfigured   Code = contract.CodeNotConfigured
	CodeNotFound        Code = contract.CodeNotFound
	CodeNetworkError    Code = contract.CodeNetworkError
	CodeServerError     Code = contract.CodeServerError
	// CodeRateLimited: the service refused for now (HTTP 429), too many requests from
	// this visitor or too many waiting polls; trying at once does not help.
	CodeRateLimited Code = contract.CodeRateLimited
	CodeInternal    Code = contract.CodeInternal
)

// Error is every error the SDK returns. Two Errors match under errors.Is when their
// codes are equal, so callers compare against the sentinels below.
type Error struct {
	Code    Code
	Message string
	Err     error // the cause, if any; never contains a token
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

var (
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument, Message: "invalid argument"}
	ErrInvalidToken    = &Error{Code: CodeInvalidToken, Message: "invalid token"}
	ErrTokenExpired    = &Error{Code: CodeTokenExpired, Message: "token expired"}
	ErrTokenRejected   = &Error{Code: CodeTokenRejected, Message: "token rejected"}
	ErrNotConfigured   = &Error{Code: CodeNotConfigured, Message: "not configured"}
	ErrNotFound        = &Error{Code: CodeNotFound, Message: "not found"}
	ErrNetwork         = &Error{Code: CodeNetworkError, Message: "network error"}
	ErrServer          = &Error{Code: CodeServerError, Message: "server error"}
	ErrRateLimited     = &Error{Code: CodeRateLimited, Message: "rate limited"}
	ErrInternal        = &Error{Code: CodeInternal, Message: "internal error"}
)

// newError makes an Error with a specific message.
func newError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// CodeOf returns the code of err, INTERNAL for an error that is not the SDK's.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
