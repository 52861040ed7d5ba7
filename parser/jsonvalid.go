package parser

// valid is the fast path of scanner.document for a payload without placeholders to
// check: one loop with the open containers in a bit stack, instead of a call per
// value. It returns false for anything it does not accept, including nesting deeper
// than 64 levels, and leaves it to the scanner, which reports the error (or accepts
// the deep document).
func valid(d []byte) bool {
	var stack uint64 // bit per open container: 1 object, 0 array
	depth := 0
	i := skipWS(d, 0)
	s := scanner{data: d}
	for {
		// A value starts at i.
		if i >= len(d) {
			return false
		}
		switch c := d[i]; {
		case c == '"':
			end, err := s.str(i)
			if err != nil {
				return false
			}
			i = end
		case c == '{' || c == '[':
			if depth == 64 {
				return false
			}
			depth++
			stack <<= 1
			i = skipWS(d, i+1)
			if c == '[' {
				if i < len(d) && d[i] == ']' {
					i++
					depth--
					stack >>= 1
					break
				}
				continue // the first element
			}
			stack |= 1
			if i < len(d) && d[i] == '}' {
				i++
				depth--
				stack >>= 1
				break
			}
			if i = key(&s, i); i < 0 {
				return false
			}
			continue // the first member's value
		case c == '-' || isDigit(c):
			end, err := s.number(i)
			if err != nil {
				return false
			}
			i = end
		case c == 't':
			if len(d)-i < 4 || string(d[i:i+4]) != "true" {
				return false
			}
			i += 4
		case c == 'f':
			if len(d)-i < 5 || string(d[i:i+5]) != "false" {
				return false
			}
			i += 5
		case c == 'n':
			if len(d)-i < 4 || string(d[i:i+4]) != "null" {
				return false
			}
			i += 4
		default:
			return false
		}
		// After a value: close containers, or go on to the next element or member.
		for {
			i = skipWS(d, i)
			if depth == 0 {
				return i == len(d)
			}
			if i >= len(d) {
				return false
			}
			c := d[i]
			if stack&1 == 0 && c == ']' || stack&1 == 1 && c == '}' {
				i++
				depth--
				stack >>= 1
				continue
			}
			if c != ',' {
				return false
			}
			i = skipWS(d, i+1)
			if stack&1 == 1 {
				if i = key(&s, i); i < 0 {
					return false
				}
			}
			break
		}
	}
}

// key scans an object key and its ':' from i, and returns the start of the value,
// or -1.
func key(s *scanner, i int) int {
	d := s.data
	if i >= len(d) || d[i] != '"' {
		return -1
	}
	end, err := s.str(i)
	if err != nil {
		return -1
	}
	i = skipWS(d, end)
	if i >= len(d) || d[i] != ':' {
		return -1
	}
	return skipWS(d, i+1)
}
