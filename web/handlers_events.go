package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/store"
)

const (
	maxWait     = 25 * time.Second
	eventsLimit = 100
)

type eventsJSON struct {
	Messages []messageJSON `json:"messages"`
	Cursor   int64         `json:"cursor"`
	Unread   int           `json:"unread"`
}

func eventsOf(ev store.Events) eventsJSON {
	return eventsJSON{Messages: messagesOf(ev.Messages), Cursor: ev.Cursor, Unread: ev.Unread}
}

// events is the long poll of API.md. It subscribes before its first read, so
// a message stored between that read and the wait still wakes it; every wake
// re-reads the store, so a wake for a message this session sent itself, or a
// markRead that leaves the total the client knows, just goes back to waiting.
func (s *server) events(w http.ResponseWriter, r *http.Request, sess store.Session) {
	q := r.URL.Query()
	ctx := r.Context()
	after := int64(-1) // absent: answer at once with the current cursor
	if q.Has("after") {
		var err error
		if after, err = strconv.ParseInt(q.Get("after"), 10, 64); err != nil || after < 0 {
			writeError(w, http.StatusBadRequest, codeInvalidArgument, "after must be a non-negative integer")
			return
		}
	}
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 {
			writeError(w, http.StatusBadRequest, codeInvalidArgument, "wait must be 0 to 25 seconds")
			return
		}
		wait = min(time.Duration(secs)*time.Second, maxWait)
	}
	// unread is the total the client shows, -1 when it did not say: another
	// total answers at once, so a badge a markRead elsewhere cleared does not
	// wait for the next message to catch up.
	unread := -1
	if q.Has("unread") {
		var err error
		if unread, err = strconv.Atoi(q.Get("unread")); err != nil || unread < 0 {
			writeError(w, http.StatusBadRequest, codeInvalidArgument, "unread must be a non-negative integer")
			return
		}
	}
	if after < 0 {
		ev, err := s.store.LatestEvents(ctx, sess.CustomerID)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, eventsOf(ev))
		return
	}

	var wake <-chan struct{}
	var timeout <-chan time.Time
	if wait > 0 {
		ch, unsubscribe := s.notifier.subscribe(sess.CustomerID)
		defer unsubscribe()
		timer := time.NewTimer(wait)
		defer timer.Stop()
		wake, timeout = ch, timer.C
	}
	for {
		ev, err := s.store.Events(ctx, sess, after, eventsLimit)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		if len(ev.Messages) > 0 || wait == 0 || (unread >= 0 && ev.Unread != unread) {
			s.answerIfLive(w, r, ev)
			return
		}
		select {
		case <-wake:
		case <-timeout:
			s.answerIfLive(w, r, ev)
			return
		case <-ctx.Done():
			// The client left, or the server is shutting down: answer with
			// what there is, which a departed client never reads.
			writeJSON(w, http.StatusOK, eventsOf(ev))
			return
		}
	}
}

// answerIfLive answers a poll with ev only while its session is still live.
// The session is read after ev: a logout committed before a message was
// stored is then seen, so nothing stored after a logout reaches a poll that
// was opened before it, however long it waited.
func (s *server) answerIfLive(w http.ResponseWriter, r *http.Request, ev store.Events) {
	if _, err := s.store.Session(r.Context(), bearer(r), s.now()); err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, eventsOf(ev))
}
