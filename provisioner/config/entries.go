package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// entry is one key of an object-valued attribute such as vars, labels or
// env, with the ranges to point diagnostics at.
type entry struct {
	key        string
	keyRange   hcl.Range
	valueRange hcl.Range
	// value is as evaluated: it may be null, unknown or marked.
	value cty.Value
}

// entries evaluates an object-valued attribute into its entries. For a
// literal object ({ a = 1 }) each entry has its own ranges and a repeated
// key is an error; any other expression (merge(...), a for expression) is
// evaluated whole and its entries point at the whole expression. ok is
// false when attr is absent, null or wrong.
func (s *scope) entries(attr *hcl.Attribute) ([]entry, bool) {
	if attr == nil {
		return nil, false
	}
	if pairs, diags := hcl.ExprMap(attr.Expr); !diags.HasErrors() {
		return s.literalEntries(pairs)
	}
	v, ok := s.raw(attr)
	if !ok {
		return nil, false
	}
	r := attr.Expr.Range()
	v, marks := v.Unmark()
	switch {
	case len(marks) > 0:
		s.add(errSecretOutsideEnv(r))
		return nil, false
	case !v.IsKnown():
		s.errorf(r, "Unknown value", "The value of %q cannot be determined while loading the configuration.", attr.Name)
		return nil, false
	case v.IsNull():
		return nil, false
	case !v.Type().IsObjectType() && !v.Type().IsMapType():
		s.errorf(r, "Incorrect attribute value type", "Inappropriate value for attribute %q: an object is required, not %s. Write e.g. { name = \"value\" }.", attr.Name, v.Type().FriendlyName())
		return nil, false
	}
	var out []entry
	for it := v.ElementIterator(); it.Next(); {
		k, ev := it.Element()
		out = append(out, entry{key: k.AsString(), keyRange: r, valueRange: r, value: ev})
	}
	return out, true
}

// literalEntries evaluates the pairs of a literal object.
func (s *scope) literalEntries(pairs []hcl.KeyValuePair) ([]entry, bool) {
	seen := nameSet{}
	out := make([]entry, 0, len(pairs))
	ok := true
	for _, pair := range pairs {
		kr := pair.Key.Range()
		kv, diags := pair.Key.Value(s.ctx)
		s.extend(diags)
		if diags.HasErrors() {
			ok = false
			continue
		}
		if kv.ContainsMarked() {
			s.add(errSecretOutsideEnv(kr))
			ok = false
			continue
		}
		if !kv.IsKnown() || kv.IsNull() {
			s.errorf(kr, "Invalid object key", "An object key must be a known string, not null.")
			ok = false
			continue
		}
		ks, err := convert.Convert(kv, cty.String)
		if err != nil {
			s.errorf(kr, "Invalid object key", "An object key must be a string: %s.", err.Error())
			ok = false
			continue
		}
		key := ks.AsString()
		if d := seen.add("key", key, kr); d != nil {
			d.Summary = fmt.Sprintf("Duplicate key %q", key)
			d.Detail = fmt.Sprintf("Each key may appear only once in an object: remove one of them. The previous definition was at %s.", seen[key])
			s.add(d)
			ok = false
			continue
		}
		v, diags := pair.Value.Value(s.ctx)
		s.extend(diags)
		if diags.HasErrors() {
			ok = false
			continue
		}
		out = append(out, entry{key: key, keyRange: kr, valueRange: pair.Value.Range(), value: v})
	}
	return out, ok
}
