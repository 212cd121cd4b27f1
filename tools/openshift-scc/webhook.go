package main

// The end-to-end lane's stand-in for OpenShift's SCC admission: an admission webhook for the local
// control plane built from the same code as `check`.
//
//	POST /mutate    Namespace CREATE: allowed, then annotated with its ranges (uid, groups, MCS) as
//	                OpenShift's namespace controller does right after;
//	                Pod CREATE in an annotated namespace: the first usable SCC that admits the pod
//	                (sccmatching.AssignSecurityContext) assigns its IDs (a JSON patch of its
//	                security contexts and the openshift.io/scc annotation), or the pod is refused
//	                with OpenShift's messages.
//	POST /validate  Workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) in an
//	                annotated namespace: their pod template judged the same way, so a refusal
//	                reaches `pulumi up` at once. OpenShift itself judges only the pods (its
//	                controllers then report FailedCreate); this is the lane's addition.
//
// It reads the namespace and its RoleBindings from the API server with the client certificate it
// is given. The AdmissionReview types are written here from the admission.k8s.io/v1 wire format
// (the vendor tree does not carry k8s.io/api/admission).

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	securityv1 "github.com/openshift/api/security/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

type admissionRequest struct {
	UID       string                `json:"uid"`
	Kind      struct{ Kind string } `json:"kind"`
	Namespace string                `json:"namespace"`
	Name      string                `json:"name"`
	Operation string                `json:"operation"`
	Object    json.RawMessage       `json:"object"`
}

type admissionStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type admissionResponse struct {
	UID       string           `json:"uid"`
	Allowed   bool             `json:"allowed"`
	Status    *admissionStatus `json:"status,omitempty"`
	Patch     []byte           `json:"patch,omitempty"`
	PatchType string           `json:"patchType,omitempty"`
}

type admissionReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Request    *admissionRequest  `json:"request,omitempty"`
	Response   *admissionResponse `json:"response,omitempty"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// apiClient reads what admission needs from the API server.
type apiClient struct {
	server string
	http   *http.Client
}

func (a *apiClient) get(path string, into any) error {
	resp, err := a.http.Get(a.server + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// namespaceRange is the block a new namespace gets: 10000 IDs from 1000000000, chosen by the
// namespace's name (OpenShift hands blocks out in order; any free block behaves the same).
func namespaceRange(name string) (string, string) {
	sum := sha256.Sum256([]byte(name))
	block := 1000000000 + int64(binary.BigEndian.Uint16(sum[:2])%1000)*10000
	mcs := fmt.Sprintf("s0:c%d,c%d", 1+sum[2]%200, 201+sum[3]%200)
	return fmt.Sprintf("%d/10000", block), mcs
}

func serveWebhook(args []string) {
	fs := flag.NewFlagSet("webhook", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:9443", "listen address")
	cert := fs.String("cert", "", "serving certificate (PEM)")
	key := fs.String("key", "", "serving key (PEM)")
	sccDir := fs.String("scc-dir", "", "folder of the default SCC manifests")
	server := fs.String("api", "", "API server URL")
	apiCA := fs.String("api-ca", "", "API server CA (PEM)")
	clientCert := fs.String("client-cert", "", "client certificate for the API server (PEM)")
	clientKey := fs.String("client-key", "", "client key for the API server (PEM)")
	_ = fs.Parse(args)
	cluster, err := loadCluster(*sccDir)
	if err != nil {
		fail("%v", err)
	}
	pair, err := tls.LoadX509KeyPair(*clientCert, *clientKey)
	if err != nil {
		fail("client certificate: %v", err)
	}
	caPEM, err := os.ReadFile(*apiCA)
	if err != nil {
		fail("API CA: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	api := &apiClient{server: strings.TrimRight(*server, "/"), http: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool}}}}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/mutate", review(func(req *admissionRequest) *admissionResponse { return mutate(cluster, api, req) }))
	mux.HandleFunc("/validate", review(func(req *admissionRequest) *admissionResponse { return validate(cluster, api, req) }))
	log.Printf("openshift-scc webhook on %s (%d SCCs)", *addr, len(cluster.SCCs))
	if err := http.ListenAndServeTLS(*addr, *cert, *key, mux); err != nil {
		fail("%v", err)
	}
}

func review(handle func(*admissionRequest) *admissionResponse) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in admissionReview
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Request == nil {
			http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
			return
		}
		resp := handle(in.Request)
		resp.UID = in.Request.UID
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(admissionReview{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview", Response: resp})
	}
}

func allow() *admissionResponse { return &admissionResponse{Allowed: true} }

func deny(code int, message string) *admissionResponse {
	return &admissionResponse{Allowed: false, Status: &admissionStatus{Code: code, Message: message}}
}

// openshiftNamespace is the namespace with its ranges, or nil when it has none (not OpenShift-managed).
func openshiftNamespace(api *apiClient, name string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{}
	if err := api.get("/api/v1/namespaces/"+name, ns); err != nil {
		return nil, err
	}
	if _, ok := ns.Annotations[securityv1.UIDRangeAnnotation]; !ok {
		return nil, nil
	}
	return ns, nil
}

func judgeTemplate(cluster *Cluster, api *apiClient, namespace, name string, tmpl corev1.PodTemplateSpec) (*Verdict, *admissionResponse) {
	ns, err := openshiftNamespace(api, namespace)
	if err != nil {
		return nil, deny(http.StatusInternalServerError, fmt.Sprintf("openshift-scc: reading namespace %s: %v", namespace, err))
	}
	if ns == nil {
		return nil, allow()
	}
	var bindings rbacv1.RoleBindingList
	if err := api.get("/apis/rbac.authorization.k8s.io/v1/namespaces/"+namespace+"/rolebindings", &bindings); err != nil {
		return nil, deny(http.StatusInternalServerError, fmt.Sprintf("openshift-scc: reading RoleBindings of %s: %v", namespace, err))
	}
	v, err := judge(cluster, ns, bindings.Items, name, tmpl)
	if err != nil {
		return nil, deny(http.StatusBadRequest, err.Error())
	}
	if v.AdmittedBy == "" {
		reasons := make([]string, 0, len(v.Refusals))
		for _, r := range v.Refusals {
			reasons = append(reasons, r.Message)
		}
		return &v, deny(http.StatusForbidden, fmt.Sprintf("%s is forbidden: unable to validate against any security context constraint (ServiceAccount %s may use %s): [%s]", name, v.ServiceAccount, strings.Join(v.UsableSCCs, ", "), strings.Join(reasons, ", ")))
	}
	return &v, nil
}

func mutate(cluster *Cluster, api *apiClient, req *admissionRequest) *admissionResponse {
	switch req.Kind.Kind {
	case "Namespace":
		// OpenShift's namespace controller annotates a new namespace after it is stored, as its own
		// field manager (so an apply by Pulumi, which does not name these annotations, keeps them).
		if req.Operation == "CREATE" {
			ns := &corev1.Namespace{}
			if err := json.Unmarshal(req.Object, ns); err != nil {
				return deny(http.StatusBadRequest, err.Error())
			}
			go annotateNamespace(api, ns.Name)
		}
		return allow()
	case "Pod":
		if req.Operation != "CREATE" {
			return allow()
		}
		pod := &corev1.Pod{}
		if err := json.Unmarshal(req.Object, pod); err != nil {
			return deny(http.StatusBadRequest, err.Error())
		}
		name := "pod " + pod.Name + pod.GenerateName
		v, refused := judgeTemplate(cluster, api, req.Namespace, name, corev1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec})
		if refused != nil {
			return refused
		}
		ops := []patchOp{{Op: "add", Path: "/spec/securityContext", Value: v.PodSecurityContext}}
		for i, c := range pod.Spec.InitContainers {
			ops = append(ops, patchOp{Op: "add", Path: fmt.Sprintf("/spec/initContainers/%d/securityContext", i), Value: v.ContainerSecurityContexts[c.Name]})
		}
		for i, c := range pod.Spec.Containers {
			ops = append(ops, patchOp{Op: "add", Path: fmt.Sprintf("/spec/containers/%d/securityContext", i), Value: v.ContainerSecurityContexts[c.Name]})
		}
		if pod.Annotations == nil {
			ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations", Value: map[string]string{}})
		}
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations/openshift.io~1scc", Value: v.AdmittedBy})
		return patched(ops)
	}
	return allow()
}

// annotateNamespace waits for the namespace to be stored, then sets its ranges unless it has them.
func annotateNamespace(api *apiClient, name string) {
	uids, mcs := namespaceRange(name)
	body, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		securityv1.UIDRangeAnnotation: uids, securityv1.SupplementalGroupsAnnotation: uids, securityv1.MCSAnnotation: mcs,
	}}})
	for attempt := 0; attempt < 100; attempt++ {
		ns := &corev1.Namespace{}
		if err := api.get("/api/v1/namespaces/"+name, ns); err == nil {
			if _, set := ns.Annotations[securityv1.UIDRangeAnnotation]; set {
				return
			}
			req, _ := http.NewRequest(http.MethodPatch, api.server+"/api/v1/namespaces/"+name+"?fieldManager=openshift-namespace-controller", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/merge-patch+json")
			if resp, err := api.http.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					log.Printf("namespace %s: uid range %s, mcs %s", name, uids, mcs)
					return
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log.Printf("namespace %s: could not set its ranges", name)
}

func patched(ops []patchOp) *admissionResponse {
	if len(ops) == 0 {
		return allow()
	}
	body, _ := json.Marshal(ops)
	return &admissionResponse{Allowed: true, Patch: body, PatchType: "JSONPatch"}
}

// templateIn decodes a workload of type T and returns its pod template (nil when it does not decode).
func templateIn[T any](raw json.RawMessage, at func(*T) *corev1.PodTemplateSpec) *corev1.PodTemplateSpec {
	var o T
	if json.Unmarshal(raw, &o) != nil {
		return nil
	}
	return at(&o)
}

// workloadTemplates: where each workload kind keeps its pod template.
var workloadTemplates = map[string]func(json.RawMessage) *corev1.PodTemplateSpec{
	"Deployment": func(r json.RawMessage) *corev1.PodTemplateSpec {
		return templateIn(r, func(o *appsv1.Deployment) *corev1.PodTemplateSpec { return &o.Spec.Template })
	},
	"StatefulSet": func(r json.RawMessage) *corev1.PodTemplateSpec {
		return templateIn(r, func(o *appsv1.StatefulSet) *corev1.PodTemplateSpec { return &o.Spec.Template })
	},
	"DaemonSet": func(r json.RawMessage) *corev1.PodTemplateSpec {
		return templateIn(r, func(o *appsv1.DaemonSet) *corev1.PodTemplateSpec { return &o.Spec.Template })
	},
	"ReplicaSet": func(r json.RawMessage) *corev1.PodTemplateSpec {
		return templateIn(r, func(o *appsv1.ReplicaSet) *corev1.PodTemplateSpec { return &o.Spec.Template })
	},
	"Job": func(r json.RawMessage) *corev1.PodTemplateSpec {
		return templateIn(r, func(o *batchv1.Job) *corev1.PodTemplateSpec { return &o.Spec.Template })
	},
	"CronJob": func(r json.RawMessage) *corev1.PodTemplateSpec {
		return templateIn(r, func(o *batchv1.CronJob) *corev1.PodTemplateSpec { return &o.Spec.JobTemplate.Spec.Template })
	},
}

func validate(cluster *Cluster, api *apiClient, req *admissionRequest) *admissionResponse {
	decode, ok := workloadTemplates[req.Kind.Kind]
	if !ok || (req.Operation != "CREATE" && req.Operation != "UPDATE") {
		return allow()
	}
	tmpl := decode(req.Object)
	if tmpl == nil {
		return deny(http.StatusBadRequest, fmt.Sprintf("openshift-scc: cannot read the %s", req.Kind.Kind))
	}
	if _, refused := judgeTemplate(cluster, api, req.Namespace, strings.ToLower(req.Kind.Kind)+" "+req.Name, *tmpl); refused != nil {
		return refused
	}
	return allow()
}
