package config

import (
	"errors"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// sensitive is the cty mark secret() puts on its result. Marks propagate
// through functions and string templates, so any value derived from a
// secret carries it.
const sensitive = "sensitive"

// baseFunctions is the function table available in every expression. It
// has no filesystem, network or time functions, so that loading the same
// files always gives the same project.
func baseFunctions() map[string]function.Function {
	return map[string]function.Function{
		"abs":        stdlib.AbsoluteFunc,
		"can":        tryfunc.CanFunc,
		"ceil":       stdlib.CeilFunc,
		"chomp":      stdlib.ChompFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"compact":    stdlib.CompactFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"distinct":   stdlib.DistinctFunc,
		"element":    stdlib.ElementFunc,
		"flatten":    stdlib.FlattenFunc,
		"floor":      stdlib.FloorFunc,
		"format":     stdlib.FormatFunc,
		"formatlist": stdlib.FormatListFunc,
		"join":       stdlib.JoinFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
		"keys":       stdlib.KeysFunc,
		"length":     stdlib.LengthFunc,
		"lookup":     stdlib.LookupFunc,
		"lower":      stdlib.LowerFunc,
		"max":        stdlib.MaxFunc,
		"merge":      stdlib.MergeFunc,
		"min":        stdlib.MinFunc,
		"parseint":   stdlib.ParseIntFunc,
		"regex":      stdlib.RegexFunc,
		"regexall":   stdlib.RegexAllFunc,
		"replace":    stdlib.ReplaceFunc,
		"reverse":    stdlib.ReverseListFunc,
		"slice":      stdlib.SliceFunc,
		"sort":       stdlib.SortFunc,
		"split":      stdlib.SplitFunc,
		"strlen":     stdlib.StrlenFunc,
		"substr":     stdlib.SubstrFunc,
		"title":      stdlib.TitleFunc,
		"tobool":     stdlib.MakeToFunc(cty.Bool),
		"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":      stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":   stdlib.MakeToFunc(cty.String),
		"trim":       stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"try":        tryfunc.TryFunc,
		"upper":      stdlib.UpperFunc,
		"values":     stdlib.ValuesFunc,
		"zipmap":     stdlib.ZipmapFunc,
	}
}

// staticFunctions is the function table outside templates. secret() is
// there only to explain where it may be used.
func staticFunctions() map[string]function.Function {
	funcs := baseFunctions()
	funcs["secret"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "name", Type: cty.String, AllowNull: true}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			return cty.UnknownVal(cty.String), errors.New("secret() can only be used inside templates, in a service's env")
		},
	})
	return funcs
}

// secrets calls the user's SecretFunc at most once per tenant and name, and
// remembers every value it handed out so that Load can make sure none of
// them appears in a diagnostic.
type secrets struct {
	fn     SecretFunc
	cache  map[[2]string]string
	values map[string]struct{}
}

func newSecrets(fn SecretFunc) *secrets {
	return &secrets{fn: fn, cache: map[[2]string]string{}, values: map[string]struct{}{}}
}

// get returns the secret name of tenant.
func (s *secrets) get(tenant, name string) (string, error) {
	key := [2]string{tenant, name}
	if v, ok := s.cache[key]; ok {
		return v, nil
	}
	if s.fn == nil {
		return "", errors.New("no secret source is configured")
	}
	v, err := s.fn(tenant, name)
	if err != nil {
		return "", err
	}
	s.cache[key] = v
	s.values[v] = struct{}{}
	s.values[cty.StringVal(v).AsString()] = struct{}{} // cty normalizes to NFC
	return v, nil
}

// function returns secret(name) bound to tenant. Its result is marked
// sensitive; a lookup failure becomes a diagnostic at the call.
func (s *secrets) function(tenant string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the tenant's secret with the given name, marked sensitive.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if name == "" {
				return cty.UnknownVal(cty.String), errors.New("the secret name must not be empty")
			}
			v, err := s.get(tenant, name)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(v).Mark(sensitive), nil
		},
	})
}
