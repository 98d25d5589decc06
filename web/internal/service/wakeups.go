package service

// Wakeups carries wake-ups between the service instances that share one
// store. An instance wakes its own long polls directly, without waiting on
// the carrier, and publishes the wake-up for the others; as a wake-up carries
// no data (the polls re-read the store), a lost one only delays an answer
// until the poll's wait ends. It also tells the others which customers'
// sessions ended, for them to forget those they keep (sessionCache); while
// such news may be lost, the instances keep none.
//
// The default, nil in Options, is one instance alone: nothing to carry.
// NATSWakeups carries them through a NATS server.
type Wakeups interface {
	// Listen is called once, by New, before any publication: from then on
	// what the other instances publish arrives at local, local.Disconnected
	// is called when it stops arriving and local.Resync whenever some may
	// have been lost.
	Listen(local Local) error
	// PublishCustomer tells the other instances that a customer has news,
	// which their agents' polls see too.
	PublishCustomer(customerID string)
	// PublishAgents tells them of a change only agents see.
	PublishAgents()
	// PublishSessionsEnded tells them that some of a customer's sessions
	// ended.
	PublishSessionsEnded(customerID string)
}

// Local is what one instance holds that the others' writes change: its
// waiting long polls and the sessions it keeps.
type Local interface {
	// WakeCustomer wakes a customer's polls and the agents'.
	WakeCustomer(customerID string)
	// WakeAgents wakes the agents' polls.
	WakeAgents()
	// SessionsEnded forgets the customer's sessions kept.
	SessionsEnded(customerID string)
	// Disconnected: nothing arrives until Resync, so no session is kept.
	Disconnected()
	// Resync wakes every poll and forgets every session kept, and keeps
	// sessions again.
	Resync()
}

// alone is the default Wakeups: no other instance hears of anything.
type alone struct{}

func (alone) Listen(Local) error          { return nil }
func (alone) PublishCustomer(string)      {}
func (alone) PublishAgents()              {}
func (alone) PublishSessionsEnded(string) {}

// local is this instance's Local.
type local struct {
	*notifier
	sessions *sessionCache
}

func (l local) SessionsEnded(customerID string) { l.sessions.drop(customerID) }
func (l local) Disconnected()                   { l.sessions.reset(true) }

func (l local) Resync() {
	l.sessions.reset(false)
	l.WakeAll()
}

// wakeCustomer is called after a commit that a customer's polls see.
func (s *server) wakeCustomer(customerID string) {
	s.notifier.WakeCustomer(customerID)
	s.wakeups.PublishCustomer(customerID)
}

// sessionsEnded is called after a commit that ended some of a customer's
// sessions, before it is answered: this instance forgets them at once, the
// others as soon as they hear.
func (s *server) sessionsEnded(customerID string) {
	s.sessions.drop(customerID)
	s.wakeups.PublishSessionsEnded(customerID)
}

// wakeAgents is called after a commit that only the agents' polls see.
func (s *server) wakeAgents() {
	s.notifier.WakeAgents()
	s.wakeups.PublishAgents()
}
