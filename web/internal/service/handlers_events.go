package service

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
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

type eventsQuery struct {
	after  int64 // -1 when absent: answer at once with the current cursor
	wait   time.Duration
	unread int // the total the client shows, -1 when it did not say
}

// parseEventsQuery reads after, wait and unread. Each is clamped while still a
// count, before any conversion: a wait of 9223372037 seconds once overflowed
// into a negative duration, and the poll then never answered.
func parseEventsQuery(q url.Values) (eventsQuery, error) {
	e := eventsQuery{after: -1, unread: -1}
	var ok bool
	if q.Has("after") {
		if e.after, ok = count(q.Get("after"), math.MaxInt64); !ok {
			return e, errors.New("after must be a non-negative integer")
		}
	}
	if v := q.Get("wait"); v != "" {
		secs, ok := count(v, int64(maxWait/time.Second))
		if !ok {
			return e, errors.New("wait must be 0 to 25 seconds")
		}
		e.wait = time.Duration(secs) * time.Second
	}
	// Another total than the client's answers at once, so a badge a markRead
	// elsewhere cleared does not wait for the next message to catch up.
	if q.Has("unread") {
		n, ok := count(q.Get("unread"), math.MaxInt32)
		if !ok {
			return e, errors.New("unread must be a non-negative integer")
		}
		e.unread = int(n)
	}
	return e, nil
}

// count reads a non-negative decimal integer of digits only (no sign, no
// spaces), capped at limit however many digits it has.
func count(s string, limit int64) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil { // only ErrRange is left: more than int64 holds
		n = math.MaxInt64
	}
	return min(n, limit), true
}

// events is the long poll of API.md. It subscribes before its first read, so
// a message stored between that read and the wait still wakes it; every wake
// re-reads the store, so a wake for a message this session sent itself, or a
// markRead that leaves the total the client knows, just goes back to waiting.
// Each read also checks, in its snapshot, that the session is still live: a
// logout committed before a message was stored is then seen, so nothing
// stored after a logout reaches a poll opened before it, however long it
// waited, and a wake that is a logout or an erase ends the poll now.
func (s *server) events(w http.ResponseWriter, r *http.Request, sess store.Session) {
	q, err := parseEventsQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, err.Error())
		return
	}
	ctx := r.Context()
	after, wait, unread := q.after, q.wait, q.unread
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
		if !s.polls.enter(sess.ID) {
			tooMany(w, pollRetry)
			return
		}
		defer s.polls.leave(sess.ID)
		ch, unsubscribe := s.notifier.subscribe(sess.CustomerID)
		defer unsubscribe()
		timer := time.NewTimer(wait)
		defer timer.Stop()
		wake, timeout = ch, timer.C
	}
	for {
		ev, err := s.store.Events(ctx, sess, after, eventsLimit, s.now())
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		if len(ev.Messages) > 0 || wait == 0 || (unread >= 0 && ev.Unread != unread) {
			writeJSON(w, http.StatusOK, eventsOf(ev))
			return
		}
		select {
		case <-wake:
		case <-timeout:
			// One last read answers, whatever it finds.
			wait = 0
		case <-s.stopping:
			// Nothing is lost: the client polls again from the same cursor,
			// on this service's successor.
			writeJSON(w, http.StatusOK, eventsOf(ev))
			return
		case <-ctx.Done():
			// The client left: nobody reads an answer.
			writeJSON(w, http.StatusOK, eventsOf(ev))
			return
		}
	}
}
