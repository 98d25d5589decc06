package store

import "database/sql"

// The parts of a customer export that both stores read alike.

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
