/**
 * The Grafana dashboard: shipped in a ConfigMap with the label Grafana's sidecar looks for,
 * switchable, and every PromQL expression in it parses (Prometheus's own Lezer grammar,
 * @prometheus-io/lezer-promql, the one Prometheus's UI uses) and names only metrics Clair,
 * claircore, the ClamAV exporter or kube-state-metrics export.
 */
import { strict as assert } from "assert";
import { runProgram } from "../tools/mock-run";
import { K8S, object, ofType, stackRun } from "./helpers";
import { metricNames, syntaxErrors } from "./promql";

/** The metrics each source exports (Clair v4.8 httptransport and notifier, claircore's indexer and pgxpool collector, the exporter, kube-state-metrics). */
const KNOWN_METRICS = new Set([
    ...["indexerv1", "matcherv1", "notificationv1"].flatMap((api) => [`clair_http_${api}_request_total`, `clair_http_${api}_request_duration_seconds_bucket`]),
    "clair_http_concurrencylimited_total",
    "clair_notifier_setdelivered_total",
    "clair_notifier_setdeliveryfailed_total",
    "claircore_indexer_scanned_manifests",
    "pgxpool_acquired_conns",
    "pgxpool_max_conns",
    "pgxpool_empty_acquire",
    "clamav_db_timestamp_seconds",
    "clamav_up",
    "clamav_pool_queue_length",
    "kube_deployment_spec_replicas",
    "kube_deployment_status_replicas_ready",
    "kube_statefulset_replicas",
    "kube_statefulset_status_replicas_ready",
]);

describe("Grafana dashboard", () => {
    async function dashboard(stack = "prod") {
        const configMap = object(await stackRun(stack), K8S.configMap, "scanning-platform-dashboard");
        return { configMap, json: JSON.parse(configMap.data["scanning-platform.json"]) };
    }

    it("ships in a ConfigMap in the platform's namespace, labelled for Grafana's dashboard sidecar (grafana_dashboard: \"1\")", async () => {
        const { configMap } = await dashboard();
        assert.equal(configMap.metadata.namespace, "clair-production");
        assert.equal(configMap.metadata.labels.grafana_dashboard, "1");
    });

    it("shows request rates, latency, errors, pool usage, indexed manifests, notifier deliveries and ClamAV's signature age", async () => {
        const { json } = await dashboard();
        const exprs = json.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join("\n");
        for (const metric of [
            "clair_http_indexerv1_request_total",
            "clair_http_matcherv1_request_duration_seconds_bucket",
            "pgxpool_acquired_conns",
            "claircore_indexer_scanned_manifests",
            "clair_notifier_setdelivered_total",
            "clamav_db_timestamp_seconds",
        ]) {
            assert.ok(exprs.includes(metric), metric);
        }
        assert.match(exprs, /code=~"5\.\."/);
        assert.match(exprs, /histogram_quantile\(0\.95,/);
    });

    it("every PromQL expression parses, selects the chosen namespace and names only exported metrics", async () => {
        const { json } = await dashboard();
        const targets = json.panels.flatMap((p: any) => p.targets.map((t: any) => ({ panel: p.title, expr: t.expr as string })));
        assert.ok(targets.length >= 12, `${targets.length} expressions`);
        for (const { panel, expr } of targets) {
            assert.deepEqual(syntaxErrors(expr), [], `${panel}: ${expr}`);
            const names = metricNames(expr);
            assert.ok(names.length > 0, `${panel}: selects a metric`);
            for (const name of names) assert.ok(KNOWN_METRICS.has(name), `${panel}: ${name} is not a metric any source exports`);
            const selectors = expr.match(/[a-z_]+\{[^}]*\}/g) ?? [];
            assert.equal(selectors.length, names.length, `${panel}: every selector has a label matcher`);
            for (const s of selectors) assert.ok(s.includes('namespace="$namespace"'), `${panel}: ${s} selects the namespace`);
        }
        const variable = json.templating.list.find((v: any) => v.name === "namespace");
        assert.deepEqual(syntaxErrors(variable.query.query.replace(/^label_values\((.*), namespace\)$/, "$1")), []);
    });

    it("every panel has a title, a description and a unit, and each query a refId of its own and a legend; the variables the queries use are defined", async () => {
        const { json } = await dashboard();
        assert.ok(json.panels.length >= 10, `${json.panels.length} panels`);
        const titles = json.panels.map((p: any) => p.title);
        assert.equal(new Set(titles).size, titles.length, "titles are unique");
        for (const p of json.panels) {
            assert.ok(p.title && p.description && p.fieldConfig.defaults.unit, `${p.title}: title, description, unit`);
            const refIds = p.targets.map((t: any) => t.refId);
            // Grafana tells a panel's queries apart by refId.
            assert.equal(new Set(refIds).size, refIds.length, `${p.title}: refIds ${refIds.join(", ")}`);
            for (const t of p.targets) assert.ok(/^[A-Z]$/.test(t.refId) && t.legendFormat, `${p.title}: refId ${t.refId}, legend ${t.legendFormat}`);
            assert.equal(p.datasource.uid, "${datasource}", `${p.title}: the dashboard's datasource variable`);
        }
        assert.deepEqual(json.templating.list.map((v: any) => v.name).sort(), ["datasource", "namespace"]);
    });

    it("shows every metric the platform's sources export", async () => {
        const { json } = await dashboard();
        const used = new Set(json.panels.flatMap((p: any) => p.targets.flatMap((t: any) => metricNames(t.expr))));
        assert.deepEqual(
            [...KNOWN_METRICS].filter((m) => !used.has(m)),
            [],
        );
    });

    it("the parser finds errors (the check can fail)", () => {
        assert.notDeepEqual(syntaxErrors('sum by (namespace (rate(x{namespace="a"}[5m]))'), []);
        assert.notDeepEqual(syntaxErrors("rate(x[5m]"), []);
    });

    it("lays the panels out without overlap, two a row", async () => {
        const { json } = await dashboard();
        const cells = json.panels.map((p: any) => `${p.gridPos.x},${p.gridPos.y}`);
        assert.equal(new Set(cells).size, cells.length);
        assert.deepEqual(new Set(json.panels.map((p: any) => p.id)).size, json.panels.length, "unique panel ids");
    });

    it("is left out with monitoring.dashboard false, and takes the configured sidecar labels", async () => {
        const off = await runProgram("prod", { sets: { "monitoring.dashboard": "false" } });
        assert.equal(ofType(off, K8S.configMap).filter((r: any) => r.inputs.metadata.name === "scanning-platform-dashboard").length, 0);
        const other = await runProgram("prod", { sets: { "monitoring.dashboardLabels": '{"grafana.io/dashboard":"platform"}' } });
        const labels = object(other, K8S.configMap, "scanning-platform-dashboard").metadata.labels;
        assert.equal(labels["grafana.io/dashboard"], "platform");
        assert.equal(labels.grafana_dashboard, undefined);
    });
});
