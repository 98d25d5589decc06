package sdk

import (
	"strconv"

	"github.com/valyala/fastjson"
)

// The outbox keeps each message on the device from the moment it is typed until the
// service has stored it, so that a message typed while the service is unreachable
// is sent once it is back, even after a reload. It is stored under its own key,
// apart from the state, and shared by the tabs of the site:
//
//	StorageKey()+":outbox" → {"v":1,"entries":[{"id":…,"conversationId":…,"body":…,
//	    "createdAt":…,"newConversation":false,"deviceId":…}, …]}
//
// oldest first; the key is removed when no entry is left. Each change is a
// read-modify-write, so that two tabs adding messages do not drop each other's.

const outboxVersion = 1

// entry is one message waiting in the outbox.
type entry struct {
	id             string // the message id, made on the device: the service stores it once
	conversationID string // made on the device too when newConversation
	body           string
	createdAt      string
	// newConversation: the conversation's first message, which creates it.
	newConversation bool
	// deviceID is the device that typed it. An entry is sent only while that is still
	// the device's id: logOut makes a new one, and the entry is not the new visitor's.
	deviceID string
}

func (en *entry) read(key string, v *fastjson.Value) bool {
	switch key {
	case "id":
		return readString(v, &en.id)
	case "conversationId":
		return readString(v, &en.conversationID)
	case "body":
		return readString(v, &en.body)
	case "createdAt":
		return readString(v, &en.createdAt)
	case "newConversation":
		return readBool(v, &en.newConversation)
	case "deviceId":
		return readString(v, &en.deviceID)
	}
	return true
}

func encodeOutbox(entries []entry) string {
	list := []byte{'['}
	for i, en := range entries {
		if i > 0 {
			list = append(list, ',')
		}
		var o jsonObject
		for _, kv := range [...][2]string{{"id", en.id}, {"conversationId", en.conversationID}, {"body", en.body},
			{"createdAt", en.createdAt}, {"deviceId", en.deviceID}} {
			o.str(kv[0], kv[1])
		}
		o.boolean("newConversation", en.newConversation)
		list = append(list, o.end()...)
	}
	var o jsonObject
	o.integer("v", outboxVersion)
	o.raw("entries", append(list, ']'))
	return string(o.end())
}

// decodeOutbox reads a stored outbox; ok is false for anything but a version-1
// outbox of well-formed entries.
func decodeOutbox(raw string) (entries []entry, ok bool) {
	v := 0
	return entries, readBody([]byte(raw), func(key string, val *fastjson.Value) bool {
		switch key {
		case "v":
			return readInt(val, &v)
		case "entries":
			entries = nil // a repeated key: the last wins
			return elements(val, func(e *fastjson.Value) bool {
				var en entry
				ok := members(e, en.read) && isUUID(en.id) && en.conversationID != "" && en.body != "" && isUUID(en.deviceID)
				entries = append(entries, en)
				return ok
			})
		}
		return true
	}) && v == outboxVersion
}

// OutboxKey is the Storage key of the outbox: StorageKey() + ":outbox". The bridge
// reloads when another tab writes it, as for StorageKey.
func (c *Client) OutboxKey() string { return c.key + ":outbox" }

// loadOutbox returns this device's entries, oldest first, and the number of entries
// of another device id. An outbox that cannot be read is dropped with a warning.
func (c *Client) loadOutbox() (mine []entry, others int) {
	raw, ok := c.store.get(c.OutboxKey())
	if !ok {
		return nil, 0
	}
	entries, valid := decodeOutbox(raw)
	if !valid {
		c.warn("the stored unsent messages could not be read and were dropped")
		c.store.remove(c.OutboxKey())
		return nil, 0
	}
	for _, en := range entries {
		if en.deviceID == c.st.deviceID {
			mine = append(mine, en)
		}
	}
	return mine, len(entries) - len(mine)
}

func (c *Client) readOutbox() []entry {
	mine, _ := c.loadOutbox()
	return mine
}

// editOutbox removes the entry with the id remove, if any, and appends add, if
// any, in one read-modify-write of the stored outbox. Entries of another device id,
// which only a logOut racing in another tab can leave, go with a warning.
func (c *Client) editOutbox(remove string, add *entry) {
	entries, others := c.loadOutbox()
	if others > 0 {
		c.warn(strconv.Itoa(others) + " unsent messages of a logged-out visitor were dropped")
	}
	kept := entries[:0]
	for _, en := range entries {
		if en.id != remove {
			kept = append(kept, en)
		}
	}
	if add != nil {
		kept = append(kept, *add)
	}
	if len(kept) == 0 {
		c.store.remove(c.OutboxKey())
		return
	}
	c.store.set(c.OutboxKey(), encodeOutbox(kept))
}

// dropOutbox empties the outbox when the customer changes: the entries are not the
// next customer's messages. It warns, so that none goes silently.
func (c *Client) dropOutbox() {
	if n := len(c.readOutbox()); n > 0 {
		c.warn(strconv.Itoa(n) + " unsent messages were dropped with the identity they belonged to")
	}
	c.store.remove(c.OutboxKey())
	c.deliveryFailed = false
	c.mu.Lock()
	c.stopRetry()
	c.mu.Unlock()
}

// pendingConversation tells whether id is a conversation this device started that
// only its outbox knows yet.
func (c *Client) pendingConversation(id string) bool {
	for _, en := range c.readOutbox() {
		if en.newConversation && en.conversationID == id {
			return true
		}
	}
	return false
}

// getPendingMessages lists this device's unsent messages, oldest first.
func (c *Client) getPendingMessages() []PendingMessage {
	c.ensureLoaded()
	entries := c.readOutbox()
	out := make([]PendingMessage, len(entries))
	state := PendingSending
	if c.deliveryFailed {
		state = PendingFailed
	}
	for i, en := range entries {
		out[i] = PendingMessage{ID: en.id, ConversationID: en.conversationID, Body: en.body, Author: "customer",
			CreatedAt: en.createdAt, State: state}
	}
	return out
}
