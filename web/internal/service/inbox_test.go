package service

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// agentAPI sends a request to the agent API with the agent key.
func (e *env) agentAPI(method, path string, body any) response {
	e.t.Helper()
	return e.do(req{Method: method, Path: path, Body: body, Header: map[string]string{"Authorization": "Bearer " + testAgentKey}})
}

func (e *env) agentPoll(ctx context.Context, query string) <-chan response {
	ch := make(chan response, 1)
	go func() {
		ch <- e.do(req{Method: "GET", Path: "/v1/agent/events" + query, Ctx: ctx,
			Header: map[string]string{"Authorization": "Bearer " + testAgentKey}})
	}()
	return ch
}

const unknownID = "00000000-0000-4000-8000-000000000000"

// agentRoutePaths are every agent route, {c} and {u} standing for a
// conversation's and a customer's id.
var agentRoutePaths = []struct{ method, path string }{
	{"GET", "/conversations"},
	{"GET", "/conversations/{c}"},
	{"GET", "/conversations/{c}/messages"},
	{"POST", "/conversations/{c}/messages"},
	{"POST", "/conversations/{c}/read"},
	{"POST", "/conversations/{c}/close"},
	{"POST", "/conversations/{c}/reopen"},
	{"GET", "/customers?q=a"},
	{"GET", "/customers/{u}"},
	{"GET", "/customers/{u}/conversations"},
	{"GET", "/customers/{u}/export"},
	{"DELETE", "/customers/{u}"},
	{"GET", "/events"},
}

func routePath(p, conv, cust string) string {
	return "/v1/agent" + strings.NewReplacer("{c}", conv, "{u}", cust).Replace(p)
}

func TestAgentRoutesNeedTheKey(t *testing.T) {
	e := newEnv(t)
	ann := e.anonymous("d")
	c := e.createConversation(ann.SessionToken, "hi").Conversation
	for _, r := range agentRoutePaths {
		path := routePath(r.path, c.ID, ann.Identity.CustomerID)
		for _, key := range []string{"", "wrong", testAPIKey, ann.SessionToken, testAgentKey + "x"} {
			h := map[string]string{}
			if key != "" {
				h["Authorization"] = "Bearer " + key
			}
			e.do(req{Method: r.method, Path: path, Body: map[string]string{"body": "x"}, Header: h}).expectError(401, codeUnauthorized)
		}
	}
	// Nothing was done: the customer is there, the conversation open, with
	// only its first message.
	e.agentAPI("GET", "/v1/agent/customers/"+ann.Identity.CustomerID, nil).expect(200)
	if got := decodeAs[agentConversationAnswer](e.agentAPI("GET", "/v1/agent/conversations/"+c.ID, nil).expect(200)).Conversation; got.Status != "open" || got.AgentUnread != 1 {
		t.Fatalf("conversation after refused calls: %+v", got)
	}
}

func TestAgentRoutesUnknownIDs(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d")
	c := e.createConversation(s.SessionToken, "hi").Conversation
	for _, r := range agentRoutePaths {
		if !strings.Contains(r.path, "{") {
			continue
		}
		for _, id := range []string{unknownID, "not-an-id", strings.Repeat("a", 65)} {
			e.agentAPI(r.method, routePath(r.path, id, id), map[string]string{"body": "x"}).expectError(404, codeNotFound)
		}
		// Any spelling of a known id names it.
		upper := routePath(r.path, strings.ToUpper(c.ID), strings.ToUpper(s.Identity.CustomerID))
		if r.method == "GET" {
			e.agentAPI(r.method, upper, nil).expect(200)
		}
	}
}

