package service

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

func TestAnonymousChat(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("device-1").SessionToken
	first := e.createConversation(s, "  Hello, is anyone there?  ")
	c, m := first.Conversation, first.Message
	if c.ID == "" || c.Preview != "Hello, is anyone there?" || c.Unread != 0 || !rfc3339Millis.MatchString(c.LastMessageAt) {
		t.Fatalf("conversation = %+v", c)
	}
	if m.ConversationID != c.ID || m.Author != "customer" || m.Body != "Hello, is anyone there?" || m.Seq <= 0 {
		t.Fatalf("message = %+v", m)
	}
	m2 := e.send(s, c.ID, "second")
	if m2.Seq <= m.Seq {
		t.Fatalf("seq %d after %d", m2.Seq, m.Seq)
	}
	msgs := e.messages(s, c.ID)
	if len(msgs) != 2 || msgs[0].ID != m.ID || msgs[1].ID != m2.ID {
		t.Fatalf("messages not oldest first: %+v", msgs)
	}

	// Newest activity first: a reply in the older conversation moves it up.
	other := e.createConversation(s, "another topic").Conversation
	if got := e.conversations(s); len(got) != 2 || got[0].ID != other.ID {
		t.Fatalf("conversations = %+v, want %s first", got, other.ID)
	}
	e.send(s, c.ID, strings.Repeat("é", 200))
	got := e.conversations(s)
	if got[0].ID != c.ID {
		t.Fatalf("conversations = %+v, want %s first", got, c.ID)
	}
	if got[0].Preview != strings.Repeat("é", 140) {
		t.Fatalf("preview has %d characters, want 140", len([]rune(got[0].Preview)))
	}
}

func TestMessageTextLimits(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "hi").Conversation
	path := "/v1/conversations/" + c.ID + "/messages"
	for _, body := range []any{
		map[string]string{"body": ""},
		map[string]string{"body": " \n\t "},
		map[string]string{"body": strings.Repeat("ü", 4001)},
		map[string]int{"body": 5},
		map[string]string{},
		"not json",
	} {
		e.sdk("POST", path, s, body).expectError(400, codeInvalidArgument)
	}
	e.sdk("POST", path, s, map[string]string{"body": strings.Repeat("ü", 4000)}).expect(201)
	e.sdk("POST", "/v1/conversations", s, map[string]string{"message": ""}).expectError(400, codeInvalidArgument)
	e.sdk("POST", "/v1/conversations", s, map[string]string{"text": "wrong field"}).expectError(400, codeInvalidArgument)
	if n := len(e.messages(s, c.ID)); n != 2 {
		t.Fatalf("%d messages stored, want 2", n)
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "hi").Conversation
	big := fmt.Sprintf(`{"message": %q}`, strings.Repeat("a", MaxBodyBytes))
	e.sdk("POST", "/v1/conversations", s, big).expectError(413, codeInvalidArgument)
	e.sdk("POST", "/v1/conversations/"+c.ID+"/messages", s, strings.Replace(big, "message", "body", 1)).expectError(413, codeInvalidArgument)
	e.sdk("POST", "/v1/identities/login", "", fmt.Sprintf(`{"jwt": %q, "trackingId": "d"}`, strings.Repeat("a", MaxBodyBytes))).
		expectError(413, codeInvalidArgument)
	e.do(req{Method: "POST", Path: "/v1/agent/conversations/" + c.ID + "/messages", Body: strings.Replace(big, "message", "body", 1),
		Header: map[string]string{"Authorization": "Bearer " + testAgentKey}}).expectError(413, codeInvalidArgument)
	// Just under the cap is read (and then refused for its length, not its size).
	under := fmt.Sprintf(`{"message": %q}`, strings.Repeat("a", MaxBodyBytes-20))
	e.sdk("POST", "/v1/conversations", s, under).expectError(400, codeInvalidArgument)
}

