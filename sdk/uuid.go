package sdk

// newUUID returns a random UUID v4 (RFC 9562) made from the Client's random source:
// the device id, and the ids the device gives its conversations and messages. A
// source that fails is a broken platform: the panic settles the call with INTERNAL.
func (c *Client) newUUID() string {
	var b [16]byte
	if err := c.random(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[x>>4], hex[x&15])
	}
	return string(out)
}

// isUUID tells whether s is a UUID in its 36-character text form, any version, hex
// digits in either case.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}