func TestAgentConversationsAndMessages(t *testing.T) {
	e := newEnv(t)
	ann := e.login(e.jwt("ann@example.com", "u-ann"), "d1", "")
	bob := e.anonymous("d2")
	c1 := e.createConversation(ann.SessionToken, "ann asks").Conversation
	c2 := e.createConversation(bob.SessionToken, "bob asks").Conversation
	c3 := e.createConversation(bob.SessionToken, "bob again").Conversation

	list := func(query string) string {
		t.Helper()
		var ids []string
		for _, c := range decodeAs[agentConversationsJSON](e.agentAPI("GET", "/v1/agent/conversations"+query, nil).expect(200)).Conversations {
			ids = append(ids, c.ID)
		}
		return strings.Join(ids, " ")
	}
	closed := decodeAs[agentConversationAnswer](e.agentAPI("POST", "/v1/agent/conversations/"+c2.ID+"/close", nil).expect(200)).Conversation
	if closed.ID != c2.ID || closed.Status != "closed" {
		t.Fatalf("close answered %+v", closed)
	}
	for query, want := range map[string][]string{
		"":               {c3.ID, c1.ID},
		"?status=":       {c3.ID, c1.ID},
		"?status=open":   {c3.ID, c1.ID},
		"?status=closed": {c2.ID},
		"?status=all":    {c3.ID, c1.ID, c2.ID},
	} {
		if got := list(query); got != strings.Join(want, " ") {
			t.Fatalf("list%s = %s, want %v", query, got, want)
		}
	}
	for _, bad := range []string{"?status=OPEN", "?status=x", "?cursor=nope", "?cursor=" + strings.Repeat("a", 300)} {
		e.agentAPI("GET", "/v1/agent/conversations"+bad, nil).expectError(400, codeInvalidArgument)
	}
	reopened := decodeAs[agentConversationAnswer](e.agentAPI("POST", "/v1/agent/conversations/"+c2.ID+"/reopen", nil).expect(200)).Conversation
	if reopened.Status != "open" {
		t.Fatalf("reopen answered %+v", reopened)
	}

	// The shape, nulls included.
	raw := decodeAs[map[string]map[string]any](e.agentAPI("GET", "/v1/agent/conversations/"+c2.ID, nil).expect(200))["conversation"]
	for _, k := range []string{"id", "createdAt", "lastMessageAt", "preview", "unread", "status", "agentUnread", "customer"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("conversation lacks %s: %v", k, raw)
		}
	}
	if cust := raw["customer"].(map[string]any); cust["id"] != bob.Identity.CustomerID || cust["email"] != nil || cust["externalId"] != nil || cust["verified"] != false {
		t.Fatalf("anonymous customer summary %v", cust)
	}
	got := decodeAs[agentConversationAnswer](e.agentAPI("GET", "/v1/agent/conversations/"+c1.ID, nil).expect(200)).Conversation
	if got.Customer.Email == nil || *got.Customer.Email != "ann@example.com" || *got.Customer.ExternalID != "u-ann" || !got.Customer.Verified ||
		got.AgentUnread != 1 || got.Preview != "ann asks" || !rfc3339Millis.MatchString(got.CreatedAt) {
		t.Fatalf("ann's conversation %+v", got)
	}

	// Messages page oldest first, 100 at a time, with their customer.
	for i := range 100 {
		e.send(ann.SessionToken, c1.ID, fmt.Sprint("m", i+1))
	}
	page1 := decodeAs[agentMessagesJSON](e.agentAPI("GET", "/v1/agent/conversations/"+c1.ID+"/messages", nil).expect(200))
	if len(page1.Messages) != 100 || page1.Next == nil || page1.Messages[0].Body != "ann asks" || page1.Messages[0].CustomerID != ann.Identity.CustomerID {
		t.Fatalf("first page: %d messages, next %v, first %+v", len(page1.Messages), page1.Next, page1.Messages[0])
	}
	page2 := decodeAs[agentMessagesJSON](e.agentAPI("GET", "/v1/agent/conversations/"+c1.ID+"/messages?cursor="+*page1.Next, nil).expect(200))
	if len(page2.Messages) != 1 || page2.Next != nil || page2.Messages[0].Body != "m100" {
		t.Fatalf("second page %+v", page2)
	}
	if got := decodeAs[agentConversationAnswer](e.agentAPI("GET", "/v1/agent/conversations/"+c1.ID, nil)).Conversation; got.AgentUnread != 101 {
		t.Fatalf("agentUnread %d, want 101", got.AgentUnread)
	}
	e.agentAPI("POST", "/v1/agent/conversations/"+c1.ID+"/read", nil).expect(204)
	if got := decodeAs[agentConversationAnswer](e.agentAPI("GET", "/v1/agent/conversations/"+c1.ID, nil)).Conversation; got.AgentUnread != 0 {
		t.Fatalf("agentUnread after read %d", got.AgentUnread)
	}
	// A customer's message into a closed conversation reopens it.
	e.agentAPI("POST", "/v1/agent/conversations/"+c3.ID+"/close", nil).expect(200)
	e.send(bob.SessionToken, c3.ID, "still there?")
	if got := decodeAs[agentConversationAnswer](e.agentAPI("GET", "/v1/agent/conversations/"+c3.ID, nil)).Conversation; got.Status != "open" || got.AgentUnread != 2 {
		t.Fatalf("after the customer wrote again: %+v", got)
	}
}