func TestOtherCustomersConversationIsNotFound(t *testing.T) {
	e := newEnv(t)
	ann := e.login(e.jwt("ann@example.com", ""), "d1", "").SessionToken
	bob := e.login(e.jwt("", "bob-42"), "d2", "").SessionToken
	annConv := e.createConversation(ann, "ann's secret").Conversation
	e.createConversation(bob, "bob's own")

	unknown := e.sdk("GET", "/v1/conversations/00000000-0000-4000-8000-000000000000/messages", bob, nil)
	unknown.expectError(404, codeNotFound)
	for _, q := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/conversations/" + annConv.ID + "/messages", nil},
		{"POST", "/v1/conversations/" + annConv.ID + "/messages", map[string]string{"body": "intrusion"}},
		{"POST", "/v1/conversations/" + annConv.ID + "/read", nil},
	} {
		r := e.sdk(q.method, q.path, bob, q.body)
		r.expectError(404, codeNotFound)
		if string(r.Body) != string(unknown.Body) {
			t.Fatalf("%s %s: %s differs from an unknown id's %s", q.method, q.path, r.Body, unknown.Body)
		}
	}
	for _, c := range e.conversations(bob) {
		if c.ID == annConv.ID {
			t.Fatal("bob lists ann's conversation")
		}
	}
	for _, m := range e.events(bob, "?after=0").Messages {
		if m.ConversationID == annConv.ID {
			t.Fatal("bob's events carry ann's message")
		}
	}
	if msgs := e.messages(ann, annConv.ID); len(msgs) != 1 {
		t.Fatalf("ann's conversation has %d messages after bob's attempts, want 1", len(msgs))
	}
	e.sdk("GET", "/v1/conversations/"+strings.Repeat("z", 65)+"/messages", bob, nil).expectError(404, codeNotFound)
}

func TestUnreadCountsAndMarkRead(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c1 := e.createConversation(s, "one").Conversation
	c2 := e.createConversation(s, "two").Conversation
	e.agentReply(c1.ID, "a")
	e.agentReply(c1.ID, "b")
	e.agentReply(c2.ID, "c")
	e.send(s, c1.ID, "customer messages are never unread")

	unread := func() map[string]int {
		m := map[string]int{}
		for _, c := range e.conversations(s) {
			m[c.ID] = c.Unread
		}
		return m
	}
	if u := unread(); u[c1.ID] != 2 || u[c2.ID] != 1 {
		t.Fatalf("unread = %v, want 2 and 1", u)
	}
	if ev := e.events(s, ""); ev.Unread != 3 {
		t.Fatalf("events unread = %d, want 3", ev.Unread)
	}
	e.sdk("POST", "/v1/conversations/"+c1.ID+"/read", s, nil).expect(204)
	if u := unread(); u[c1.ID] != 0 || u[c2.ID] != 1 {
		t.Fatalf("after markRead unread = %v", u)
	}
	if ev := e.events(s, "?after=0"); ev.Unread != 1 {
		t.Fatalf("events unread = %d, want 1", ev.Unread)
	}
	e.agentReply(c1.ID, "again")
	if u := unread(); u[c1.ID] != 1 {
		t.Fatalf("a reply after markRead: unread = %v", u)
	}
}

