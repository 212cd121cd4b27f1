// Command waitfor-check asks pulumi-kubernetes' own await code whether a Deployment, with the
// status it is given, would end `pulumi up`'s wait for it: metadata.ReadyCondition, the function
// the provider calls to read `pulumi.com/waitFor` (and `pulumi.com/skipAwait`), then Satisfied()
// on the object, as the provider's awaiter does after each watch event.
//
// It is built against the provider's source tree (the upstream archive the toolchain builds the
// provider from): test/real/rollout-wait.test.ts unpacks it and writes this module's go.mod with
// a `replace` directive pointing at it, so there is no go.mod here.
//
// stdin: {"cases":[{"name":"...","object":{...}}]}; stdout: [{"name":"...","ready":bool,"custom":bool,"error":"..."}].
// "custom" is whether the object's annotations replace the provider's built-in await.
package main

import (
	"context"
	"encoding/json"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kjson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/await/condition"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/logging"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/metadata"
)

type request struct {
	Cases []struct {
		Name   string          `json:"name"`
		Object json.RawMessage `json:"object"`
	} `json:"cases"`
}

type result struct {
	Name   string `json:"name"`
	Ready  bool   `json:"ready"`
	Custom bool   `json:"custom"`
	Error  string `json:"error,omitempty"`
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	ctx := context.Background()
	results := make([]result, 0, len(req.Cases))
	for _, c := range req.Cases {
		// The apimachinery decoder, as the provider's clients decode: whole numbers become int64.
		var object map[string]any
		if err := kjson.Unmarshal(c.Object, &object); err != nil {
			fail(err)
		}
		obj := &unstructured.Unstructured{Object: object}
		r := result{Name: c.Name}
		// A fixed, empty event source: Satisfied judges the object as given, no cluster involved.
		ready, custom, err := metadata.ReadyCondition(ctx, condition.Static(make(chan watch.Event)), nil, logging.NewLogger(ctx, nil, ""), obj, obj)
		r.Custom = custom
		if err == nil {
			r.Ready, err = ready.Satisfied()
		}
		if err != nil {
			r.Error = err.Error()
		}
		results = append(results, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fail(err)
	}
}

func fail(err error) {
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(1)
}