// ?order=newest pages from the latest message back, under both prefixes, with
// cursors the oldest-first walk refuses (and the reverse); another order is 400.
func TestAgentMessagesNewestFirst(t *testing.T) {
	e := newEnv(t)
	e.addAgent("dana@example.com", "Dana Scully", "correct horse battery")
	cookie := e.signIn("dana@example.com", "correct horse battery")
	ann := e.anonymous("d")
	c := e.createConversation(ann.SessionToken, "m0").Conversation
	for i := 1; i <= 101; i++ {
		e.send(ann.SessionToken, c.ID, fmt.Sprint("m", i))
	}
	bodies := func(page agentMessagesJSON) string {
		var b []string
		for _, m := range page.Messages {
			b = append(b, m.Body)
		}
		return strings.Join(b, " ")
	}
	path := "/conversations/" + c.ID + "/messages"
	get := func(query string) response {
		t.Helper()
		return e.agentAPI("GET", "/v1/agent"+path+query, nil)
	}
	var newest []string
	for i := 101; i > 1; i-- {
		newest = append(newest, fmt.Sprint("m", i))
	}
	page1 := decodeAs[agentMessagesJSON](get("?order=newest").expect(200))
	if bodies(page1) != strings.Join(newest, " ") || page1.Next == nil || page1.Messages[0].CustomerID != ann.Identity.CustomerID {
		t.Fatalf("newest first page: %s, next %v", bodies(page1), page1.Next)
	}
	byCookie := decodeAs[agentMessagesJSON](e.inbox(inbox{Method: "GET", Path: "/agent/api" + path + "?order=newest", Cookie: cookie}).expect(200))
	if bodies(byCookie) != bodies(page1) || byCookie.Next == nil || *byCookie.Next != *page1.Next {
		t.Fatalf("the inbox's newest first page: %s, next %v", bodies(byCookie), byCookie.Next)
	}
	page2 := decodeAs[agentMessagesJSON](get("?order=newest&cursor=" + *page1.Next).expect(200))
	if bodies(page2) != "m1 m0" || page2.Next != nil {
		t.Fatalf("newest second page: %s, next %v", bodies(page2), page2.Next)
	}

	oldest := decodeAs[agentMessagesJSON](get("?order=oldest").expect(200))
	if def := decodeAs[agentMessagesJSON](get("").expect(200)); bodies(def) != bodies(oldest) || oldest.Messages[0].Body != "m0" || *def.Next != *oldest.Next {
		t.Fatalf("order=oldest %s, no order %s", bodies(oldest), bodies(def))
	}
	get("?order=newest&cursor="+*oldest.Next).expectError(400, codeInvalidArgument)
	get("?cursor="+*page1.Next).expectError(400, codeInvalidArgument)
	get("?order=oldest&cursor="+*page1.Next).expectError(400, codeInvalidArgument)
	for _, bad := range []string{"NEWEST", "desc", "x", " newest"} {
		get("?order="+url.QueryEscape(bad)).expectError(400, codeInvalidArgument)
		e.inbox(inbox{Method: "GET", Path: "/agent/api" + path + "?order=" + url.QueryEscape(bad), Cookie: cookie}).expectError(400, codeInvalidArgument)
	}
	e.agentAPI("GET", "/v1/agent/conversations/"+unknownID+"/messages?order=newest", nil).expectError(404, codeNotFound)
}

