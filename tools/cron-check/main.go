// cron-check: whether Kubernetes would accept each CronJob schedule, by the same code the API
// server runs: robfig/cron/v3's standard parser (k8s.io/kubernetes pkg/apis/batch/validation
// validateScheduleFormat calls cron.ParseStandard), and, for a new CronJob, no "TZ" in the
// schedule (the time zone has its own field).
//
// Input: a JSON array of schedules on stdin. Output: a JSON array of {"schedule","ok","error"}.
package main

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/robfig/cron/v3"
)

type result struct {
	Schedule string `json:"schedule"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
}

func main() {
	var schedules []string
	if err := json.NewDecoder(os.Stdin).Decode(&schedules); err != nil {
		os.Stderr.WriteString("cron-check: stdin is not a JSON array of strings: " + err.Error() + "\n")
		os.Exit(2)
	}
	results := make([]result, 0, len(schedules))
	for _, s := range schedules {
		r := result{Schedule: s, OK: true}
		if _, err := cron.ParseStandard(s); err != nil {
			r.OK, r.Error = false, err.Error()
		} else if strings.Contains(s, "TZ") {
			r.OK, r.Error = false, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
		}
		results = append(results, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		os.Exit(2)
	}
}
