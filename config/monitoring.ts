/** Monitoring's part of the stack config: Prometheus Operator objects and the Grafana dashboard. */
import { z } from "zod";
import { bool, dnsLabel, dnsSubdomainProblem, url } from "./primitives";

/** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
function labelKeyProblem(key: string): boolean {
    const parts = key.split("/");
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    // A '/' needs a prefix before it: Kubernetes refuses "/team" (an empty prefix).
    return parts.length > 2 || (prefix !== undefined && dnsSubdomainProblem(prefix) !== undefined) || !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(name);
}
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Labels to match or to set: key: value pairs as Kubernetes allows them. */
const labelSet = z
    .record(z.string(), z.string({ error: "must be text (quote numbers and booleans)" }), { error: "must be a block of label: value pairs" })
    .superRefine((record, ctx) => {
        for (const [key, value] of Object.entries(record)) {
            if (labelKeyProblem(key)) {
                ctx.addIssue({ code: "custom", path: [key], input: key, message: "is not a label key: an optional prefix such as app.kubernetes.io/ and a name of letters, digits, '-', '_' and '.' (at most 63)" });
            } else if (!LABEL_VALUE.test(value)) {
                ctx.addIssue({ code: "custom", path: [key], input: value, message: "is not a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit" });
            }
        }
    });

/**
 * Where the README with the runbooks is served (your copy's address on your Git host): each
 * alert's runbook_url is this with #<alert name in lower case>. Checked with the URL parser:
 * https (it is opened from a notification), no credentials (every notification would show
 * them), no fragment (the program sets it per alert).
 */
const runbookBaseUrl = url(["https"], "https://github.com/<org>/<repo>/blob/main/README.md").superRefine((value, ctx) => {
    if (!URL.canParse(value)) return; // url() has said why.
    const parsed = new URL(value);
    if (parsed.username || parsed.password) {
        ctx.addIssue({ code: "custom", input: value, message: "holds credentials (user:password@), which every alert notification would show; give an address readers reach without them" });
    }
    if (parsed.hash) {
        ctx.addIssue({ code: "custom", input: value, message: `has a fragment (${parsed.hash}): the program appends #<alert> to it for each alert; give the README's address without it` });
    }
});

export const monitoringSchema = z
    .strictObject({
        /** PodMonitors for Clair's introspection port and ClamAV's exporter sidecar (the sidecar too). */
        podMonitors: bool.default(true),
        /** PrometheusRules with the alerts (README: Runbooks). */
        rules: bool.default(true),
        /** The Grafana dashboard, in a ConfigMap the Grafana sidecar picks up. */
        dashboard: bool.default(true),
        /** Labels the Grafana sidecar looks for on dashboard ConfigMaps (the Grafana chart's default). */
        dashboardLabels: labelSet.default({ grafana_dashboard: "1" }),
        /** Who scrapes: the NetworkPolicies admit pods with these labels in this namespace to the metrics ports. */
        scraper: z
            .strictObject({
                namespace: dnsLabel().default("openshift-user-workload-monitoring"),
                podLabels: labelSet.default({ "app.kubernetes.io/name": "prometheus" }),
            })
            .prefault({}),
        /** ClamavDatabaseOld fires when the loaded signatures were built longer ago than this. */
        clamavDatabaseMaxAgeHours: z.int({ error: "must be a whole number of hours" }).min(1, { error: "must be 1 or more (hours)" }).max(720, { error: "must be at most 720 (hours, 30 days)" }).default(24),
        /** Required with rules: the alerts' runbook links (README: Runbooks). No default: the program cannot know where your copy lives, and a guessed address would be a dead link in every page. */
        runbookBaseUrl: runbookBaseUrl.optional(),
    })
    .prefault({})
    .superRefine((m, ctx) => {
        if (m.rules && m.runbookBaseUrl === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["runbookBaseUrl"],
                input: undefined,
                message:
                    "is required while monitoring.rules is true: every alert links to its runbook at this address plus #<alert> (this README's Runbooks section), " +
                    "so set it to where your copy of the README is served, such as https://github.com/<org>/<repo>/blob/main/README.md, or turn the alerts off with monitoring.rules: false",
            });
        }
    });