// A send whose answer is lost is sent again, by the same device or after a
// reload; any number of attempts, sequential or at once, store one message,
// and only the first wakes anyone.
func TestSendsWithClientIDsStoreOnce(t *testing.T) {
	e := newEnv(t)
	ann := e.login(e.jwt("ann@example.com", ""), "phone", "")
	phone := ann.SessionToken
	laptop := e.login(e.jwt("ann@example.com", ""), "laptop", "").SessionToken
	wake, unsubscribe := e.srv.notifier.subscribe(ann.Identity.CustomerID)
	defer unsubscribe()
	woken := func() bool {
		select {
		case <-wake:
			return true
		default:
			return false
		}
	}

	convID, firstID := uuid.NewString(), uuid.NewString()
	create := map[string]string{"id": convID, "message": "first", "messageId": firstID}
	first := decodeAs[createdJSON](e.sdk("POST", "/v1/conversations", phone, create).expect(201))
	if first.Conversation.ID != convID || first.Message.ID != firstID {
		t.Fatalf("create = %+v, want the client's ids", first)
	}
	if !woken() {
		t.Fatal("a new conversation woke nobody")
	}
	reply := e.agentReply(convID, "an agent answers meanwhile")
	woken()
	again := decodeAs[createdJSON](e.sdk("POST", "/v1/conversations", phone, create).expect(200))
	if again.Message != first.Message {
		t.Fatalf("repeated create answered message %+v, want the stored %+v", again.Message, first.Message)
	}
	if c := again.Conversation; c.ID != convID || c.Unread != 1 || c.Preview != reply.Body || c.CreatedAt != first.Conversation.CreatedAt {
		t.Fatalf("repeated create answered conversation %+v, want it as it is now", c)
	}
	if woken() {
		t.Fatal("a repeated create woke the long polls")
	}

	// Any spelling of the id is the same id, stored in canonical form.
	msgID := uuid.NewString()
	path := "/v1/conversations/" + convID + "/messages"
	sent := decodeAs[postedJSON](e.sdk("POST", path, phone, map[string]string{"id": strings.ToUpper(msgID), "body": "second"}).expect(201)).Message
	if sent.ID != msgID {
		t.Fatalf("sent %+v, want id %s", sent, msgID)
	}
	if !woken() {
		t.Fatal("a new message woke nobody")
	}
	resent := decodeAs[postedJSON](e.sdk("POST", "/v1/conversations/"+strings.ToUpper(convID)+"/messages", laptop, map[string]string{"id": msgID, "body": "second"}).expect(200)).Message
	if resent != sent {
		t.Fatalf("resent %+v, want the stored %+v", resent, sent)
	}
	if woken() {
		t.Fatal("a resent message woke the long polls")
	}

	raceID := uuid.NewString()
	const attempts = 16
	answers := make([]response, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			answers[i] = e.do(req{Method: "POST", Path: path, APIKey: testAPIKey, Session: phone,
				Body: map[string]string{"id": raceID, "body": "third"}})
		})
	}
	wg.Wait()
	created := 0
	var raced messageJSON
	for i, r := range answers {
		if r.Code == 201 {
			created++
		} else {
			r.expect(200)
		}
		m := decodeAs[postedJSON](r).Message
		if i > 0 && m != raced {
			t.Fatalf("concurrent sends answered %+v and %+v", m, raced)
		}
		raced = m
	}
	if created != 1 || raced.ID != raceID {
		t.Fatalf("%d of %d concurrent sends answered 201 with %+v, want exactly one with id %s", created, attempts, raced, raceID)
	}

	msgs := e.messages(phone, convID)
	if len(msgs) != 4 || msgs[0].ID != firstID || msgs[1].ID != reply.ID || msgs[2].ID != msgID || msgs[3].ID != raceID {
		t.Fatalf("messages = %+v, want each once", msgs)
	}
	if ev := e.events(laptop, "?after=0"); len(ev.Messages) != 4 {
		t.Fatalf("the other device got %d messages, want 4: %+v", len(ev.Messages), ev.Messages)
	}
	if convs := e.conversations(phone); len(convs) != 1 {
		t.Fatalf("%d conversations, want 1", len(convs))
	}
}

