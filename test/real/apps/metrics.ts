/**
 * The alerts and the dashboard against what the real processes serve: every metric a
 * PrometheusRule expression or a dashboard query of the prod stack names must be in a scrape of
 * the app it watches (taken by the apps' suites after their traffic), and promtool, fed those
 * scraped series with the labels a PodMonitor adds, must find nothing to fire on a healthy system.
 *
 * kube-state-metrics is not run here: the `kube_*` names are its own (kubernetes/kube-state-metrics
 * docs/metrics/workload), and its series for a healthy cluster are written from the rendered
 * workloads (every desired replica ready).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { runProgram, unwrapSecrets, type MockRun } from "../../../tools/mock-run";
import { skipOutsideCi } from "../../host-tools";
import { metricNames } from "../../promql";
import { providePromtool, PROMTOOL_TIMEOUT_MS } from "../promtool";
import type { App, Scrapes } from "./scrapes";

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
/** Which app each PrometheusRule watches: its rules must name what that app serves. */
const RULE_APP: Record<string, App> = { clair: "clair", clamav: "clamav" };
const KUBE_STATE_METRICS = /^kube_/;
/**
 * Names a real process serves only after an event the apps' suites cannot cause here, each with
 * why. Clair registers its notifier's delivery counters as labelled vectors (notifier/postgres/
 * set_status.go), which appear at the first delivery; no notification is delivered here (see the
 * note on affected manifests in ./clair.ts). Each entry must still be named by a rule or a panel and
 * still be missing from the scrapes: an entry that is served, or no longer used, fails as stale.
 */
export const NOT_OBSERVABLE_HERE: Record<string, string> = {
    clair_notifier_setdelivered_total: "a Clair notifier counter that appears at its first webhook delivery",
    clair_notifier_setdeliveryfailed_total: "a Clair notifier counter that appears at its first failed webhook delivery",
};

interface Use {
    where: string;
    expr: string;
    /** The app whose scrapes must hold the names; undefined: any app. */
    app?: App;
}

/** The names `uses` select that no scrape (of the named app) holds, each with where it is used. */
export function unservedNames(uses: Use[], scrapes: Scrapes): string[] {
    const missing: string[] = [];
    for (const use of uses) {
        const served = scrapes.seriesNames(use.app);
        for (const name of metricNames(use.expr)) {
            if (KUBE_STATE_METRICS.test(name) || served.has(name) || name in NOT_OBSERVABLE_HERE) continue;
            missing.push(`${use.where}: ${name} is served by no ${use.app ?? "app"} process`);
        }
    }
    return missing;
}

/** One scraped sample line: name, label text inside the braces (maybe empty), value. */
function samples(text: string): { name: string; labels: string; value: string }[] {
    const out: { name: string; labels: string; value: string }[] = [];
    for (const line of text.split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
        if (m) out.push({ name: m[1], labels: m[2] ?? "", value: m[3] });
    }
    return out;
}

