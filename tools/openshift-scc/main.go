// Command openshift-scc judges pod templates with OpenShift's own Security Context Constraints
// code (github.com/openshift/apiserver-library-go, pkg/securitycontextconstraints), the way the
// SCC admission plugin does: the SCCs a pod's ServiceAccount may use, sorted by priority and then
// most restrictive first, and the first one under which the whole pod validates (after OpenShift
// assigns the IDs it may assign) admits it.
//
// It is built inside the apiserver-library-go source tree (scripts/openshift-scc.sh copies this
// file there and runs `go build -mod=vendor`), because that module is not served by the proxy.
//
//	openshift-scc check < request.json > verdicts.json
//	openshift-scc webhook ...   (webhook.go: the end-to-end lane's SCC admission)
//
// check reads {sccDir, namespace, pods, roleBindings} and prints, per pod, the SCC that admits it
// with the security context OpenShift would give it, or every usable SCC's refusal.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	securityv1 "github.com/openshift/api/security/v1"
	"github.com/openshift/apiserver-library-go/pkg/securitycontextconstraints/sccmatching"
	sccsort "github.com/openshift/apiserver-library-go/pkg/securitycontextconstraints/util/sort"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kapi "k8s.io/kubernetes/pkg/apis/core"
	kapiv1 "k8s.io/kubernetes/pkg/apis/core/v1"
	"sigs.k8s.io/yaml"
)

// Cluster is what a cluster ships: its SCCs and who may use which (ClusterRoles granting the
// `use` verb on securitycontextconstraints, and their ClusterRoleBindings).
type Cluster struct {
	SCCs         map[string]*securityv1.SecurityContextConstraints
	ClusterRoles map[string]*rbacv1.ClusterRole
	Bindings     []rbacv1.ClusterRoleBinding
}

// PodInput is one pod template: the workload it belongs to and its pod (metadata and spec).
type PodInput struct {
	Name     string                 `json:"name"`
	Template corev1.PodTemplateSpec `json:"template"`
}

// CheckRequest is what `check` reads on stdin.
type CheckRequest struct {
	SCCDir    string           `json:"sccDir"`
	Namespace corev1.Namespace `json:"namespace"`
	Pods      []PodInput       `json:"pods"`
	// The namespace's RoleBindings as the program renders them (grants of SCC ClusterRoles).
	RoleBindings []rbacv1.RoleBinding `json:"roleBindings"`
}

// Refusal is one SCC's verdict against a pod, in OpenShift's own words.
type Refusal struct {
	SCC     string `json:"scc"`
	Message string `json:"message"`
}

// Verdict is what OpenShift would do with one pod.
type Verdict struct {
	Name           string   `json:"name"`
	ServiceAccount string   `json:"serviceAccount"`
	UsableSCCs     []string `json:"usableSCCs"`
	// The SCC that admits the pod; empty when none does.
	AdmittedBy string `json:"admittedBy"`
	// The pod's security contexts after OpenShift's mutation, when admitted.
	PodSecurityContext        *corev1.PodSecurityContext         `json:"podSecurityContext,omitempty"`
	ContainerSecurityContexts map[string]*corev1.SecurityContext `json:"containerSecurityContexts,omitempty"`
	Refusals                  []Refusal                          `json:"refusals"`
}

// libraryVersion names the apiserver-library-go tree the command was built in (-ldflags -X).
var libraryVersion = "unknown"

