package parser

import (
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// valid accepts exactly what the scanner accepts (short of its depth limit of 64),
// which is what encoding/json accepts.
func TestValidMatchesScanner(t *testing.T) {
	tokens := []string{`{`, `}`, `[`, `]`, `,`, `:`, ` `, "\n", `"a"`, `"\u00e9\n"`, `"x\"`, `"` + strings.Repeat("y", 40) + `"`,
		`1`, `-0.5e3`, `01`, `-`, `true`, `false`, `null`, `nul`, `"_placeholder"`, "\"\x01\"", `"\q"`}
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		for _, tok := range rapid.SliceOfN(rapid.SampledFrom(tokens), 0, 30).Draw(t, "tokens") {
			b.WriteString(tok)
		}
		d := []byte(b.String())
		s := scanner{data: d}
		_, err := s.document()
		if got := valid(d); got != (err == nil) {
			t.Fatalf("valid(%q) = %v, scanner error %v", d, got, err)
		}
		if json.Valid(d) != (err == nil) {
			t.Fatalf("scanner error %v, json.Valid %v on %q", err, json.Valid(d), d)
		}
	})
	deep := strings.Repeat("[", 65) + strings.Repeat("]", 65)
	if valid([]byte(deep)) {
		t.Fatal("valid accepts 65 levels; the scanner must decide")
	}
	if ok := valid([]byte(strings.Repeat("[", 64) + strings.Repeat("]", 64))); !ok {
		t.Fatal("valid refuses 64 levels")
	}
}
