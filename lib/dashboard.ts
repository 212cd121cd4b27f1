/**
 * The Grafana dashboard of the platform, built as an object (Grafana's dashboard JSON model,
 * schemaVersion 39) and serialized by the component that ships it. Every panel queries one
 * namespace, picked by the `namespace` variable; the PromQL uses Clair v4.8's metric names,
 * claircore's pgxpool collector's and sergeymakinen/clamav_exporter's.
 */

export interface DashboardTarget {
    refId: string;
    expr: string;
    legendFormat: string;
}

export interface DashboardPanel {
    id: number;
    type: "timeseries" | "stat";
    title: string;
    description: string;
    datasource: { type: "prometheus"; uid: "${datasource}" };
    gridPos: { x: number; y: number; w: number; h: number };
    fieldConfig: { defaults: { unit: string; min?: number; max?: number }; overrides: [] };
    targets: DashboardTarget[];
}

interface TemplateVariable {
    name: string;
    label: string;
    type: "datasource" | "query";
    query: string | { query: string; refId: string };
    datasource?: { type: "prometheus"; uid: "${datasource}" };
    refresh?: number;
}

export interface Dashboard {
    uid: string;
    title: string;
    tags: string[];
    timezone: "browser";
    schemaVersion: number;
    editable: boolean;
    refresh: string;
    time: { from: string; to: string };
    templating: { list: TemplateVariable[] };
    panels: DashboardPanel[];
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;
const NS = `namespace="$namespace"`;
const APIS = [
    { api: "indexerv1", legend: "indexer" },
    { api: "matcherv1", legend: "matcher" },
    { api: "notificationv1", legend: "notifier" },
];

type PanelSpec = Omit<DashboardPanel, "id" | "datasource" | "gridPos" | "fieldConfig" | "targets" | "type"> & {
    unit: string;
    max?: number;
    targets: [legend: string, expr: string][];
};

const perApi = (expr: (api: string) => string): [string, string][] => APIS.map(({ api, legend }) => [legend, expr(api)]);

const PANELS: PanelSpec[] = [
    {
        title: "Clair requests",
        description: "Requests per second per API.",
        unit: "reqps",
        targets: perApi((api) => `sum(rate(clair_http_${api}_request_total{${NS}}[5m]))`),
    },
    {
        title: "Clair server errors",
        description: "HTTP 5xx answers per second per API (alerts: Clair*ServerErrors).",
        unit: "reqps",
        targets: perApi((api) => `sum(rate(clair_http_${api}_request_total{${NS},code=~"5.."}[5m]))`),
    },
    {
        title: "Clair p95 latency",
        description: "95th percentile of request time per API (alert: ClairMatcherSlow over 30 s).",
        unit: "s",
        targets: perApi((api) => `histogram_quantile(0.95, sum by (le) (rate(clair_http_${api}_request_duration_seconds_bucket{${NS}}[5m])))`),
    },
    {
        title: "Clair requests refused (429)",
        description: "Requests over the concurrency limit, per endpoint (alert: ClairRequestsConcurrencyLimited).",
        unit: "reqps",
        targets: [["{{endpoint}}", `sum by (endpoint) (rate(clair_http_concurrencylimited_total{${NS}}[5m]))`]],
    },
    {
        title: "Database pool in use",
        description:
            "Acquired over maximum connections, per node type's pool (libindex: indexer, libvuln: matcher; the notifier's pool has no metrics). Alert: ClairDatabasePoolSaturated over 90% in a pod.",
        unit: "percentunit",
        max: 1,
        targets: [["{{application_name}}", `sum by (application_name) (pgxpool_acquired_conns{${NS}}) / sum by (application_name) (pgxpool_max_conns{${NS}})`]],
    },
    {
        title: "Database pool empty acquires",
        description: "Acquires that found the pool empty and waited, per second (alert: ClairDatabasePoolEmptyAcquires).",
        unit: "ops",
        targets: [["{{application_name}}", `sum by (application_name) (rate(pgxpool_empty_acquire{${NS}}[5m]))`]],
    },
    {
        title: "Indexed manifests",
        description: "Manifests the indexers checked, per second: scanned_before=true were already indexed.",
        unit: "ops",
        targets: [["scanned before: {{scanned_before}}", `sum by (scanned_before) (rate(claircore_indexer_scanned_manifests{${NS}}[5m]))`]],
    },
    {
        title: "Notifier deliveries",
        description: "Notifications delivered and failed, per second (alert: ClairNotifierDeliveryFailures).",
        unit: "ops",
        targets: [
            ["delivered", `sum(rate(clair_notifier_setdelivered_total{${NS}}[5m]))`],
            ["failed", `sum(rate(clair_notifier_setdeliveryfailed_total{${NS}}[5m]))`],
        ],
    },
    {
        title: "ClamAV signature age",
        description: "Time since the loaded signatures were built, per clamd pod (alert: ClamavDatabaseOld).",
        unit: "s",
        targets: [["{{pod}}", `time() - max by (pod) (clamav_db_timestamp_seconds{${NS}})`]],
    },
    {
        title: "ClamAV up",
        description: "1 when the exporter could read clamd's STATS (alert: ClamavDown).",
        unit: "none",
        max: 1,
        targets: [["{{pod}}", `max by (pod) (clamav_up{${NS}})`]],
    },
    {
        title: "ClamAV queue",
        description: "Scans waiting in clamd's thread pool, per pod.",
        unit: "none",
        targets: [["{{pod}}", `sum by (pod) (clamav_pool_queue_length{${NS}})`]],
    },
    {
        title: "Pods not ready",
        description: "Desired minus ready pods per workload (kube-state-metrics; alerts: ClairPodsNotReady, ClamavPodsNotReady).",
        unit: "none",
        targets: [
            ["{{deployment}}", `kube_deployment_spec_replicas{${NS}} - kube_deployment_status_replicas_ready{${NS}}`],
            ["{{statefulset}}", `kube_statefulset_replicas{${NS}} - kube_statefulset_status_replicas_ready{${NS}}`],
        ],
    },
];

/** Two panels a row, 12 columns by 8 rows each. */
export function platformDashboard(): Dashboard {
    return {
        uid: "scanning-platform",
        title: "Security scanning platform",
        tags: ["clair", "clamav", "scanning-platform"],
        timezone: "browser",
        schemaVersion: 39,
        editable: false,
        refresh: "1m",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [
                { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus" },
                {
                    name: "namespace",
                    label: "Namespace",
                    type: "query",
                    datasource: DATASOURCE,
                    query: { query: "label_values(clair_cmd_version_info, namespace)", refId: "namespace" },
                    refresh: 2,
                },
            ],
        },
        panels: PANELS.map((p, i) => ({
            id: i + 1,
            type: "timeseries",
            title: p.title,
            description: p.description,
            datasource: DATASOURCE,
            gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
            fieldConfig: { defaults: { unit: p.unit, ...(p.max !== undefined ? { min: 0, max: p.max } : {}) }, overrides: [] },
            targets: p.targets.map(([legendFormat, expr], t) => ({ refId: String.fromCharCode(65 + t), expr, legendFormat })),
        })),
    };
}
