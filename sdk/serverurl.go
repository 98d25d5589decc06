package sdk

import "strings"

// The server URL is checked by hand, not with net/url: a url.Parse version of
// normalizeServerURL, which passes the same tests, made the WebAssembly build
// 171 KB larger raw and 26 KB larger brotli (quality 11, as web/tools/sdkbundle
// writes it; measured December 2026), for a check that needs only
// http(s)://host[:port].

// normalizeServerURL accepts http(s)://host[:port] with an optional trailing slash
// and returns it without the slash.
func normalizeServerURL(s string) (string, bool) {
	var scheme string
	switch {
	case hasPrefixFold(s, "https://"):
		scheme = "https://"
	case hasPrefixFold(s, "http://"):
		scheme = "http://"
	default:
		return "", false
	}
	hostport := strings.TrimSuffix(s[len(scheme):], "/")
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") { // IPv6 literal
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", false
		}
		host, port = hostport[:end+1], hostport[end+1:]
		for i := 1; i < end; i++ {
			if !isHexDigit(hostport[i]) && hostport[i] != ':' && hostport[i] != '.' {
				return "", false
			}
		}
		if end < 3 {
			return "", false
		}
	} else {
		if i := strings.IndexByte(hostport, ':'); i >= 0 {
			host, port = hostport[:i], hostport[i:]
		}
		if host == "" || host[0] == '.' || host[0] == '-' {
			return "", false
		}
		for i := 0; i < len(host); i++ {
			b := host[i]
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_') {
				return "", false
			}
		}
	}
	if port != "" {
		digits := port[1:]
		if port[0] != ':' || digits == "" || len(digits) > 5 {
			return "", false
		}
		for i := 0; i < len(digits); i++ {
			if digits[i] < '0' || digits[i] > '9' {
				return "", false
			}
		}
	}
	return scheme + hostport, true
}

// hasPrefixFold reports whether s begins with prefix, an ASCII string, in any ASCII
// case. strings.ToLower(s), which it replaces, linked Unicode's case-mapping tables
// into the WebAssembly build: 10.9 KB raw, 1.7 KB brotli (the mean over 8 builds
// whose line numbers differ, which alone move brotli by up to 2 KB; measured
// December 2026). EqualFold is linked anyway, by fastjson. Equal byte lengths keep
// the comparison ASCII-only: a non-ASCII rune (ſ folds to s) takes two bytes or
// more, so s[:len(prefix)] then has fewer runes than prefix.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isHexDigit(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}