func TestAgentReplyIDs(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "hi").Conversation
	other := e.createConversation(e.anonymous("e").SessionToken, "hey").Conversation
	path := "/v1/agent/conversations/" + c.ID + "/messages"
	const id = "A1B2C3D4-E5F6-4789-8ABC-DEF012345678"
	first := decodeAs[agentPostedJSON](e.agentAPI("POST", path, map[string]any{"id": id, "body": "hello", "authorName": "Dana"}).expect(201)).Message
	if first.ID != strings.ToLower(id) || first.CustomerID == "" || *first.AuthorName != "Dana" {
		t.Fatalf("reply %+v", first)
	}
	again := decodeAs[agentPostedJSON](e.agentAPI("POST", path, map[string]any{"id": "{" + id + "}", "body": "changed"}).expect(200)).Message
	if !reflect.DeepEqual(again, first) {
		t.Fatalf("repeat %+v, want %+v", again, first)
	}
	e.agentAPI("POST", "/v1/agent/conversations/"+other.ID+"/messages", map[string]any{"id": id, "body": "x"}).expectError(409, codeConflict)
	for _, bad := range []any{"", "nope", 7} {
		e.agentAPI("POST", path, map[string]any{"id": bad, "body": "x"}).expectError(400, codeInvalidArgument)
	}
	e.agentAPI("POST", path, map[string]any{"body": "x", "extra": 1}).expectError(400, codeInvalidArgument)
	if msgs := e.messages(s, c.ID); len(msgs) != 2 {
		t.Fatalf("%d messages stored, want 2", len(msgs))
	}
	if got := e.conversations(s); got[0].Unread != 1 {
		t.Fatalf("visitor unread %d, want 1", got[0].Unread)
	}
	// Replying resets the agents' count.
	if got := decodeAs[agentConversationAnswer](e.agentAPI("GET", "/v1/agent/conversations/"+c.ID, nil)).Conversation; got.AgentUnread != 0 {
		t.Fatalf("agentUnread %d after the reply", got.AgentUnread)
	}
}

