package store

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
)

// Cursors name the last item of a page by the columns the list is ordered by
// (keyset paging: each page is an index range scan, however deep), with a
// prefix per kind of list so that one list's cursor is refused by another.
// Base64 keeps clients from building them by hand.

const (
	conversationCursor = "c"
	messageCursor      = "m"
)

func encodeCursor(kind string, keys ...int64) string {
	parts := make([]string, 0, len(keys)+1)
	parts = append(parts, kind)
	for _, k := range keys {
		parts = append(parts, strconv.FormatInt(k, 10))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ".")))
}

// decodeCursor returns the n keys of a cursor of kind; "" is the first page,
// whose keys are first.
func decodeCursor(cursor, kind string, first ...int64) ([]int64, error) {
	if cursor == "" {
		return first, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, ErrBadCursor
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != len(first)+1 || parts[0] != kind {
		return nil, ErrBadCursor
	}
	keys := make([]int64, len(first))
	for i, p := range parts[1:] {
		if keys[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return nil, ErrBadCursor
		}
	}
	return keys, nil
}

// conversationKeys are the first page's keys of a conversation list, which
// runs newest first.
var conversationKeys = []int64{math.MaxInt64, math.MaxInt64}

// trimPage cuts a list read with one item more than size to size, and returns
// the cursor of its last item when that extra item says there is more.
func trimPage[T any](items []T, size int, cursor func(T) string) ([]T, string) {
	if len(items) <= size {
		return items, ""
	}
	items = items[:size]
	return items, cursor(items[size-1])
}

func conversationCursorOf(c Conversation) string {
	return encodeCursor(conversationCursor, c.LastMessageAt.UnixMilli(), c.LastSeq)
}

func messageCursorOf(m Message) string { return encodeCursor(messageCursor, m.Seq) }
