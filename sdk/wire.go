package sdk

import "github.com/valyala/fastjson"

// The JSON forms of the core's types, read by hand (jsonread.go) under the names of
// their struct tags, which the tests' fake service marshals with encoding/json.

func (id *Identity) read(key string, v *fastjson.Value) bool {
	switch key {
	case "id":
		return readString(v, &id.ID)
	case "customerId":
		return readString(v, &id.CustomerID)
	case "trackingId":
		return readString(v, &id.TrackingID)
	case "email":
		return readString(v, &id.Email)
	case "externalId":
		return readString(v, &id.ExternalID)
	case "verified":
		return readBool(v, &id.Verified)
	case "verifiedAt":
		return readString(v, &id.VerifiedAt)
	case "createdAt":
		return readString(v, &id.CreatedAt)
	case "updatedAt":
		return readString(v, &id.UpdatedAt)
	}
	return true
}

// json is the stored form of id, as encoding/json wrote it: empty strings omitted.
func (id *Identity) json() []byte {
	var o jsonObject
	o.optStr("id", id.ID)
	o.optStr("customerId", id.CustomerID)
	o.optStr("trackingId", id.TrackingID)
	o.optStr("email", id.Email)
	o.optStr("externalId", id.ExternalID)
	o.boolean("verified", id.Verified)
	o.optStr("verifiedAt", id.VerifiedAt)
	o.optStr("createdAt", id.CreatedAt)
	o.optStr("updatedAt", id.UpdatedAt)
	return o.end()
}

func (c *Conversation) read(key string, v *fastjson.Value) bool {
	switch key {
	case "id":
		return readString(v, &c.ID)
	case "createdAt":
		return readString(v, &c.CreatedAt)
	case "lastMessageAt":
		return readString(v, &c.LastMessageAt)
	case "preview":
		return readString(v, &c.Preview)
	case "unread":
		return readInt(v, &c.Unread)
	}
	return true
}

func (m *Message) read(key string, v *fastjson.Value) bool {
	switch key {
	case "id":
		return readString(v, &m.ID)
	case "conversationId":
		return readString(v, &m.ConversationID)
	case "body":
		return readString(v, &m.Body)
	case "author":
		return readString(v, &m.Author)
	case "authorName":
		return readString(v, &m.AuthorName)
	case "createdAt":
		return readString(v, &m.CreatedAt)
	case "seq":
		return readInt(v, &m.Seq)
	}
	return true
}

// reader is a type of the wire format: *Identity, *Conversation, *Message.
type reader[T any] interface {
	*T
	read(key string, v *fastjson.Value) bool
}

// readObject reads the object v into *dst, a new T unless a repeated key already
// made one (encoding/json merges those too); null sets *dst to nil.
func readObject[T any, P reader[T]](v *fastjson.Value, dst **T) bool {
	if v.Type() == fastjson.TypeNull {
		*dst = nil
		return true
	}
	if *dst == nil {
		*dst = new(T)
	}
	return members(v, P(*dst).read)
}

// readList sets *dst to the Ts read from the array v, a null element giving a zero T;
// null sets it to nil.
func readList[T any, P reader[T]](v *fastjson.Value, dst *[]T) bool {
	if v.Type() == fastjson.TypeNull {
		*dst = nil
		return true
	}
	list := []T{}
	ok := elements(v, func(e *fastjson.Value) bool {
		var t T
		if !members(e, P(&t).read) {
			return false
		}
		list = append(list, t)
		return true
	})
	if ok {
		*dst = list
	}
	return ok
}