func main() {
	if len(os.Args) < 2 {
		fail("usage: openshift-scc check < request.json | openshift-scc webhook --scc-dir DIR --cert FILE --key FILE --api URL --api-ca FILE --client-cert FILE --client-key FILE [--addr 127.0.0.1:9443]")
	}
	switch os.Args[1] {
	case "version":
		fmt.Println(libraryVersion)
	case "webhook":
		serveWebhook(os.Args[2:])
	case "check":
		var req CheckRequest
		body, err := io.ReadAll(os.Stdin)
		if err != nil {
			fail("reading stdin: %v", err)
		}
		if err := json.Unmarshal(body, &req); err != nil {
			fail("the request on stdin is not valid JSON: %v", err)
		}
		cluster, err := loadCluster(req.SCCDir)
		if err != nil {
			fail("%v", err)
		}
		verdicts := make([]Verdict, 0, len(req.Pods))
		for _, p := range req.Pods {
			v, err := judge(cluster, &req.Namespace, req.RoleBindings, p.Name, p.Template)
			if err != nil {
				fail("pod %s: %v", p.Name, err)
			}
			verdicts = append(verdicts, v)
		}
		out, _ := json.MarshalIndent(map[string]any{"pods": verdicts}, "", "  ")
		fmt.Println(string(out))
	default:
		fail("unknown mode %q: check, webhook or version", os.Args[1])
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "openshift-scc: "+format+"\n", args...)
	os.Exit(2)
}

// loadCluster reads every YAML file of dir: SCCs, ClusterRoles and ClusterRoleBindings.
func loadCluster(dir string) (*Cluster, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no SCC manifests (*.yaml) in %s", dir)
	}
	c := &Cluster{SCCs: map[string]*securityv1.SecurityContextConstraints{}, ClusterRoles: map[string]*rbacv1.ClusterRole{}}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(raw, &meta); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		switch meta.Kind {
		case "SecurityContextConstraints":
			scc := &securityv1.SecurityContextConstraints{}
			if err := yaml.UnmarshalStrict(raw, scc); err != nil {
				return nil, fmt.Errorf("%s: %v", f, err)
			}
			c.SCCs[scc.Name] = scc
		case "ClusterRole":
			role := &rbacv1.ClusterRole{}
			if err := yaml.Unmarshal(raw, role); err != nil {
				return nil, fmt.Errorf("%s: %v", f, err)
			}
			c.ClusterRoles[role.Name] = role
		case "ClusterRoleBinding":
			b := rbacv1.ClusterRoleBinding{}
			if err := yaml.Unmarshal(raw, &b); err != nil {
				return nil, fmt.Errorf("%s: %v", f, err)
			}
			c.Bindings = append(c.Bindings, b)
		}
	}
	if len(c.SCCs) == 0 {
		return nil, fmt.Errorf("no SecurityContextConstraints in %s", dir)
	}
	return c, nil
}

// sccsOfRole is the SCCs a ClusterRole lets its subjects `use`.
func (c *Cluster) sccsOfRole(name string) []string {
	role, ok := c.ClusterRoles[name]
	if !ok {
		return nil
	}
	var out []string
	for _, rule := range role.Rules {
		if !contains(rule.APIGroups, "security.openshift.io") || !contains(rule.Resources, "securitycontextconstraints") || !(contains(rule.Verbs, "use") || contains(rule.Verbs, "*")) {
			continue
		}
		out = append(out, rule.ResourceNames...)
	}
	return out
}

// subjectMatches says whether a binding subject covers the ServiceAccount sa of namespace ns.
// A ServiceAccount is in the groups system:authenticated, system:serviceaccounts and
// system:serviceaccounts:<namespace>.
func subjectMatches(s rbacv1.Subject, ns, sa string) bool {
	switch s.Kind {
	case "ServiceAccount":
		return s.Name == sa && (s.Namespace == ns || s.Namespace == "")
	case "Group":
		return s.Name == "system:authenticated" || s.Name == "system:serviceaccounts" || s.Name == "system:serviceaccounts:"+ns
	case "User":
		return s.Name == "system:serviceaccount:"+ns+":"+sa
	}
	return false
}

