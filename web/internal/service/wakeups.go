package service

// Wakeups carries wake-ups between the service instances that share one
// store. An instance wakes its own long polls directly, without waiting on
// the carrier, and publishes the wake-up for the others; as a wake-up carries
// no data (the polls re-read the store), a lost one only delays an answer
// until the poll's wait ends.
//
// The default, nil in Options, is one instance alone: nothing to carry.
// NATSWakeups carries them through a NATS server.
type Wakeups interface {
	// Listen is called once, by New, before any publication: from then on
	// the wake-ups the other instances publish arrive at local, and
	// local.WakeAll is called whenever some may have been lost.
	Listen(local Polls) error
	// PublishCustomer tells the other instances that a customer has news,
	// which their agents' polls see too.
	PublishCustomer(customerID string)
	// PublishAgents tells them of a change only agents see.
	PublishAgents()
}

// Polls are one instance's waiting long polls.
type Polls interface {
	// WakeCustomer wakes a customer's polls and the agents'.
	WakeCustomer(customerID string)
	// WakeAgents wakes the agents' polls.
	WakeAgents()
	// WakeAll wakes every poll.
	WakeAll()
}

// alone is the default Wakeups: no other instance hears of anything.
type alone struct{}

func (alone) Listen(Polls) error     { return nil }
func (alone) PublishCustomer(string) {}
func (alone) PublishAgents()         {}

// wakeCustomer is called after a commit that a customer's polls see.
func (s *server) wakeCustomer(customerID string) {
	s.notifier.WakeCustomer(customerID)
	s.wakeups.PublishCustomer(customerID)
}

// wakeAgents is called after a commit that only the agents' polls see.
func (s *server) wakeAgents() {
	s.notifier.WakeAgents()
	s.wakeups.PublishAgents()
}
