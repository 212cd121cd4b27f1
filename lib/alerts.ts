/**
 * The alerts, as Prometheus rule groups (pure data: the components wrap them in PrometheusRules,
 * the tests feed them to promtool). Metric names are Clair v4.8's own (httptransport, notifier,
 * claircore's pgxpool collector) and sergeymakinen/clamav_exporter's; pod readiness comes from
 * kube-state-metrics. Every selector names the namespace, so a Prometheus that sees several
 * namespaces alerts on this platform's pods only. Clair has no metric for a failed updater run
 * (4.8.0 and 4.9.0): updater failures show in the matcher's logs only; ClamAV's signature age
 * (clamav_db_timestamp_seconds) stands in for "updates stopped" there.
 */
import { CLAIR_NAMES } from "./clair-pools";

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    /** runbook_url: the name Prometheus mixins use and OpenShift's console links from an alert. */
    annotations: { summary: string; description: string; runbook_url: string };
}

export interface AlertGroup {
    name: string;
    rules: AlertRule[];
}

/**
 * The docs/operations.md section that explains an alert (`### Runbooks`, one `#### <AlertName>` each), as an
 * absolute URL: a notification is read away from the repository, where a relative link leads
 * nowhere. `baseUrl` is where docs/operations.md is served (monitoring.runbookBaseUrl); GitHub's and
 * GitLab's anchor of a heading is its text in lower case.
 */
export function runbookUrl(baseUrl: string, alert: string): string {
    const url = new URL(baseUrl);
    url.hash = alert.toLowerCase();
    return url.href;
}

type Severity = AlertRule["labels"]["severity"];

/** The rule builder of one group, linking each alert to its runbook under `runbookBaseUrl`. */
function ruleBuilder(runbookBaseUrl: string) {
    return (alert: string, expr: string, forDuration: string, severity: Severity, summary: string, description: string): AlertRule => ({
        alert,
        expr,
        for: forDuration,
        labels: { severity },
        annotations: { summary, description, runbook_url: runbookUrl(runbookBaseUrl, alert) },
    });
}

/** Workloads whose ready pods stay below the desired count (kube-state-metrics). */
export function workloadsNotReady(namespace: string, workloads: { deployments?: string[]; statefulSets?: string[] }): string {
    const parts: string[] = [];
    if (workloads.deployments?.length) {
        const sel = `{namespace="${namespace}",deployment=~"${workloads.deployments.join("|")}"}`;
        parts.push(`(kube_deployment_spec_replicas${sel} - kube_deployment_status_replicas_ready${sel}) > 0`);
    }
    if (workloads.statefulSets?.length) {
        const sel = `{namespace="${namespace}",statefulset=~"${workloads.statefulSets.join("|")}"}`;
        parts.push(`(kube_statefulset_replicas${sel} - kube_statefulset_status_replicas_ready${sel}) > 0`);
    }
    return parts.join(" or ");
}

/** Matcher p95 latency above which ClairMatcherSlow fires (seconds). */
export const MATCHER_P95_SECONDS = 30;
/** Share of a pod's pool in use above which ClairDatabasePoolSaturated fires. */
export const POOL_SATURATION = 0.9;

