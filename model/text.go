package model

// shaped reports whether s has between min and max bytes, its first byte
// passes first and every other byte passes rest. Validation is written out
// rather than as regular expressions: counted repetitions such as {0,63}
// make Go compile a regexp into thousands of states, at start-up, in every
// process, and `ztm token` must start fast.
func shaped(s string, min, max int, first, rest func(byte) bool) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 0 && !first(s[i]) || i > 0 && !rest(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isWord(c byte) bool { return isAlnum(c) || c == '_' }
