package store

import (
	"errors"
	"math"
)

// The agent lists' paging, which both stores share: an engine supplies only
// the reads, in one snapshot.

// statusLister reads up to limit conversations of one status after the
// cursor keys (last, seq), newest activity first.
type statusLister func(status Status, last, seq int64, limit int) ([]AgentConversation, error)

// agentConversationsPage is AgentConversations; snapshot runs fn with a
// lister whose reads all see one snapshot.
func agentConversationsPage(filter StatusFilter, page Page, snapshot func(fn func(list statusLister) error) error) ([]AgentConversation, string, error) {
	size := page.size()
	switch filter {
	case FilterOpen, FilterClosed:
		kind := openCursor
		if filter == FilterClosed {
			kind = closedCursor
		}
		keys, err := decodeCursor(page.Cursor, kind, conversationKeys...)
		if err != nil {
			return nil, "", err
		}
		var convs []AgentConversation
		err = snapshot(func(list statusLister) error {
			var err error
			convs, err = list(Status(filter), keys[0], keys[1], size+1)
			return err
		})
		if err != nil {
			return nil, "", err
		}
		convs, next := trimPage(convs, size, statusCursorOf(kind))
		return convs, next, nil
	case FilterAll:
	default:
		return nil, "", errors.New("store: unknown status filter " + string(filter))
	}
	// The open part, then the closed one: each an index range scan, and both
	// read from one snapshot so that a page never skips the seam.
	keys, err := decodeCursor(page.Cursor, allCursor, 1, conversationKeys[0], conversationKeys[1])
	if err != nil {
		return nil, "", err
	}
	var convs []AgentConversation
	err = snapshot(func(list statusLister) error {
		convs = []AgentConversation{}
		last, seq := keys[1], keys[2]
		if keys[0] == 1 {
			var err error
			if convs, err = list(StatusOpen, last, seq, size+1); err != nil || len(convs) > size {
				return err
			}
			last, seq = conversationKeys[0], conversationKeys[1]
		}
		closed, err := list(StatusClosed, last, seq, size+1-len(convs))
		convs = append(convs, closed...)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	convs, next := trimPage(convs, size, allCursorOf)
	return convs, next, nil
}

// agentMessagesPage is AgentMessages; read returns, from one snapshot,
// ErrNotFound for an unknown conversation, else up to limit of its messages
// past the seq after, by agentMessagesQueries[order].
func agentMessagesPage(order Order, page Page, read func(after int64, limit int) ([]Message, error)) ([]Message, string, error) {
	kind, first, cursorOf := messageCursor, int64(0), messageCursorOf
	switch order {
	case OldestFirst:
	case NewestFirst:
		kind, first, cursorOf = newestMessageCursor, math.MaxInt64, newestMessageCursorOf
	default:
		return nil, "", errors.New("store: unknown order " + string(order))
	}
	keys, err := decodeCursor(page.Cursor, kind, first)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	out, err := read(keys[0], size+1)
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, size, cursorOf)
	return out, next, nil
}