export function clairAlerts(namespace: string, runbookBaseUrl: string): AlertGroup[] {
    const ns = `namespace="${namespace}"`;
    const rule = ruleBuilder(runbookBaseUrl);
    const serverErrors = (alert: string, api: string, who: string) =>
        rule(
            alert,
            `sum by (namespace, handler) (rate(clair_http_${api}_request_total{${ns},code=~"5.."}[5m])) > 0`,
            "10m",
            "warning",
            `Clair's ${who} answers with server errors`,
            `The ${who} API (clair_http_${api}_request_total) has answered with HTTP 5xx for 10 minutes. Its logs name the failing requests; a database outage is the usual cause.`,
        );
    return [
        {
            name: "clair",
            rules: [
                serverErrors("ClairIndexerServerErrors", "indexerv1", "indexer"),
                serverErrors("ClairMatcherServerErrors", "matcherv1", "matcher"),
                serverErrors("ClairNotifierServerErrors", "notificationv1", "notifier"),
                rule(
                    "ClairMatcherSlow",
                    `histogram_quantile(0.95, sum by (namespace, le) (rate(clair_http_matcherv1_request_duration_seconds_bucket{${ns}}[5m]))) > ${MATCHER_P95_SECONDS}`,
                    "15m",
                    "warning",
                    "Clair's matcher is slow",
                    `The 95th percentile of matcher request time has been above ${MATCHER_P95_SECONDS} s for 15 minutes: Quay's vulnerability reports wait.`,
                ),
                rule(
                    "ClairRequestsConcurrencyLimited",
                    `sum by (namespace, endpoint) (increase(clair_http_concurrencylimited_total{${ns}}[10m])) > 0`,
                    "10m",
                    "warning",
                    "Clair turns requests away (HTTP 429)",
                    "Clair's indexer refused index requests over its limit per pod (clair_http_concurrencylimited_total; clair.indexer.indexReportRequestConcurrency) in each 10-minute window for 10 minutes: raise the limit if the pods have CPU and database connections to spare, else add indexer pods or CPU.",
                ),
                rule(
                    "ClairDatabasePoolSaturated",
                    `max by (namespace, pod, application_name) (pgxpool_acquired_conns{${ns}} / pgxpool_max_conns{${ns}}) > ${POOL_SATURATION}`,
                    "10m",
                    "warning",
                    "A Clair pod's database pool is nearly all in use",
                    `More than ${POOL_SATURATION * 100}% of a pod's database connections have been in use for 10 minutes (application_name libindex is the indexer, libvuln the matcher).`,
                ),
                rule(
                    "ClairDatabasePoolEmptyAcquires",
                    `sum by (namespace, pod, application_name) (rate(pgxpool_empty_acquire{${ns}}[5m])) > 0`,
                    "15m",
                    "warning",
                    "Clair waits for database connections",
                    "Requests for a pooled connection found the pool empty and had to wait (pgxpool_empty_acquire) for 15 minutes.",
                ),
                rule(
                    "ClairNotifierDeliveryFailures",
                    `sum by (namespace) (increase(clair_notifier_setdeliveryfailed_total{${ns}}[30m])) > 0`,
                    "5m",
                    "warning",
                    "Clair's notifier cannot deliver notifications",
                    "The notifier marked deliveries to the webhook as failed in the last 30 minutes (clair_notifier_setdeliveryfailed_total): the webhook target is down or refuses them.",
                ),
                rule(
                    "ClairPodsNotReady",
                    workloadsNotReady(namespace, { deployments: [CLAIR_NAMES.matcher, CLAIR_NAMES.notifier], statefulSets: [CLAIR_NAMES.indexer] }),
                    "15m",
                    "warning",
                    "Clair pods are not ready",
                    "A Clair workload has had fewer ready pods than it asks for during 15 minutes.",
                ),
            ],
        },
    ];
}

/** `workloads`: clamd's Deployment and, when there is one, the in-cluster signature mirror's StatefulSet. */
export function clamavAlerts(
    namespace: string,
    databaseMaxAgeHours: number,
    workloads: { deployment: string; mirror?: string },
    runbookBaseUrl: string,
): AlertGroup[] {
    const ns = `namespace="${namespace}"`;
    const rule = ruleBuilder(runbookBaseUrl);
    return [
        {
            name: "clamav",
            rules: [
                rule(
                    "ClamavDown",
                    `clamav_up{${ns}} == 0`,
                    "5m",
                    "critical",
                    "clamd does not answer its exporter",
                    "The exporter beside clamd could not read clamd's STATS for 5 minutes (clamav_up is 0): clamd is down or stuck.",
                ),
                rule(
                    "ClamavDatabaseOld",
                    `time() - clamav_db_timestamp_seconds{${ns}} > ${databaseMaxAgeHours * 3600}`,
                    "30m",
                    "warning",
                    "ClamAV's signatures are old",
                    `The signatures clamd has loaded were built more than ${databaseMaxAgeHours} hours ago (clamav_db_timestamp_seconds): the signature mirror, freshclam or the refresh CronJob is failing.`,
                ),
                rule(
                    "ClamavPodsNotReady",
                    workloadsNotReady(namespace, { deployments: [workloads.deployment], statefulSets: workloads.mirror ? [workloads.mirror] : [] }),
                    "15m",
                    "warning",
                    "ClamAV pods are not ready",
                    "clamd's Deployment (or the signature mirror's StatefulSet) has had fewer ready pods than it asks for during 15 minutes.",
                ),
            ],
        },
    ];
}
