package config

import (
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// Dump writes the configuration in keepalived.conf layout with every
// default filled in: one keyword per line, blocks indented by two spaces.
// The output is stable (same model, same text) and is what -d prints.
//
// The layout comes from the model's json tags: a field's keyword is its
// tag name; a field tagged `dump:"label"` is printed after its block's
// keyword instead of inside (vrrp_instance VI_1 {); fields tagged
// omitempty are left out when zero; nil pointers and empty lists are left
// out; a list of scalars is a value block with one entry per line, and a
// list tagged `dump:"inline"` has its entries printed directly in the
// enclosing block.
func Dump(w io.Writer, c *Config) error {
	d := &dumper{w: w}
	d.fields(reflect.ValueOf(c).Elem(), reflect.Value{}, 0)
	return d.err
}

// DumpChanged is Dump without the settings of global_defs (and the other
// process-wide settings) that still have their default values: what the
// configuration changed. Blocks other than global_defs are printed whole.
func DumpChanged(w io.Writer, c *Config) error {
	d := &dumper{w: w}
	def := newConfig()
	d.fields(reflect.ValueOf(c).Elem(), reflect.ValueOf(def).Elem(), 0)
	return d.err
}

// JSON writes the configuration as indented JSON with the same field names.
func JSON(w io.Writer, c *Config) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

type dumper struct {
	w   io.Writer
	err error
}

func (d *dumper) line(depth int, s string) {
	s = strings.TrimRight(s, " ")
	if d.err == nil {
		_, d.err = fmt.Fprintf(d.w, "%s%s\n", strings.Repeat("  ", depth), s)
	}
}

var posType = reflect.TypeOf(syntax.Pos{})
var globalSectionType = reflect.TypeOf(GlobalSection{})

// fields writes the fields of struct v. If def is valid it is a struct of
// the same type holding defaults: fields of GlobalSection equal to their
// default are then skipped.
func (d *dumper) fields(v, def reflect.Value, depth int) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Type == posType || f.Tag.Get("dump") == "label" {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		var dv reflect.Value
		if def.IsValid() {
			dv = def.Field(i)
		}
		if f.Anonymous && name == "" {
			if f.Type != globalSectionType {
				dv = reflect.Value{}
			}
			d.fields(fv, dv, depth)
			continue
		}
		if dv.IsValid() && reflect.DeepEqual(fv.Interface(), dv.Interface()) {
			continue
		}
		if dv.IsValid() && fv.Kind() == reflect.Struct {
			if _, ok := scalar(fv); !ok {
				d.line(depth, name+" {")
				d.fields(fv, dv, depth+1)
				d.line(depth, "}")
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		if f.Tag.Get("dump") == "inline" && fv.Kind() == reflect.Slice {
			d.inline(fv, depth)
			continue
		}
		if strings.Contains(opts, "omitempty") && fv.IsZero() {
			continue
		}
		d.value(name, fv, depth)
	}
}

// value writes one field: a scalar line, a block, or a list of either.
func (d *dumper) value(name string, v reflect.Value, depth int) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		if s, ok := scalar(v); ok {
			d.line(depth, name+" "+s)
			return
		}
		v = v.Elem()
	}
	if s, ok := scalar(v); ok {
		d.line(depth, name+" "+s)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		head := name
		if l := label(v); l != "" {
			head += " " + l
		}
		d.line(depth, head+" {")
		d.fields(v, reflect.Value{}, depth+1)
		d.line(depth, "}")
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return
		}
		if _, ok := scalar(v.Index(0)); ok {
			d.line(depth, name+" {")
			for i := 0; i < v.Len(); i++ {
				s, _ := scalar(v.Index(i))
				d.line(depth+1, s)
			}
			d.line(depth, "}")
			return
		}
		for i := 0; i < v.Len(); i++ {
			d.value(name, v.Index(i), depth)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		d.line(depth, name+" {")
		for _, k := range keys {
			d.value(fmt.Sprint(k), v.MapIndex(k), depth+1)
		}
		d.line(depth, "}")
	}
}

// inline writes a list's entries directly in the enclosing block, one per
// line (the body of a virtual_server_group, for example).
func (d *dumper) inline(v reflect.Value, depth int) {
	for i := 0; i < v.Len(); i++ {
		if s, ok := scalar(v.Index(i)); ok {
			d.line(depth, s)
		}
	}
}

// label returns the value of the struct's field tagged `dump:"label"`.
func label(v reflect.Value) string {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("dump") == "label" {
			s, _ := scalar(v.Field(i))
			return s
		}
	}
	return ""
}

var textMarshaler = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
var stringer = reflect.TypeOf((*fmt.Stringer)(nil)).Elem()

// scalar renders a value that fits on one line.
func scalar(v reflect.Value) (string, bool) {
	if !v.IsValid() {
		return "", false
	}
	if v.Type().Implements(stringer) && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		return v.Interface().(fmt.Stringer).String(), true
	}
	if v.Type().Implements(textMarshaler) && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		return string(b), err == nil
	}
	switch v.Kind() {
	case reflect.String:
		return quote(v.String()), true
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), true
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64), true
	}
	return "", false
}

// quote writes a string bare when keepalived would read it back as one
// word, and double-quoted otherwise.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'{}!#$\\") {
		return s
	}
	return strconv.Quote(s)
}