// A signed-in agent's reply, through the inbox's cookie route, carries the
// agent: its id stored, its name shown. The same route forged from another
// origin, or sent without the cookie, stores nothing.
func TestAgentReplyAsSignedInAgent(t *testing.T) {
	e := newEnv(t)
	dana := e.addAgent("dana@example.com", "Dana Scully", "correct horse battery")
	cookie := e.signIn("dana@example.com", "correct horse battery")
	post := func(q inbox) response {
		s := e.anonymous("d").SessionToken
		c := e.createConversation(s, "hi").Conversation
		q.Method, q.Path = "POST", "/agent/api/conversations/"+c.ID+"/messages"
		return e.inbox(q)
	}
	got := decodeAs[agentPostedJSON](post(inbox{Body: `{"body":"hello"}`, Cookie: cookie}).expect(201))
	if got.Message.AuthorName == nil || *got.Message.AuthorName != "Dana Scully" {
		t.Fatalf("reply %+v", got.Message)
	}
	db, err := sql.Open("sqlite", e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var agentID string
	if err := db.QueryRow(`SELECT agent_id FROM messages WHERE id = ?`, got.Message.ID).Scan(&agentID); err != nil || agentID != dana.ID {
		t.Fatalf("agent_id %q %v, want %q", agentID, err, dana.ID)
	}
	// null is absent, as everywhere in the API.
	post(inbox{Body: `{"body":"x","authorName":null}`, Cookie: cookie}).expect(201)
	for _, name := range []string{`"Someone else"`, `"Dana Scully"`, `""`} {
		post(inbox{Body: `{"body":"x","authorName":` + name + `}`, Cookie: cookie}).expectError(400, codeInvalidArgument)
	}
	post(inbox{Body: `{"body":"x"}`}).expectError(401, codeUnauthorized)
	post(inbox{Body: `{"body":"x"}`, Cookie: cookie, Header: map[string]string{
		"Origin": "http://127.0.0.1:9999", "Sec-Fetch-Site": "same-site"}}).expectError(403, codeOriginNotAllowed)
	var agentReplies int
	if err := db.QueryRow(`SELECT COUNT(*) FROM messages WHERE author = 'agent'`).Scan(&agentReplies); err != nil || agentReplies != 2 {
		t.Fatalf("%d agent replies stored (%v), want the 2 accepted", agentReplies, err)
	}
}

func TestAgentCustomers(t *testing.T) {
	e := newEnv(t)
	ann := e.login(e.jwt("ann@example.com", "U_1"), "d1", "")
	e.login(e.jwt("annabel@example.com", ""), "d2", "")
	e.login(e.jwt("u1@example.com", ""), "d3", "")
	anon := e.anonymous("d4")
	c := e.createConversation(ann.SessionToken, "hi").Conversation

	search := func(q string) []customerJSON {
		t.Helper()
		return decodeAs[customersJSON](e.agentAPI("GET", "/v1/agent/customers?q="+q, nil).expect(200)).Customers
	}
	if got := search("ANN"); len(got) != 2 || *got[0].Email != "annabel@example.com" || *got[1].Email != "ann@example.com" {
		t.Fatalf("search ANN: %+v", got)
	}
	if got := search("u_1"); len(got) != 1 || *got[0].ExternalID != "U_1" {
		t.Fatalf("search u_1 (the _ is not a wildcard): %+v", got)
	}
	if got := search("%25"); len(got) != 0 {
		t.Fatalf("search %%: %+v", got)
	}
	if got := search("+ann%40+"); len(got) != 1 { // trimmed
		t.Fatalf("search ' ann@ ': %+v", got)
	}
	for _, bad := range []string{"", "q=", "q=+++", "q=" + strings.Repeat("a", 255), "q=%FF", "q=a&cursor=nope"} {
		e.agentAPI("GET", "/v1/agent/customers?"+bad, nil).expectError(400, codeInvalidArgument)
	}
	e.agentAPI("GET", "/v1/agent/customers?q="+strings.Repeat("é", 254), nil).expect(200)

	got := decodeAs[customerAnswer](e.agentAPI("GET", "/v1/agent/customers/"+ann.Identity.CustomerID, nil).expect(200)).Customer
	if got.ID != ann.Identity.CustomerID || *got.Email != "ann@example.com" || !got.Verified || got.VerifiedAt == nil ||
		!rfc3339Millis.MatchString(got.FirstSeenAt) || got.LastSeenAt == nil {
		t.Fatalf("customer %+v", got)
	}
	raw := decodeAs[map[string]map[string]any](e.agentAPI("GET", "/v1/agent/customers/"+anon.Identity.CustomerID, nil).expect(200))["customer"]
	for k, want := range map[string]any{"email": nil, "externalId": nil, "verified": false, "verifiedAt": nil} {
		if v, ok := raw[k]; !ok || v != want {
			t.Fatalf("anonymous customer %s = %v (present %v): %v", k, v, ok, raw)
		}
	}
	convs := decodeAs[agentConversationsJSON](e.agentAPI("GET", "/v1/agent/customers/"+ann.Identity.CustomerID+"/conversations", nil).expect(200))
	if len(convs.Conversations) != 1 || convs.Conversations[0].ID != c.ID || convs.Next != nil {
		t.Fatalf("ann's conversations %+v", convs)
	}
	if convs := decodeAs[agentConversationsJSON](e.agentAPI("GET", "/v1/agent/customers/"+anon.Identity.CustomerID+"/conversations", nil).expect(200)); convs.Conversations == nil || len(convs.Conversations) != 0 {
		t.Fatalf("no conversations: %+v", convs)
	}
}

func TestAgentExport(t *testing.T) {
	e := newEnv(t)
	ann := e.login(e.jwt("ann@example.com", ""), "phone", "")
	c := e.createConversation(ann.SessionToken, "my question").Conversation
	e.agentReply(c.ID, "our answer")
	e.createConversation(e.anonymous("other").SessionToken, "someone else")

	r := e.agentAPI("GET", "/v1/agent/customers/"+ann.Identity.CustomerID+"/export", nil).expect(200)
	if got, want := r.Header.Get("Content-Disposition"), `attachment; filename="customer-`+ann.Identity.CustomerID+`.json"`; got != want {
		t.Fatalf("Content-Disposition %q, want %q", got, want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if strings.Contains(string(r.Body), ann.SessionToken) || strings.Contains(string(r.Body), "someone else") {
		t.Fatalf("export holds a token or another customer's data: %s", r.Body)
	}
	ex := decodeAs[exportJSON](r)
	if !rfc3339Millis.MatchString(ex.ExportedAt) || ex.Customer.ID != ann.Identity.CustomerID ||
		len(ex.Devices) != 1 || ex.Devices[0].TrackingID != "phone" ||
		len(ex.Sessions) != 1 || ex.Sessions[0].RevokedAt != nil || !rfc3339Millis.MatchString(ex.Sessions[0].LastUsedAt) ||
		len(ex.Conversations) != 1 || ex.Conversations[0].ID != c.ID || len(ex.Conversations[0].Messages) != 2 ||
		ex.Conversations[0].Messages[1].Body != "our answer" || ex.Conversations[0].Messages[1].CustomerID != ann.Identity.CustomerID {
		t.Fatalf("export %+v", ex)
	}
	var keys map[string]json.RawMessage
	json.Unmarshal(r.Body, &keys)
	var sessions []map[string]any
	json.Unmarshal(keys["sessions"], &sessions)
	if len(sessions[0]) != 3 {
		t.Fatalf("a session exports %v, want its three times only", sessions[0])
	}
}

// Erasing a customer ends its sessions: the device's old bearer session is
// refused, a poll it held included.
func TestEraseCustomerEndsItsSessions(t *testing.T) {
	e := newEnv(t)
	ann := e.anonymous("phone")
	c := e.createConversation(ann.SessionToken, "erase me").Conversation
	bob := e.anonymous("laptop")
	bc := e.createConversation(bob.SessionToken, "keep me").Conversation
	cursor := e.events(ann.SessionToken, "").Cursor
	poll := e.poll(context.Background(), ann.SessionToken, "?after="+itoa(cursor)+"&wait=25")
	e.waitSubscribed(1)

	e.agentAPI("DELETE", "/v1/agent/customers/"+ann.Identity.CustomerID, nil).expect(204)
	select {
	case r := <-poll:
		r.expectError(401, codeSessionInvalid)
	case <-time.After(2 * time.Second):
		t.Fatal("a poll of the erased customer still waits")
	}
	e.sdk("GET", "/v1/conversations", ann.SessionToken, nil).expectError(401, codeSessionInvalid)
	e.sdk("POST", "/v1/conversations/"+c.ID+"/messages", ann.SessionToken, map[string]string{"body": "x"}).expectError(401, codeSessionInvalid)
	e.agentAPI("GET", "/v1/agent/customers/"+ann.Identity.CustomerID, nil).expectError(404, codeNotFound)
	e.agentAPI("GET", "/v1/agent/conversations/"+c.ID, nil).expectError(404, codeNotFound)
	e.agentAPI("DELETE", "/v1/agent/customers/"+ann.Identity.CustomerID, nil).expectError(404, codeNotFound)
	// The device's next start is a fresh anonymous customer.
	if fresh := e.anonymous("phone"); fresh.Identity.CustomerID == ann.Identity.CustomerID || len(e.conversations(fresh.SessionToken)) != 0 {
		t.Fatalf("fresh start %+v", fresh)
	}
	if got := e.messages(bob.SessionToken, bc.ID); len(got) != 1 {
		t.Fatalf("bob's messages %+v", got)
	}
}

// The agent routes reach every customer; a customer's SDK session still
// reaches only its own.
func TestCustomerIsolationBesideTheInbox(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.anonymous("a").SessionToken, e.anonymous("b")
	c := e.createConversation(bob.SessionToken, "bob's").Conversation
	e.agentReply(c.ID, "to bob")
	e.agentAPI("POST", "/v1/agent/conversations/"+c.ID+"/close", nil).expect(200)
	e.sdk("GET", "/v1/conversations/"+c.ID+"/messages", ann, nil).expectError(404, codeNotFound)
	e.sdk("POST", "/v1/conversations/"+c.ID+"/messages", ann, map[string]string{"body": "x"}).expectError(404, codeNotFound)
	e.sdk("POST", "/v1/conversations/"+c.ID+"/read", ann, nil).expectError(404, codeNotFound)
	if got := e.conversations(ann); len(got) != 0 {
		t.Fatalf("ann sees %+v", got)
	}
	if ev := e.events(ann, "?after=0"); len(ev.Messages) != 0 {
		t.Fatalf("ann's events %+v", ev)
	}
	for _, r := range agentRoutePaths {
		e.do(req{Method: r.method, Path: routePath(r.path, c.ID, bob.Identity.CustomerID), APIKey: testAPIKey, Session: ann}).
			expectError(401, codeUnauthorized)
	}
}

func TestAgentEventsFeed(t *testing.T) {
	e := newEnv(t)
	ann := e.anonymous("a").SessionToken
	first := e.createConversation(ann, "first")
	start := decodeAs[agentEventsJSON](e.agentAPI("GET", "/v1/agent/events", nil).expect(200))
	if start.Cursor != first.Message.Seq || len(start.Messages) != 0 || start.Changed {
		t.Fatalf("no after: %+v", start)
	}
	all := decodeAs[agentEventsJSON](e.agentAPI("GET", "/v1/agent/events?after=0&wait=0", nil).expect(200))
	if len(all.Messages) != 1 || all.Messages[0].ID != first.Message.ID || all.Messages[0].CustomerID == "" || all.Cursor != first.Message.Seq {
		t.Fatalf("after=0: %+v", all)
	}
	for _, bad := range []string{"?after=-1", "?after=x", "?wait=1.5", "?after=1&wait=+1"} {
		e.agentAPI("GET", "/v1/agent/events"+bad, nil).expectError(400, codeInvalidArgument)
	}
	if r := decodeAs[agentEventsJSON](e.agentAPI("GET", "/v1/agent/events?after=99999999999999999999", nil).expect(200)); len(r.Messages) != 0 {
		t.Fatalf("clamped after: %+v", r)
	}

	// A customer's message, from another goroutine, wakes a waiting poll.
	poll := e.agentPoll(context.Background(), "?after="+itoa(start.Cursor)+"&wait=20")
	e.waitSubscribed(1)
	began := time.Now()
	bob := e.anonymous("b").SessionToken
	go e.createConversation(bob, "new visitor")
	var r response
	select {
	case r = <-poll:
	case <-time.After(time.Second):
		t.Fatal("no answer within a second of a customer's message")
	}
	ev := decodeAs[agentEventsJSON](r.expect(200))
	if len(ev.Messages) != 1 || ev.Messages[0].Body != "new visitor" || ev.Changed || ev.Cursor != ev.Messages[0].Seq {
		t.Fatalf("woken by a message: %+v after %s", ev, time.Since(began))
	}

	// Changes without a message answer changed: true.
	convID := ev.Messages[0].ConversationID
	for _, change := range []func(){
		func() { e.agentAPI("POST", "/v1/agent/conversations/"+convID+"/close", nil).expect(200) },
		func() { e.agentAPI("POST", "/v1/agent/conversations/"+convID+"/reopen", nil).expect(200) },
		func() { e.agentAPI("POST", "/v1/agent/conversations/"+convID+"/read", nil).expect(204) },
		func() { e.sdk("POST", "/v1/conversations/"+convID+"/read", bob, nil).expect(204) },
		func() { e.agentAPI("DELETE", "/v1/agent/customers/"+ev.Messages[0].CustomerID, nil).expect(204) },
	} {
		poll := e.agentPoll(context.Background(), "?after="+itoa(ev.Cursor)+"&wait=20")
		e.waitSubscribed(1)
		go change()
		select {
		case r = <-poll:
		case <-time.After(time.Second):
			t.Fatal("no answer within a second of a change")
		}
		if got := decodeAs[agentEventsJSON](r.expect(200)); !got.Changed || len(got.Messages) != 0 || got.Cursor != ev.Cursor {
			t.Fatalf("woken by a change: %+v", got)
		}
		e.waitSubscribed(0)
	}

	// Without news it waits out its time and answers changed: false.
	began = time.Now()
	if got := decodeAs[agentEventsJSON](e.agentAPI("GET", "/v1/agent/events?after="+itoa(ev.Cursor)+"&wait=1", nil).expect(200)); got.Changed || len(got.Messages) != 0 {
		t.Fatalf("timed out: %+v", got)
	}
	if d := time.Since(began); d < 900*time.Millisecond {
		t.Fatalf("answered after %s, want the wait", d)
	}
}

func TestAgentEventsPollsCappedAndStopped(t *testing.T) {
	stopping := make(chan struct{})
	e := newEnv(t, func(o *Options) { o.Limits.AgentPolls = 1; o.Limits.Polls = 1; o.Stopping = stopping })
	s := e.anonymous("a").SessionToken
	e.createConversation(s, "hi")
	cursor := decodeAs[agentEventsJSON](e.agentAPI("GET", "/v1/agent/events", nil).expect(200)).Cursor
	poll := e.agentPoll(context.Background(), "?after="+itoa(cursor)+"&wait=20")
	e.waitSubscribed(1)
	r := e.agentAPI("GET", "/v1/agent/events?after="+itoa(cursor)+"&wait=20", nil)
	r.expectError(429, codeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// A poll that does not wait is not counted, and the customers' cap is their own.
	e.agentAPI("GET", "/v1/agent/events?after="+itoa(cursor), nil).expect(200)
	customer := e.poll(context.Background(), s, "?after="+itoa(cursor)+"&wait=20")
	e.waitSubscribed(2)

	close(stopping)
	for _, ch := range []<-chan response{poll, customer} {
		select {
		case r := <-ch:
			r.expect(200)
		case <-time.After(time.Second):
			t.Fatal("a poll outlived the shutdown")
		}
	}
}
