// Command clair-config-check loads a Clair config file the way Clair v4.8 does and
// validates it for the indexer, matcher and notifier modes with Clair's own config
// package (github.com/quay/clair/config, the version Clair v4.8.0's go.mod requires).
//
//	clair-config-check path/to/config.yaml
//	clair-config-check --keys   # the keys Clair's decoder accepts, as a JSON tree
//
// Loading mirrors Clair v4.8.0 cmd.LoadConfig for a single file (our deployment mounts
// no "<file>.d" drop-in directory): the extension must be ".yaml" or ".json"; YAML is
// parsed with gopkg.in/yaml.v3 into a generic value, re-encoded as JSON, and decoded
// into config.Config by encoding/json with DisallowUnknownFields, so an unknown or
// misspelled key fails exactly as `clair -conf` would. Each mode then gets a fresh
// decode (Validate fills in defaults) and runs config.Validate, as cmd/clair does,
// plus config.Lint for the lints Validate does not reach (keeping only those about
// this mode's section or shared sections).
//
// One extra check follows Clair's runtime rather than its validator: in the matcher and
// notifier modes Clair v4.8 builds its HTTP clients with url.Parse(addr) and resolves
// absolute API paths against it (httptransport/client), and its PSK signer keys on
// url.Host (internal/httputil). config.Validate accepts any string url.Parse accepts,
// including a bare "clair-indexer", which parses to a path with no scheme or host and
// fails on the first request. So those addresses must be absolute http(s) URLs here.
//
// Output: one JSON document {"file", "ok", "modes": {mode: {"ok","errors","warnings","effective"}}}.
// "updater_sets" (matcher mode) is updaters.sets after Validate: null runs every set, [] none.
// "effective" holds the settings of the mode's own section as Clair runs with them after
// Validate, which replaces some values without an error (matcher.update_retention 0 and 1
// become 10, indexer.scanlock_retry 0 becomes 1, index_report_request_concurrency 0 is sized
// from the cores), so a test can see what the file really does.
// Exit status 0 when every mode is ok, 1 when any is not, 2 on usage errors.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/quay/clair/config"
	"gopkg.in/yaml.v3"
)

type modeResult struct {
	OK        bool           `json:"ok"`
	Errors    []string       `json:"errors"`
	Warnings  []string       `json:"warnings"`
	Effective map[string]int `json:"effective"`
	// UpdaterSets is updaters.sets as the matcher runs it after Validate: null for every
	// set Clair has, [] for none (matcher.disable_updaters empties it). Matcher mode only.
	UpdaterSets *[]string `json:"updater_sets,omitempty"`
}

type result struct {
	File  string                 `json:"file"`
	OK    bool                   `json:"ok"`
	Modes map[string]*modeResult `json:"modes"`
}

var modes = []string{"indexer", "matcher", "notifier"}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--keys" {
		out, _ := json.MarshalIndent(keyTree(reflect.TypeOf(config.Config{})), "", "  ")
		fmt.Println(string(out))
		return
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: clair-config-check CONFIG.yaml | --keys")
		os.Exit(2)
	}
	res := check(os.Args[1])
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(out))
	if !res.OK {
		os.Exit(1)
	}
}

func check(name string) *result {
	res := &result{File: name, OK: true, Modes: map[string]*modeResult{}}
	for _, m := range modes {
		r := checkMode(name, m)
		res.Modes[m] = r
		res.OK = res.OK && r.OK
	}
	return res
}

