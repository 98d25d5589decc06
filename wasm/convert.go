//go:build js && wasm

package main

import (
	"github.com/hack-pad/safejs"

	"github.com/kustomer-chat/kustomer-chat/sdk"
)

// orNull maps the core's "absent" empty string to JavaScript null.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func identityJS(id *sdk.Identity) any {
	if id == nil {
		return nil
	}
	return map[string]any{
		"id":         orNull(id.ID),
		"customerId": orNull(id.CustomerID),
		"trackingId": orNull(id.TrackingID),
		"email":      orNull(id.Email),
		"externalId": orNull(id.ExternalID),
		"verified":   id.Verified,
		"verifiedAt": orNull(id.VerifiedAt),
		"createdAt":  orNull(id.CreatedAt),
		"updatedAt":  orNull(id.UpdatedAt),
	}
}

// conversationJS and messageJS are not inlined: they are called from several
// places, and each inlined copy of a map literal costs kilobytes of WebAssembly.
//
//go:noinline
func conversationJS(c *sdk.Conversation) any {
	if c == nil {
		return nil
	}
	return map[string]any{
		"id":            c.ID,
		"createdAt":     c.CreatedAt,
		"lastMessageAt": c.LastMessageAt,
		"preview":       c.Preview,
		"unread":        c.Unread,
	}
}

//go:noinline
func messageJS(m *sdk.Message) any {
	if m == nil {
		return nil
	}
	return map[string]any{
		"id":             m.ID,
		"conversationId": m.ConversationID,
		"body":           m.Body,
		"author":         m.Author,
		"authorName":     orNull(m.AuthorName),
		"createdAt":      m.CreatedAt,
	}
}

// pendingJS lists PendingMessages as Message objects with their state.
func pendingJS(ps []sdk.PendingMessage) any {
	out := make([]any, len(ps))
	for i, p := range ps {
		m := messageJS(&sdk.Message{ID: p.ID, ConversationID: p.ConversationID, Body: p.Body, Author: p.Author,
			CreatedAt: p.CreatedAt}).(map[string]any)
		m["state"] = p.State
		out[i] = m
	}
	return out
}

func conversationsJS(cs []sdk.Conversation) any {
	out := make([]any, len(cs))
	for i := range cs {
		out[i] = conversationJS(&cs[i])
	}
	return out
}

func messagesJS(ms []sdk.Message) any {
	out := make([]any, len(ms))
	for i := range ms {
		out[i] = messageJS(&ms[i])
	}
	return out
}

func none(struct{}) any   { return safejs.Undefined() }
func same[T any](v T) any { return v }

// stringArg returns args[i] when it is a JavaScript string.
func stringArg(args []safejs.Value, i int) (string, bool) {
	if i >= len(args) || args[i].Type() != safejs.TypeString {
		return "", false
	}
	s, err := args[i].String()
	return s, err == nil
}

// stringField returns obj[name] when obj is an object and the field a string.
func stringField(args []safejs.Value, i int, name string) (string, bool) {
	if i >= len(args) || args[i].Type() != safejs.TypeObject || args[i].IsNull() {
		return "", false
	}
	v, err := get(args[i], name)
	if err != nil || v.Type() != safejs.TypeString {
		return "", false
	}
	s, err := v.String()
	return s, err == nil
}

var reflectGet = func() safejs.Value {
	r := safejs.MustGetGlobal("Reflect")
	get, _ := r.Get("get")
	return get
}()

// get reads obj[name] through Reflect.get. A throwing getter or Proxy trap then comes
// back as an error: a plain Value.Get would let the exception unwind through the Go
// program's stack and leave it broken.
func get(obj safejs.Value, name string) (safejs.Value, error) {
	return reflectGet.Invoke(obj, name)
}
