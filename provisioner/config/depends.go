package config

import (
	"fmt"
	"sort"
	"strings"
)

// checkDependencies reports depends_on entries that name no service of t
// and dependency cycles.
func (s *scope) checkDependencies(t *template) {
	for _, svc := range t.services {
		for _, dep := range svc.dependsOn {
			if t.serviceIndex[dep.name] != nil {
				continue
			}
			detail := fmt.Sprintf("Service %q depends on %q, but template %q has no service of that name.", svc.name, dep.name, t.name)
			if hint := didYouMean(dep.name, t.serviceNames()); hint != "" {
				detail += hint
			} else {
				detail += fmt.Sprintf(" Its services are %s.", quotedList(t.serviceNames()))
			}
			s.errorf(dep.r, fmt.Sprintf("Unknown service %q", dep.name), "%s", detail)
		}
	}
	for _, cycle := range findCycles(t) {
		first, next := cycle[0], cycle[0]
		if len(cycle) > 1 {
			next = cycle[1]
		}
		r := first.nameRange
		for _, dep := range first.dependsOn {
			if dep.name == next.name {
				r = dep.r
			}
		}
		path := make([]string, 0, len(cycle)+1)
		for _, svc := range cycle {
			path = append(path, svc.name)
		}
		path = append(path, first.name)
		detail := fmt.Sprintf("Services of template %q depend on each other in a loop, so none of them can start first: %s. Remove one of these depends_on entries.", t.name, strings.Join(path, " → "))
		if len(cycle) == 1 {
			detail = fmt.Sprintf("Service %q depends on itself: %s. Remove %q from its depends_on.", first.name, strings.Join(path, " → "), first.name)
		}
		s.errorf(r, "Dependency cycle", "%s", detail)
	}
}

// findCycles returns each distinct dependency cycle of t once, rotated to
// start at its alphabetically first service.
func findCycles(t *template) [][]*service {
	const (
		unvisited = iota
		onStack
		done
	)
	state := map[*service]int{}
	var stack []*service
	var cycles [][]*service
	seen := map[string]bool{}
	var visit func(svc *service)
	visit = func(svc *service) {
		state[svc] = onStack
		stack = append(stack, svc)
		for _, dep := range svc.dependsOn {
			next := t.serviceIndex[dep.name]
			if next == nil {
				continue
			}
			switch state[next] {
			case unvisited:
				visit(next)
			case onStack:
				i := len(stack) - 1
				for stack[i] != next {
					i--
				}
				cycle := rotateToFirst(stack[i:])
				key := ""
				for _, c := range cycle {
					key += c.name + "\x00"
				}
				if !seen[key] {
					seen[key] = true
					cycles = append(cycles, cycle)
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[svc] = done
	}
	for _, svc := range sortedByName(t.services) {
		if state[svc] == unvisited {
			visit(svc)
		}
	}
	return cycles
}

// rotateToFirst returns a copy of cycle starting at its smallest name.
func rotateToFirst(cycle []*service) []*service {
	first := 0
	for i, svc := range cycle {
		if svc.name < cycle[first].name {
			first = i
		}
	}
	return append(append([]*service{}, cycle[first:]...), cycle[:first]...)
}

// sortedByName returns a copy of services sorted by name.
func sortedByName(services []*service) []*service {
	out := append([]*service{}, services...)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// dependencyOrder orders services so that each comes after the services
// it depends on, choosing the alphabetically first ready service at each
// step so the order is deterministic. Services caught in a cycle (already
// reported) come last, by name.
func dependencyOrder(services []*service) []*service {
	sorted := sortedByName(services)
	known := map[string]bool{}
	for _, svc := range sorted {
		known[svc.name] = true
	}
	placed := map[string]bool{}
	order := make([]*service, 0, len(sorted))
	for len(order) < len(sorted) {
		progressed := false
		for _, svc := range sorted {
			if placed[svc.name] || !depsPlaced(svc, placed, known) {
				continue
			}
			order = append(order, svc)
			placed[svc.name] = true
			progressed = true
			break
		}
		if !progressed {
			for _, svc := range sorted {
				if !placed[svc.name] {
					order = append(order, svc)
				}
			}
			break
		}
	}
	return order
}

// depsPlaced reports whether every known dependency of svc is placed.
func depsPlaced(svc *service, placed, known map[string]bool) bool {
	for _, dep := range svc.dependsOn {
		if known[dep.name] && !placed[dep.name] {
			return false
		}
	}
	return true
}
