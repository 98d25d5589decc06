package service

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/nats-io/nats.go"
)

// The subjects of the wake-ups. One subject carries every customer's, the id
// as its payload, rather than a subject per customer: an instance with an
// agents' poll needs every customer's wake-up anyway, and a subject per
// customer would subscribe and unsubscribe at every long poll, with a window
// after each subscription in which the NATS server does not know of it yet
// and a wake-up is lost.
const (
	natsCustomerSubject      = "kustomer-chat.wake.customer"
	natsAgentsSubject        = "kustomer-chat.wake.agents"
	natsSessionsEndedSubject = "kustomer-chat.sessions.ended"
)

// NATSWakeups carries wake-ups between instances through NATS core
// publish/subscribe: at most once, which is enough since a wake-up carries
// no data. Publications are not echoed back (each instance has woken its own
// polls already), so one NATSWakeups serves one New.
type NATSWakeups struct {
	conn    *nats.Conn
	log     *slog.Logger
	closed  chan struct{}
	failing atomic.Bool // the last publication failed: say so once, not at every one
}

// ConnectNATS connects to the NATS server(s) at servers (a URL, or several
// separated by commas), failing if none answers. Once connected it
// reconnects for as long as it is open, keeping the wake-ups published
// meanwhile in nats.go's bounded buffer.
func ConnectNATS(servers string, log *slog.Logger) (*NATSWakeups, error) {
	if log == nil {
		log = slog.Default()
	}
	w := &NATSWakeups{log: log, closed: make(chan struct{})}
	conn, err := nats.Connect(servers,
		nats.Name("kustomer-chat-server"),
		nats.NoEcho(),
		// The service keeps serving without NATS (each instance still wakes
		// its own polls), so it never gives up reconnecting.
		nats.MaxReconnects(-1),
		nats.ClosedHandler(func(*nats.Conn) { close(w.closed) }),
	)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to NATS at %s: %w", withoutCredentials(servers), err)
	}
	w.conn = conn
	return w, nil
}

// Listen subscribes; at a reconnect it resyncs local, for what was
// published while disconnected is lost, and so when the server dropped
// messages for this connection (a slow consumer).
func (w *NATSWakeups) Listen(local Local) error {
	w.conn.SetDisconnectErrHandler(func(_ *nats.Conn, err error) {
		local.Disconnected()
		if err != nil {
			w.log.Warn("NATS connection lost; other instances' wake-ups wait for the reconnect", "err", err)
		}
	})
	w.conn.SetReconnectHandler(func(*nats.Conn) {
		w.log.Info("NATS connection back; waking every long poll")
		local.Resync()
	})
	w.conn.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrSlowConsumer) {
			w.log.Warn("NATS messages dropped; waking every long poll", "err", err)
			local.Resync()
		}
	})
	if !w.conn.IsConnected() {
		local.Disconnected()
	}
	for subject, fn := range map[string]func(*nats.Msg){
		natsCustomerSubject:      func(m *nats.Msg) { local.WakeCustomer(string(m.Data)) },
		natsAgentsSubject:        func(*nats.Msg) { local.WakeAgents() },
		natsSessionsEndedSubject: func(m *nats.Msg) { local.SessionsEnded(string(m.Data)) },
	} {
		if _, err := w.conn.Subscribe(subject, fn); err != nil {
			return fmt.Errorf("NATS: %w", err)
		}
	}
	// The server knows the subscriptions before the first poll waits.
	if err := w.conn.Flush(); err != nil {
		return fmt.Errorf("NATS: %w", err)
	}
	return nil
}

func (w *NATSWakeups) PublishCustomer(customerID string) {
	w.publish(natsCustomerSubject, []byte(customerID))
}

func (w *NATSWakeups) PublishAgents() { w.publish(natsAgentsSubject, nil) }

func (w *NATSWakeups) PublishSessionsEnded(customerID string) {
	w.publish(natsSessionsEndedSubject, []byte(customerID))
}

func (w *NATSWakeups) publish(subject string, data []byte) {
	err := w.conn.Publish(subject, data)
	if err == nil {
		w.failing.Store(false)
		return
	}
	// The reconnect buffer is full, or the connection closed: the other
	// instances' polls answer at the end of their wait.
	if !w.failing.Swap(true) {
		w.log.Warn("NATS publication failed; other instances' polls may answer late", "err", err)
	}
}

// Close sends what is still buffered and closes the connection: call it
// once the HTTP server has shut down, so that the last writes' wake-ups go
// out.
func (w *NATSWakeups) Close() error {
	err := w.conn.Drain()
	// Drain closes at once a connection that is reconnecting.
	if err != nil && !errors.Is(err, nats.ErrConnectionReconnecting) && !errors.Is(err, nats.ErrConnectionClosed) {
		return err
	}
	<-w.closed
	return nil
}

// withoutCredentials is servers for an error message: a NATS URL may carry a
// user and password, or a token as its user, before an @.
func withoutCredentials(servers string) string {
	list := strings.Split(servers, ",")
	for i, s := range list {
		scheme, rest, ok := strings.Cut(strings.TrimSpace(s), "://")
		if !ok {
			scheme, rest = "", scheme
		}
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest = rest[at+1:]
		}
		if ok {
			rest = scheme + "://" + rest
		}
		list[i] = rest
	}
	return strings.Join(list, ",")
}
