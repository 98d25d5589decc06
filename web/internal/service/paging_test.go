package service

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

type pageJSON struct {
	Conversations []conversationJSON `json:"conversations"`
	Messages      []messageJSON      `json:"messages"`
	Next          *string            `json:"next"`
}

// readPages follows "next" from path and returns the size of each page.
func (e *env) readPages(path string, get func(path string) response) []int {
	e.t.Helper()
	var sizes []int
	for cursor := ""; ; {
		p := path
		if cursor != "" {
			p += "?cursor=" + url.QueryEscape(cursor)
		}
		page := decodeAs[pageJSON](get(p).expect(200))
		sizes = append(sizes, len(page.Conversations)+len(page.Messages))
		if page.Next == nil {
			return sizes
		}
		cursor = *page.Next
	}
}

func TestListsPaged(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	const n = store.MaxPage + 1
	conv := e.createConversation(s, "0").Conversation.ID
	for i := 1; i < n; i++ {
		e.send(s, conv, fmt.Sprint(i))
	}
	for i := 1; i < n; i++ {
		e.createConversation(s, "c")
	}
	sdkGet := func(p string) response { return e.sdk("GET", p, s, nil) }
	agentGet := func(p string) response {
		return e.do(req{Method: "GET", Path: p, Header: map[string]string{"Authorization": "Bearer " + testAgentKey}})
	}
	for _, c := range []struct {
		path string
		get  func(string) response
	}{
		{"/v1/conversations", sdkGet},
		{"/v1/conversations/" + conv + "/messages", sdkGet},
		{"/v1/agent/conversations", agentGet},
	} {
		if got := e.readPages(c.path, c.get); len(got) != 2 || got[0] != store.MaxPage || got[1] != 1 {
			t.Fatalf("%s: pages of %v, want [%d 1]", c.path, got, store.MaxPage)
		}
		c.get(c.path+"?cursor=bm9wZQ").expectError(400, codeInvalidArgument)
	}
}
