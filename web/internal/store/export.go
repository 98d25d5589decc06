package store

import "database/sql"

// The parts of a customer export that both stores read alike.

// querier runs a query written for SQLite's placeholders (PostgreSQL's
// rewrites them with pgParams) in the export's snapshot.
type querier func(query string, args ...any) (rows rowSet, closeRows func(), err error)

func listOf[T any](q querier, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, closeRows, err := q(query, args...)
	if err != nil {
		return nil, err
	}
	defer closeRows()
	return scanAll(rows, scan)
}

// exportRest reads all of the export but its Customer, by q.
func exportRest(ex *CustomerExport, q querier, customerID string) error {
	var err error
	if ex.Devices, err = listOf(q, `SELECT tracking_id, created_at, updated_at FROM tracking_identities
		WHERE customer_id IN `+customerAndMerged+` ORDER BY created_at, id`, scanDevice, customerID); err != nil {
		return err
	}
	if ex.Sessions, err = listOf(q, `SELECT created_at, last_used_at, revoked_at FROM sessions
		WHERE customer_id IN `+customerAndMerged+` ORDER BY id`, scanSessionTimes, customerID); err != nil {
		return err
	}
	convs, err := listOf(q, `SELECT `+agentConversationColumns+agentConversationFrom+`
		WHERE c.customer_id = ? ORDER BY c.created_at, c.id`, scanAgentConversation, customerID)
	if err != nil {
		return err
	}
	msgs, err := listOf(q, `SELECT `+messageColumns+` FROM messages WHERE customer_id = ? ORDER BY seq`, scanMessage, customerID)
	if err != nil {
		return err
	}
	ex.Conversations = exportedConversations(convs, msgs)
	return nil
}

// scanDevice reads a tracking identity's tracking_id, created_at, updated_at.
func scanDevice(sc scanner) (Device, error) {
	var d Device
	var created, updated int64
	err := sc.Scan(&d.TrackingID, &created, &updated)
	d.CreatedAt, d.UpdatedAt = fromMillis(created), fromMillis(updated)
	return d, err
}

// scanSessionTimes reads a session's created_at, last_used_at, revoked_at.
func scanSessionTimes(sc scanner) (SessionTimes, error) {
	var st SessionTimes
	var created, used int64
	var revoked sql.NullInt64
	err := sc.Scan(&created, &used, &revoked)
	st.CreatedAt, st.LastUsedAt, st.RevokedAt = fromMillis(created), fromMillis(used), nullMillis(revoked)
	return st, err
}

// exportedConversations gives each conversation its messages, which come in
// seq order.
func exportedConversations(convs []AgentConversation, msgs []Message) []ExportedConversation {
	byConv := map[string][]Message{}
	for _, m := range msgs {
		byConv[m.ConversationID] = append(byConv[m.ConversationID], m)
	}
	out := make([]ExportedConversation, len(convs))
	for i, c := range convs {
		out[i] = ExportedConversation{AgentConversation: c, Messages: byConv[c.ID]}
		if out[i].Messages == nil {
			out[i].Messages = []Message{}
		}
	}
	return out
}
