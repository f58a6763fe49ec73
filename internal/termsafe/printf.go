package termsafe

import (
	"fmt"
	"io"
	"reflect"
)

// Fprintf is fmt.Fprintf for a line-oriented text layout whose data
// fields are untrusted: every string argument (of any string type, or a
// slice of them) is escaped with Escape, so that a newline, carriage
// return or tab in a name the Hub, a commit or a file chose cannot end
// the line, forge another one or shift a table's columns, while the
// format's own newlines and tabs are kept. Arguments printed with %q are
// left to fmt, which quotes them itself; so are errors and Stringers
// (their text escaped) under %s and %v; other types print as they are.
func Fprintf(w io.Writer, format string, args ...any) (int, error) {
	verbs := verbsOf(format)
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
		if i >= len(verbs) || verbs[i] == 's' || verbs[i] == 'v' {
			out[i] = field(a)
		}
	}
	return fmt.Fprintf(w, format, out...)
}

// Field returns s escaped for one field of a text layout: Escape, which
// also escapes newlines, carriage returns and tabs.
func Field(s string) string { return Escape(s) }

// field escapes a string, a slice of strings, an error or a Stringer;
// anything else is returned as it is.
func field(a any) any {
	switch v := a.(type) {
	case string:
		return Escape(v)
	case []string:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = Escape(s)
		}
		return out
	case error:
		return Escape(v.Error())
	case fmt.Stringer:
		return Escape(v.String())
	case nil:
		return a
	}
	rv := reflect.ValueOf(a)
	switch {
	case rv.Kind() == reflect.String:
		return Escape(rv.String())
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.String:
		out := make([]string, rv.Len())
		for i := range out {
			out[i] = Escape(rv.Index(i).String())
		}
		return out
	}
	return a
}

// verbsOf lists the verb of each argument of format, in order ("%%" takes
// none; a "*" width or precision takes one, recorded as '*'). Explicit
// argument indexes ("%[2]s") are rare in this project's layouts: after
// one, the rest is not tracked, and those arguments are escaped.
func verbsOf(format string) []byte {
	var verbs []byte
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		for i++; i < len(format); i++ {
			c := format[i]
			if c == '*' {
				verbs = append(verbs, '*')
				continue
			}
			if c == '[' {
				return verbs
			}
			if c == '+' || c == '-' || c == '#' || c == ' ' || c == '0' || c == '.' || (c >= '1' && c <= '9') {
				continue
			}
			if c != '%' {
				verbs = append(verbs, c)
			}
			break
		}
	}
	return verbs
}