// usableSCCs is what the ServiceAccount may use: the SCCs' own users and groups, the cluster's
// bindings and the namespace's RoleBindings of SCC ClusterRoles, sorted as the admission plugin
// sorts them (sccsort.ByPriority: priority, then most restrictive, then name).
func (c *Cluster) usableSCCs(ns, sa string, roleBindings []rbacv1.RoleBinding) []*securityv1.SecurityContextConstraints {
	names := map[string]bool{}
	for _, scc := range c.SCCs {
		if contains(scc.Users, "system:serviceaccount:"+ns+":"+sa) || contains(scc.Groups, "system:authenticated") || contains(scc.Groups, "system:serviceaccounts") || contains(scc.Groups, "system:serviceaccounts:"+ns) {
			names[scc.Name] = true
		}
	}
	grant := func(roleRef rbacv1.RoleRef, subjects []rbacv1.Subject) {
		if roleRef.Kind != "ClusterRole" {
			return
		}
		for _, s := range subjects {
			if subjectMatches(s, ns, sa) {
				for _, n := range c.sccsOfRole(roleRef.Name) {
					names[n] = true
				}
			}
		}
	}
	for _, b := range c.Bindings {
		grant(b.RoleRef, b.Subjects)
	}
	for _, b := range roleBindings {
		if b.Namespace != "" && b.Namespace != ns {
			continue
		}
		grant(b.RoleRef, b.Subjects)
	}
	var out []*securityv1.SecurityContextConstraints
	for n := range names {
		if scc, ok := c.SCCs[n]; ok {
			out = append(out, scc)
		}
	}
	sort.Sort(sccsort.ByPriority(out))
	return out
}

// judge runs the pod through every usable SCC in order, like computeSecurityContext in
// sccadmission with mutation allowed (a pod being created): the first SCC that validates it wins.
func judge(c *Cluster, ns *corev1.Namespace, roleBindings []rbacv1.RoleBinding, name string, tmpl corev1.PodTemplateSpec) (Verdict, error) {
	sa := tmpl.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	v := Verdict{Name: name, ServiceAccount: sa, Refusals: []Refusal{}}
	internal, err := internalPod(ns.Name, tmpl)
	if err != nil {
		return v, err
	}
	for _, scc := range c.usableSCCs(ns.Name, sa, roleBindings) {
		v.UsableSCCs = append(v.UsableSCCs, scc.Name)
		if v.AdmittedBy != "" {
			continue
		}
		provider, err := sccmatching.CreateProviderFromConstraint(ns, scc)
		if err != nil {
			v.Refusals = append(v.Refusals, Refusal{SCC: scc.Name, Message: err.Error()})
			continue
		}
		pod := internal.DeepCopy()
		if errs := sccmatching.AssignSecurityContext(provider, pod, field.NewPath(scc.Name)); len(errs) > 0 {
			v.Refusals = append(v.Refusals, Refusal{SCC: scc.Name, Message: errs.ToAggregate().Error()})
			continue
		}
		v.AdmittedBy = scc.Name
		mutated := &corev1.Pod{}
		if err := kapiv1.Convert_core_Pod_To_v1_Pod(pod, mutated, nil); err != nil {
			return v, err
		}
		v.PodSecurityContext = mutated.Spec.SecurityContext
		v.ContainerSecurityContexts = map[string]*corev1.SecurityContext{}
		for _, ct := range append(append([]corev1.Container{}, mutated.Spec.InitContainers...), mutated.Spec.Containers...) {
			v.ContainerSecurityContexts[ct.Name] = ct.SecurityContext
		}
	}
	return v, nil
}

// internalPod is the pod the API server would hand to admission: defaulted, in the internal types.
func internalPod(namespace string, tmpl corev1.PodTemplateSpec) (*kapi.Pod, error) {
	external := &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}
	external.Namespace = namespace
	kapiv1.SetObjectDefaults_Pod(external)
	pod := &kapi.Pod{}
	if err := kapiv1.Convert_v1_Pod_To_core_Pod(external, pod, nil); err != nil {
		return nil, fmt.Errorf("converting the pod: %v", err)
	}
	return pod, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