export function describeMetrics(scrapes: Scrapes): void {
    describe("every metric an alert or a dashboard panel names is served by the real processes; promtool on those series fires nothing", function () {
        this.timeout(120000);
        let run: MockRun;
        let namespace: string;
        let ruleUses: Use[];
        let panelUses: Use[];
        let groups: any[];
        let promtool: string;
        let tmp: string;

        before(async function () {
            this.timeout(PROMTOOL_TIMEOUT_MS);
            // The names are checked against what the apps' suites scraped: a suite skipped outside
            // CI (its tool not installed, its reason printed above) leaves nothing to check against.
            const unscraped = (["clair", "clamav"] as App[]).filter((app) => !scrapes.list.some((s) => s.app === app));
            if (unscraped.length) skipOutsideCi(this, `no scrape of ${unscraped.join(" or ")}: its suite above did not run (see its reason)`);
            run = await runProgram("prod");
            const rules = run.resources.filter((r) => r.type === PROMETHEUS_RULE).map((r) => unwrapSecrets(r.inputs));
            assert.deepEqual(rules.map((r) => r.metadata.name).sort(), Object.keys(RULE_APP).sort(), "the PrometheusRules this suite knows the app of");
            namespace = rules[0].metadata.namespace;
            groups = rules.flatMap((r) => r.spec.groups);
            ruleUses = rules.flatMap((r) =>
                r.spec.groups.flatMap((g: any) =>
                    g.rules.map((rule: any) => ({
                        where: `PrometheusRule ${r.metadata.name}, alert ${rule.alert}`,
                        expr: rule.expr,
                        app: RULE_APP[r.metadata.name],
                    })),
                ),
            );
            const dashboard = run.resources
                .map((r) => unwrapSecrets(r.inputs))
                .find((o) => o.kind === "ConfigMap" && o.metadata?.name === "scanning-platform-dashboard");
            assert.ok(dashboard, "the dashboard ConfigMap");
            const json = JSON.parse(Object.values(dashboard.data as Record<string, string>)[0]);
            // Grafana's variables: $namespace sits inside a label matcher string; $__rate_interval is a range.
            panelUses = json.panels.flatMap((p: any) =>
                p.targets.map((t: any) => ({ where: `dashboard panel "${p.title}"`, expr: String(t.expr).replace(/\$__rate_interval/g, "5m") })),
            );
            promtool = await providePromtool();
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "apps-metrics-"));
        });
        after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

        it("the apps' suites scraped Clair's three nodes and clamd's exporter", () => {
            const sources = scrapes.list.map((s) => s.source);
            for (const node of ["indexer", "matcher", "notifier"])
                assert.ok(
                    sources.some((s) => s.startsWith(`clair ${node}`)),
                    `no scrape of Clair's ${node}: ${sources.join(", ")}`,
                );
            assert.ok(
                scrapes.list.some((s) => s.app === "clamav"),
                `no scrape of the ClamAV exporter: ${sources.join(", ")}`,
            );
        });

        it("every metric an alert expression names is served by the app its PrometheusRule watches", () => {
            assert.ok(ruleUses.length >= 10, `${ruleUses.length} alert expressions`);
            assert.deepEqual(unservedNames(ruleUses, scrapes), []);
        });

        it("every metric a dashboard query names is served by one of the apps", () => {
            assert.ok(panelUses.length >= 12, `${panelUses.length} dashboard queries`);
            assert.deepEqual(unservedNames(panelUses, scrapes), []);
        });

        it("every name allowed as not observable here is still used by a rule or panel, and still not served", () => {
            const used = new Set([...ruleUses, ...panelUses].flatMap((u) => metricNames(u.expr)));
            const served = scrapes.seriesNames();
            for (const name of Object.keys(NOT_OBSERVABLE_HERE)) {
                assert.ok(used.has(name), `${name} is allowed as not observable, but no rule or panel names it: remove it from NOT_OBSERVABLE_HERE`);
                assert.ok(!served.has(name), `${name} is served now: remove it from NOT_OBSERVABLE_HERE`);
            }
        });

        it("control: a metric name changed by one letter in an alert is reported, naming the alert", () => {
            const use = ruleUses.find((u) => /clair_http_indexerv1_request_total/.test(u.expr))!;
            const misspelt = { ...use, expr: use.expr.replace("clair_http_indexerv1_request_total", "clair_http_indexerv1_requests_total") };
            assert.deepEqual(unservedNames([misspelt], scrapes), [`${use.where}: clair_http_indexerv1_requests_total is served by no clair process`]);
        });

        /** The scraped series as promtool input, with the labels the PodMonitors add, plus kube-state-metrics' healthy series. */
        function inputSeries(evalSeconds: number, change?: (name: string, value: string) => string): { series: string; values: string }[] {
            const now = Date.now() / 1000;
            const input: { series: string; values: string }[] = [];
            scrapes.list.forEach((scrape, i) => {
                const pod = `${scrape.source.replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "")}-${i}`;
                for (const s of samples(scrape.text)) {
                    // A Unix time (e.g. when clamd's signatures were built) keeps its age on promtool's clock, which starts at 0.
                    let value = /_timestamp_seconds$/.test(s.name) ? String(Number(s.value) - now + evalSeconds) : s.value;
                    if (change) value = change(s.name, value);
                    const labels = [`namespace="${namespace}"`, `pod="${pod}"`, ...(s.labels ? [s.labels] : [])].join(",");
                    input.push({ series: `${s.name}{${labels}}`, values: `${value}x90` });
                }
            });
            for (const o of run.resources.map((r) => unwrapSecrets(r.inputs)).filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")) {
                const replicas = o.spec.replicas ?? 1;
                const kind = o.kind.toLowerCase();
                const sel = `{namespace="${namespace}",${kind}="${o.metadata.name}"}`;
                input.push({ series: `kube_${kind}_${kind === "deployment" ? "spec_replicas" : "replicas"}${sel}`, values: `${replicas}x90` });
                input.push({ series: `kube_${kind}_status_replicas_ready${sel}`, values: `${replicas}x90` });
            }
            return input;
        }

        function promtoolTest(name: string, input: { series: string; values: string }[]): { status: number | null; output: string } {
            fs.writeFileSync(path.join(tmp, "rules.yaml"), stringify({ groups }));
            const evalTime = "80m";
            const alerts = groups.flatMap((g) => g.rules.map((r: any) => r.alert));
            fs.writeFileSync(
                path.join(tmp, `${name}.test.yaml`),
                stringify({
                    rule_files: ["rules.yaml"],
                    evaluation_interval: "1m",
                    tests: [
                        {
                            interval: "1m",
                            input_series: input,
                            alert_rule_test: alerts.map((alertname: string) => ({ eval_time: evalTime, alertname, exp_alerts: [] })),
                        },
                    ],
                }),
            );
            const r = spawnSync(promtool, ["test", "rules", `${name}.test.yaml`], { cwd: tmp, encoding: "utf8" });
            return { status: r.status, output: `${r.stdout}${r.stderr}` };
        }

        it("promtool test rules: on the scraped series (held for 90 minutes), no alert fires", () => {
            const result = promtoolTest("healthy", inputSeries(80 * 60));
            assert.equal(result.status, 0, result.output);
            assert.match(result.output, /SUCCESS/);
        });

        it("control: the same series with clamav_up at 0 make ClamavDown fire (promtool's check can fail)", () => {
            const result = promtoolTest(
                "clamd-down",
                inputSeries(80 * 60, (name, value) => (name === "clamav_up" ? "0" : value)),
            );
            assert.notEqual(result.status, 0, result.output);
            assert.match(result.output, /ClamavDown/);
        });
    });
}
