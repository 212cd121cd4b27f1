/** Monitoring's part of the stack config: Prometheus Operator objects and the Grafana dashboard. */
import { z } from "zod";
import { dnsSubdomainProblem } from "../lib/kubernetes-names";
import { bool, dnsLabel, url } from "./primitives";

/** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
function labelKeyProblem(key: string): boolean {
    const parts = key.split("/");
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    // A '/' needs a prefix before it: Kubernetes refuses "/team" (an empty prefix).
    return (
        parts.length > 2 || (prefix !== undefined && dnsSubdomainProblem(prefix) !== undefined) || !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(name)
    );
}
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Labels to match or to set: key: value pairs as Kubernetes allows them. */
const labelSet = z
    .record(z.string(), z.string({ error: "must be text (quote numbers and booleans)" }), { error: "must be a block of label: value pairs" })
    .superRefine((record, ctx) => {
        for (const [key, value] of Object.entries(record)) {
            if (labelKeyProblem(key)) {
                ctx.addIssue({
                    code: "custom",
                    path: [key],
                    input: key,
                    message: "is not a label key: an optional prefix such as app.kubernetes.io/ and a name of letters, digits, '-', '_' and '.' (at most 63)",
                });
            } else if (!LABEL_VALUE.test(value)) {
                ctx.addIssue({
                    code: "custom",
                    path: [key],
                    input: value,
                    message: "is not a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
                });
            }
        }
    });

/**
 * Where docs/operations.md, with the runbooks, is served (your copy's address on your Git host): each
 * alert's runbook_url is this with #<alert name in lower case>. Checked with the URL parser:
 * https (it is opened from a notification), no credentials (every notification would show
 * them), no fragment (the program sets it per alert).
 */
const runbookBaseUrl = url(["https"], "https://github.com/<org>/<repo>/blob/main/docs/operations.md").superRefine((value, ctx) => {
    if (!URL.canParse(value)) return; // url() has said why.
    const parsed = new URL(value);
    if (parsed.username || parsed.password) {
        ctx.addIssue({
            code: "custom",
            input: value,
            message: "holds credentials (user:password@), which every alert notification would show; give an address readers reach without them",
        });
    }
    if (parsed.hash) {
        ctx.addIssue({
            code: "custom",
            input: value,
            message: `has a fragment (${parsed.hash}): the program appends #<alert> to it for each alert; give docs/operations.md's address without it`,
        });
    }
});

export const monitoringSchema = z
    .strictObject({
        /** PodMonitors for Clair's introspection port and ClamAV's exporter sidecar (the sidecar too). */
        podMonitors: bool
            .default(true)
            .describe(
                "PodMonitors for Clair's introspection port (8089) and ClamAV's exporter sidecar (which comes with " +
                    "it); `false` on clusters without the Prometheus Operator ([Monitoring](operations.md#monitoring))",
            ),
        /** PrometheusRules with the alerts (docs/operations.md: Runbooks). */
        rules: bool.default(true).describe("PrometheusRules with the alerts ([Runbooks](operations.md#runbooks))"),
        /** The Grafana dashboard, in a ConfigMap the Grafana sidecar picks up. */
        dashboard: bool.default(true).describe("the Grafana dashboard in a ConfigMap"),
        /** Labels the Grafana sidecar looks for on dashboard ConfigMaps (the Grafana chart's default). */
        dashboardLabels: labelSet.default({ grafana_dashboard: "1" }).describe("labels the Grafana sidecar looks for on dashboard ConfigMaps"),
        /** Who scrapes: the NetworkPolicies admit pods with these labels in this namespace to the metrics ports. */
        scraper: z
            .strictObject({
                namespace: dnsLabel()
                    .default("openshift-user-workload-monitoring")
                    .describe("where the scraping Prometheus runs: the NetworkPolicies admit it to 8089 and 9906"),
                podLabels: labelSet.default({ "app.kubernetes.io/name": "prometheus" }).describe("labels of the scraping Prometheus's pods"),
            })
            .prefault({}),
        /** ClamavDatabaseOld fires when the loaded signatures were built longer ago than this. */
        clamavDatabaseMaxAgeHours: z
            .int({ error: "must be a whole number of hours" })
            .min(1, { error: "must be 1 or more (hours)" })
            .max(720, { error: "must be at most 720 (hours, 30 days)" })
            .default(24)
            .describe("`ClamavDatabaseOld` fires past this signature age (1 to 720)"),
        /** Required with rules: the alerts' runbook links (docs/operations.md: Runbooks). No default: the program cannot know where your copy lives, and a guessed address would be a dead link in every page. */
        runbookBaseUrl: runbookBaseUrl.optional().meta({
            description:
                "the address of docs/operations.md on your Git host, such as " +
                "`https://github.com/<org>/<repo>/blob/main/docs/operations.md`: every alert's `runbook_url` annotation is it " +
                "plus `#<alert name in lower case>` ([Runbooks](operations.md#runbooks)), an absolute link that works " +
                "from a page or a chat message. An https URL (checked with the URL parser) without credentials or " +
                "`#fragment`; a query such as `?plain=1` is kept. No default, because the program cannot know where " +
                "your copy lives and a guessed address would be a dead link in every alert; the committed stacks " +
                "carry an example address (`git.example.com`), listed in `placeholders` on stage and prod, to replace " +
                "with your copy's",
            defaultText: "(none; required while `monitoring.rules` is `true`)",
        }),
    })
    .prefault({})
    .superRefine((m, ctx) => {
        if (m.rules && m.runbookBaseUrl === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["runbookBaseUrl"],
                input: undefined,
                message:
                    "is required while monitoring.rules is true: every alert links to its runbook at this address plus #<alert> (the Runbooks section of docs/operations.md), " +
                    "so set it to where your copy of docs/operations.md is served, such as https://github.com/<org>/<repo>/blob/main/docs/operations.md, or turn the alerts off with monitoring.rules: false",
            });
        }
    });