func checkMode(name, modeName string) *modeResult {
	r := &modeResult{Errors: []string{}, Warnings: []string{}, Effective: map[string]int{}}
	fail := func(format string, args ...any) {
		r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
	}
	var cfg config.Config
	if err := loadConfig(&cfg, name); err != nil {
		fail("%v", err)
		return r
	}
	mode, err := config.ParseMode(modeName)
	if err != nil {
		fail("%v", err)
		return r
	}
	cfg.Mode = mode

	seen := map[string]bool{}
	addWarnings := func(ws []config.Warning, lint bool) {
		for i := range ws {
			msg := ws[i].Error()
			if seen[msg] || (lint && otherSection(msg, modeName)) {
				continue
			}
			seen[msg] = true
			r.Warnings = append(r.Warnings, msg)
			// A warning that says a setting present in the file is ignored now (not "in a
			// future release") means the file does not do what it says: treat as an error.
			if strings.Contains(msg, "will be ignored") && !strings.Contains(msg, "future release") {
				fail("ignored setting: %s", msg)
			}
		}
	}
	ws, err := config.Validate(&cfg)
	addWarnings(ws, false)
	if err != nil {
		fail("validate: %v", err)
		return r
	}
	switch mode {
	case config.IndexerMode:
		r.Effective["indexer.scanlock_retry"] = cfg.Indexer.ScanLockRetry
		r.Effective["indexer.index_report_request_concurrency"] = cfg.Indexer.IndexReportRequestConcurrency
		r.Effective["indexer.layer_scan_concurrency"] = cfg.Indexer.LayerScanConcurrency
	case config.MatcherMode:
		r.Effective["matcher.update_retention"] = cfg.Matcher.UpdateRetention
		sets := cfg.Updaters.Sets
		r.UpdaterSets = &sets
	}
	lws, err := config.Lint(&cfg)
	addWarnings(lws, true)
	if err != nil {
		fail("lint: %v", err)
	}

	urls := map[string]string{}
	switch mode {
	case config.MatcherMode:
		urls["matcher.indexer_addr"] = cfg.Matcher.IndexerAddr
	case config.NotifierMode:
		urls["notifier.indexer_addr"] = cfg.Notifier.IndexerAddr
		urls["notifier.matcher_addr"] = cfg.Notifier.MatcherAddr
		if w := cfg.Notifier.Webhook; w != nil {
			urls["notifier.webhook.target"] = w.Target
			urls["notifier.webhook.callback"] = w.Callback
		}
	}
	keys := make([]string, 0, len(urls))
	for k := range urls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := httpURL(urls[k]); err != nil {
			fail("%s %q: %v", k, urls[k], err)
		}
	}
	r.OK = len(r.Errors) == 0
	return r
}

// otherSection reports whether a warning is about another mode's section. Lint walks the
// whole file regardless of mode, and sections Validate skipped for this mode have no
// defaults filled in (e.g. matcher.period 0 reads as "very aggressive" in indexer mode).
func otherSection(msg, mode string) bool {
	i := strings.LastIndex(msg, " (at $.")
	if i < 0 {
		return false
	}
	section, _, _ := strings.Cut(strings.TrimSuffix(msg[i+len(" (at $."):], ")"), ".")
	for _, m := range modes {
		if section == m && m != mode {
			return true
		}
	}
	return false
}

// httpURL reports whether s is what Clair's HTTP client needs as a base address.
func httpURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("not an absolute http(s) URL (scheme %q): Clair resolves API paths against it and would send requests nowhere", u.Scheme)
	case u.Host == "":
		return fmt.Errorf("URL has no host")
	}
	return nil
}

// loadConfig is Clair v4.8.0's cmd.LoadConfig(cfg, name, true) for a file without drop-ins.
func loadConfig(cfg *config.Config, name string) error {
	name = filepath.Clean(name)
	ext := filepath.Ext(name)
	switch ext {
	case ".yaml", ".json":
	default:
		return fmt.Errorf("unknown config kind %q", ext)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("error reading file %q: %w", name, err)
	}
	switch ext {
	case ".json":
		if len(b) < 2 || b[0] != '{' {
			return fmt.Errorf("malformed file %q: not a JSON object", name)
		}
	case ".yaml":
		var y interface{}
		if err := yaml.Unmarshal(b, &y); err != nil {
			return fmt.Errorf("malformed file %q: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if b, err = json.Marshal(y); err != nil {
			return fmt.Errorf("malformed file %q: %s", name, strings.TrimPrefix(err.Error(), "json: "))
		}
		if b[0] != '{' {
			b = []byte("{}")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("error decoding config %q: %s", name, strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// keyTree is the set of keys Clair's strict decoder accepts, as encoding/json sees config.Config:
// a struct is an object of its JSON field names (embedded structs' fields flattened into it),
// a map is "map" (any key), anything else "value".
func keyTree(t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Map:
		return "map"
	case reflect.Struct:
	default:
		return "value"
	}
	// A type that decodes itself (Duration, Base64, LogLevel) takes a value, not keys.
	if reflect.PointerTo(t).Implements(reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()) {
		return "value"
	}
	tree := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			if sub, ok := keyTree(f.Type).(map[string]any); ok {
				for k, v := range sub {
					tree[k] = v
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		tree[name] = keyTree(f.Type)
	}
	return tree
}
