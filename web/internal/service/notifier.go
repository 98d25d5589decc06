package service

import "sync"

// notifier wakes the long polls of one customer when a message for that
// customer is stored or their unread total changes, and the agents' polls at
// every change an agent sees: each of those customer wake-ups, and the
// changes only agents see (a read by an agent, close, reopen, erase). A
// wake-up carries no data: the poll re-reads the store, which stays the only
// source of truth, so a missed or duplicate wake-up can delay an answer but
// never lose or repeat a message.
//
// It holds this instance's polls only: Wakeups carries wake-ups to the other
// instances that share the store.
type notifier struct {
	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{}
	agents map[chan struct{}]struct{}
}

func newNotifier() *notifier {
	return &notifier{subs: map[string]map[chan struct{}]struct{}{}, agents: map[chan struct{}]struct{}{}}
}

// subscribe returns a channel that receives after each WakeCustomer for customerID,
// coalesced to one pending wake-up, and a function to unsubscribe.
func (n *notifier) subscribe(customerID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	set := n.subs[customerID]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		n.subs[customerID] = set
	}
	set[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(set, ch)
		if len(n.subs[customerID]) == 0 {
			delete(n.subs, customerID)
		}
		n.mu.Unlock()
	}
}

// subscribeAgents is subscribe for an agents' poll: it receives after every
// WakeCustomer and WakeAgents.
func (n *notifier) subscribeAgents() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	n.agents[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.agents, ch)
		n.mu.Unlock()
	}
}

// WakeCustomer wakes customerID's polls and the agents': whatever a
// customer's poll learns, the inbox shows too.
func (n *notifier) WakeCustomer(customerID string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	wake(n.subs[customerID])
	wake(n.agents)
}

// WakeAgents wakes only the agents' polls, for a change no customer sees.
func (n *notifier) WakeAgents() {
	n.mu.Lock()
	defer n.mu.Unlock()
	wake(n.agents)
}

// WakeAll wakes every poll, when wake-ups from other instances may have been
// lost.
func (n *notifier) WakeAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, set := range n.subs {
		wake(set)
	}
	wake(n.agents)
}

func wake(set map[chan struct{}]struct{}) {
	for ch := range set {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

func (n *notifier) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := len(n.agents)
	for _, set := range n.subs {
		c += len(set)
	}
	return c
}