// An id another customer used gets 409 and nothing of theirs; into a
// conversation that is not the caller's, an id changes nothing: 404.
func TestClientIDsOfAnotherCustomerConflict(t *testing.T) {
	e := newEnv(t)
	ann := e.login(e.jwt("ann@example.com", ""), "d1", "")
	bob := e.login(e.jwt("", "bob-42"), "d2", "").SessionToken
	annConv, annMsg := uuid.NewString(), uuid.NewString()
	e.sdk("POST", "/v1/conversations", ann.SessionToken, map[string]string{"id": annConv, "message": "ann's secret", "messageId": annMsg}).expect(201)
	annOther := e.createConversation(ann.SessionToken, "ann's other").Conversation
	bobConv := e.createConversation(bob, "bob's own").Conversation

	var conflict []byte
	for _, q := range []struct {
		session, path string
		body          map[string]string
	}{
		{bob, "/v1/conversations", map[string]string{"id": annConv, "message": "bob"}},
		{bob, "/v1/conversations", map[string]string{"id": annConv, "message": "bob", "messageId": annMsg}},
		{bob, "/v1/conversations", map[string]string{"message": "bob", "messageId": annMsg}},
		{bob, "/v1/conversations/" + bobConv.ID + "/messages", map[string]string{"id": annMsg, "body": "bob"}},
		{ann.SessionToken, "/v1/conversations/" + annOther.ID + "/messages", map[string]string{"id": annMsg, "body": "elsewhere"}},
		{ann.SessionToken, "/v1/conversations", map[string]string{"id": annConv, "message": "new first", "messageId": uuid.NewString()}},
	} {
		r := e.sdk("POST", q.path, q.session, q.body)
		r.expectError(409, codeConflict)
		if conflict != nil && string(r.Body) != string(conflict) {
			t.Fatalf("409 bodies differ: %s and %s", r.Body, conflict)
		}
		conflict = r.Body
		for _, leak := range []string{"ann", ann.Identity.CustomerID, "seq", "createdAt"} {
			if strings.Contains(string(r.Body), leak) {
				t.Fatalf("409 for %v carries %q: %s", q.body, leak, r.Body)
			}
		}
	}
	unknown := e.sdk("POST", "/v1/conversations/"+uuid.NewString()+"/messages", bob, map[string]string{"body": "x"})
	intrusion := e.sdk("POST", "/v1/conversations/"+annConv+"/messages", bob, map[string]string{"id": annMsg, "body": "x"})
	intrusion.expectError(404, codeNotFound)
	if string(intrusion.Body) != string(unknown.Body) {
		t.Fatalf("%s differs from an unknown conversation's %s", intrusion.Body, unknown.Body)
	}

	if convs := e.conversations(bob); len(convs) != 1 || convs[0].ID != bobConv.ID {
		t.Fatalf("bob's conversations = %+v, want only his own", convs)
	}
	for _, c := range []string{annConv, annOther.ID} {
		if msgs := e.messages(ann.SessionToken, c); len(msgs) != 1 {
			t.Fatalf("ann's conversation %s has %d messages, want 1", c, len(msgs))
		}
	}
}

func TestClientIDsMustBeUUIDs(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "hi").Conversation
	path := "/v1/conversations/" + c.ID + "/messages"
	for _, id := range []any{"", "not-a-uuid", "6f1c2b9e-0d4a-4c3b-9a57", 42, true} {
		e.sdk("POST", "/v1/conversations", s, map[string]any{"id": id, "message": "x"}).expectError(400, codeInvalidArgument)
		e.sdk("POST", "/v1/conversations", s, map[string]any{"messageId": id, "message": "x"}).expectError(400, codeInvalidArgument)
		e.sdk("POST", path, s, map[string]any{"id": id, "body": "x"}).expectError(400, codeInvalidArgument)
	}
	if convs := e.conversations(s); len(convs) != 1 {
		t.Fatalf("%d conversations after refused creates, want 1", len(convs))
	}
	// null is absent: the service makes the id.
	made := decodeAs[createdJSON](e.sdk("POST", "/v1/conversations", s, map[string]any{"id": nil, "message": "x", "messageId": nil}).expect(201))
	if _, err := uuid.Parse(made.Conversation.ID); err != nil || made.Message.ID == "" {
		t.Fatalf("service-made ids = %+v", made)
	}
	// Without dashes is still a UUID, stored canonical.
	id := uuid.New()
	m := decodeAs[postedJSON](e.sdk("POST", path, s, map[string]any{"id": strings.ReplaceAll(id.String(), "-", ""), "body": "x"}).expect(201)).Message
	if m.ID != id.String() {
		t.Fatalf("id %q, want canonical %q", m.ID, id)
	}
}
