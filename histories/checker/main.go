// Command checker reads a history that histories/ recorded and judges, key by key, whether the operations on
// its linearizable keys are linearizable as a register with compare-and-set, with porcupine. It prints one
// JSON verdict; given a second path, it writes porcupine's visualization of the history there.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

// operation is one recorded operation, as histories/src/history.ts writes it.
type operation struct {
	Client     int     `json:"client"`
	Key        string  `json:"key"`
	Op         string  `json:"op"`
	Value      string  `json:"value"`
	Expected   string  `json:"expected"`
	InvokeUs   int64   `json:"invokeUs"`
	CompleteUs int64   `json:"completeUs"`
	Outcome    string  `json:"outcome"`
	Read       *string `json:"read"`
	Present    *bool   `json:"present"`
}

type history struct {
	LinearizableKeys []string    `json:"linearizableKeys"`
	Operations       []operation `json:"operations"`
}

// input is what a client asked; output what it saw.
type input struct {
	op       string
	key      string
	value    string
	expected string
}

type output struct {
	outcome string
	read    *string
	present bool
}

// register is a key's state: absent, or a value.
type register struct {
	present bool
	value   string
}

func holds(state register, expected string) bool { return state.present && state.value == expected }

// step applies one operation to the register; an operation whose outcome is unknown may have taken effect, and
// is linearized (if at all) somewhere after its invocation: porcupine gets it with an endless return time.
func step(s, i, o interface{}) (bool, interface{}) {
	state, in, out := s.(register), i.(input), o.(output)
	written := register{present: true, value: in.value}
	absent := register{}
	switch in.op {
	case "get":
		if out.read == nil {
			return !state.present, state
		}
		return state.present && state.value == *out.read, state
	case "patch":
		return out.present == state.present, state
	case "post":
		return true, written
	case "delete":
		return true, absent
	case "put":
		switch out.outcome {
		case "ok":
			return !state.present, written
		case "refused":
			return state.present, state
		}
		if state.present {
			return true, state
		}
		return true, written
	case "cas", "cad":
		next := written
		if in.op == "cad" {
			next = absent
		}
		switch out.outcome {
		case "ok":
			return holds(state, in.expected), next
		case "refused":
			return !holds(state, in.expected), state
		}
		if holds(state, in.expected) {
			return true, next
		}
		return true, state
	}
	return false, state
}

func describe(i, o interface{}) string {
	in, out := i.(input), o.(output)
	switch {
	case out.outcome != "ok":
		return fmt.Sprintf("%s(%s %s) %s", in.op, in.expected, in.value, out.outcome)
	case in.op == "get" && out.read == nil:
		return "get() absent"
	case in.op == "get":
		return "get() " + *out.read
	case in.op == "patch":
		return fmt.Sprintf("patch() present=%v", out.present)
	}
	return fmt.Sprintf("%s(%s %s) ok", in.op, in.expected, in.value)
}

var model = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, operation := range history {
			key := operation.Input.(input).key
			if _, seen := byKey[key]; !seen {
				keys = append(keys, key)
			}
			byKey[key] = append(byKey[key], operation)
		}
		partitions := make([][]porcupine.Operation, 0, len(keys))
		for _, key := range keys {
			partitions = append(partitions, byKey[key])
		}
		return partitions
	},
	Init:              func() interface{} { return register{} },
	Step:              step,
	Equal:             func(a, b interface{}) bool { return a.(register) == b.(register) },
	DescribeOperation: describe,
	DescribeState: func(s interface{}) string {
		if state := s.(register); state.present {
			return state.value
		}
		return "absent"
	},
}

// operations turns the recorded operations on the linearizable keys into porcupine's: operations never sent are
// dropped, and so are reads whose answer never came (they constrain nothing).
func operations(h history) []porcupine.Operation {
	checked := map[string]bool{}
	for _, key := range h.LinearizableKeys {
		checked[key] = true
	}
	var result []porcupine.Operation
	for _, recorded := range h.Operations {
		if !checked[recorded.Key] || recorded.Outcome == "failed" {
			continue
		}
		read := recorded.Op == "get" || recorded.Op == "patch"
		if recorded.Outcome == "unknown" && read {
			continue
		}
		out := output{outcome: recorded.Outcome, read: recorded.Read}
		if recorded.Present != nil {
			out.present = *recorded.Present
		}
		returned := recorded.CompleteUs
		if recorded.Outcome == "unknown" {
			returned = math.MaxInt64
		}
		result = append(result, porcupine.Operation{
			ClientId: recorded.Client,
			Input:    input{op: recorded.Op, key: recorded.Key, value: recorded.Value, expected: recorded.Expected},
			Call:     recorded.InvokeUs,
			Output:   out,
			Return:   returned,
		})
	}
	return result
}

type verdict struct {
	Result     porcupine.CheckResult `json:"result"`
	Operations int                   `json:"operations"`
	Keys       int                   `json:"keys"`
}

func main() {
	timeout := flag.Duration("timeout", 5*time.Minute, "how long porcupine may search before it answers Unknown")
	flag.Parse()
	if flag.NArg() < 1 || flag.NArg() > 2 {
		fmt.Fprintln(os.Stderr, "usage: checker [-timeout D] HISTORY.json [VISUALIZATION.html]")
		os.Exit(2)
	}
	text, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var h history
	if err := json.Unmarshal(text, &h); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ops := operations(h)
	result, info := porcupine.CheckOperationsVerbose(model, ops, *timeout)
	if result != porcupine.Ok && flag.NArg() == 2 {
		if err := porcupine.VisualizePath(model, info, flag.Arg(1)); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(verdict{Result: result, Operations: len(ops), Keys: len(h.LinearizableKeys)}); err != nil {
		os.Exit(2)
	}
}
