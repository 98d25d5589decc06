package store

// TEMPORARY: the agent-side stubs' error, until the lead's merge removes it
// with them.

import "errors"

var errTODO = errors.New("store: postgres: not written yet")
