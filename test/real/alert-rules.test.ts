/**
 * The alerts, by Prometheus's own promtool (v0.316.0, built from the Go module proxy by
 * scripts/monitoring-tools.sh into the toolchain cache): every stack's PrometheusRules pass
 * `promtool check rules`, and `promtool test rules` shows each alert firing on the series that
 * should raise it and silent on the ones that should not. The series, labels and thresholds are
 * written here from what each alert is for (Clair's metric names, the exporter's, kube-state-metrics'),
 * not read from lib/alerts.ts. (The annotations and runbooks, without promtool: test/alert-rules.test.ts.)
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { listStacks, runProgram, unwrapSecrets } from "../../tools/mock-run";
import { ofType, stackRun } from "../helpers";
import { providePromtool } from "./promtool";

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

/** The rule groups of every PrometheusRule the run registers. */
async function ruleGroups(run: Awaited<ReturnType<typeof stackRun>>): Promise<any[]> {
    return ofType(run, PROMETHEUS_RULE).flatMap((r) => unwrapSecrets(r.inputs).spec.groups);
}

/** One promtool rule unit test: input series, and at one time the alerts expected (none: []). */
interface Case {
    name: string;
    series: Record<string, string>;
    at: string;
    alert: string;
    expect: Record<string, string>[];
}

describe("alert rules, checked and unit-tested by promtool", function () {
    let promtool: string;
    let tmp: string;

    before(async function () {
        this.timeout(1800000);
        promtool = await providePromtool();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
    });
    after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

    function promtoolRun(args: string[]): { status: number | null; output: string } {
        const r = spawnSync(promtool, args, { cwd: tmp, encoding: "utf8" });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    }

    for (const stack of listStacks()) {
        it(`promtool check rules passes every expression of the ${stack} stack`, async () => {
            const groups = await ruleGroups(await stackRun(stack));
            assert.ok(groups.length >= 2, "Clair's and ClamAV's groups");
            fs.writeFileSync(path.join(tmp, `${stack}.rules.yaml`), stringify({ groups }));
            const r = promtoolRun(["check", "rules", `${stack}.rules.yaml`]);
            assert.equal(r.status, 0, r.output);
            assert.match(r.output, /SUCCESS: \d+ rules found/);
        });
    }

    it("promtool check rules refuses a broken expression (the check can fail)", () => {
        fs.writeFileSync(path.join(tmp, "broken.rules.yaml"), stringify({ groups: [{ name: "g", rules: [{ alert: "A", expr: "sum by (namespace (up)" }] }] }));
        assert.notEqual(promtoolRun(["check", "rules", "broken.rules.yaml"]).status, 0);
    });

    const NS = "clair-production";
    const OTHER = "someone-else";
    const warning = (labels: Record<string, string>) => ({ severity: "warning", ...labels });
    const critical = (labels: Record<string, string>) => ({ severity: "critical", ...labels });

    function serverErrors(alert: string, api: string, handler: string): Case[] {
        const s = (ns: string, code: string) =>
            `clair_http_${api}_request_total{namespace="${ns}",handler="${handler}",code="${code}",method="POST",pod="p-0"}`;
        return [
            {
                name: `${alert} fires on 5xx answers for 10 minutes`,
                series: { [s(NS, "500")]: "0+5x30", [s(NS, "200")]: "0+50x30" },
                at: "20m",
                alert,
                expect: [warning({ namespace: NS, handler })],
            },
            {
                name: `${alert} stays silent on success, on old 5xx and on another namespace's 5xx`,
                series: { [s(NS, "500")]: "3x30", [s(NS, "200")]: "0+50x30", [s(OTHER, "503")]: "0+5x30" },
                at: "20m",
                alert,
                expect: [],
            },
        ];
    }
    const hist = (ns: string, le: string) =>
        `clair_http_matcherv1_request_duration_seconds_bucket{namespace="${ns}",handler="/matcher/api/v1/vulnerability_report/{digest}",code="200",method="GET",le="${le}"}`;
    const notReady = (ns: string, kind: "deployment" | "statefulset", name: string, desired: number, ready: number) =>
        kind === "deployment"
            ? {
                  [`kube_deployment_spec_replicas{namespace="${ns}",deployment="${name}"}`]: `${desired}x30`,
                  [`kube_deployment_status_replicas_ready{namespace="${ns}",deployment="${name}"}`]: `${ready}x30`,
              }
            : {
                  [`kube_statefulset_replicas{namespace="${ns}",statefulset="${name}"}`]: `${desired}x30`,
                  [`kube_statefulset_status_replicas_ready{namespace="${ns}",statefulset="${name}"}`]: `${ready}x30`,
              };
    const pool = (metric: string) => `${metric}{namespace="${NS}",pod="clair-matcher-1",application_name="libvuln"}`;
    const HOUR = 3600;
    // promtool's clock starts at 0: at 40m time() is 2400, so a database built at 2400 - 25 h is 25 hours old.
    const builtHoursAgo = (hours: number, atSeconds: number) => `${atSeconds - hours * HOUR}x60`;

    const cases: Case[] = [
        ...serverErrors("ClairIndexerServerErrors", "indexerv1", "/indexer/api/v1/index_report"),
        ...serverErrors("ClairMatcherServerErrors", "matcherv1", "/matcher/api/v1/vulnerability_report/{digest}"),
        ...serverErrors("ClairNotifierServerErrors", "notificationv1", "/notifier/api/v1/notification/{id}"),
        {
            name: "ClairMatcherSlow fires when the 95th percentile is over 30 s (every request between 30 and 60 s)",
            series: { [hist(NS, "10")]: "0x40", [hist(NS, "30")]: "0x40", [hist(NS, "60")]: "0+10x40", [hist(NS, "+Inf")]: "0+10x40" },
            at: "30m",
            alert: "ClairMatcherSlow",
            expect: [warning({ namespace: NS })],
        },
        {
            name: "ClairMatcherSlow stays silent when requests take under 10 s",
            series: { [hist(NS, "10")]: "0+10x40", [hist(NS, "30")]: "0+10x40", [hist(NS, "60")]: "0+10x40", [hist(NS, "+Inf")]: "0+10x40" },
            at: "30m",
            alert: "ClairMatcherSlow",
            expect: [],
        },
        {
            name: "ClairRequestsConcurrencyLimited fires while requests are refused with 429",
            series: {
                [`clair_http_concurrencylimited_total{namespace="${NS}",endpoint="/indexer/api/v1/index_report",method="POST",pod="clair-indexer-0"}`]:
                    "0+1x30",
            },
            at: "25m",
            alert: "ClairRequestsConcurrencyLimited",
            expect: [warning({ namespace: NS, endpoint: "/indexer/api/v1/index_report" })],
        },
        {
            name: "ClairRequestsConcurrencyLimited stays silent when no request was refused lately",
            series: {
                [`clair_http_concurrencylimited_total{namespace="${NS}",endpoint="/indexer/api/v1/index_report",method="POST",pod="clair-indexer-0"}`]: "7x30",
            },
            at: "25m",
            alert: "ClairRequestsConcurrencyLimited",
            expect: [],
        },
        {
            name: "ClairDatabasePoolSaturated fires when all of a pod's connections are in use (10 of 10)",
            series: { [pool("pgxpool_acquired_conns")]: "10x30", [pool("pgxpool_max_conns")]: "10x30" },
            at: "15m",
            alert: "ClairDatabasePoolSaturated",
            expect: [warning({ namespace: NS, pod: "clair-matcher-1", application_name: "libvuln" })],
        },
        {
            name: "ClairDatabasePoolSaturated stays silent at 9 of 10 (90%, not over)",
            series: { [pool("pgxpool_acquired_conns")]: "9x30", [pool("pgxpool_max_conns")]: "10x30" },
            at: "15m",
            alert: "ClairDatabasePoolSaturated",
            expect: [],
        },
        {
            name: "ClairDatabasePoolEmptyAcquires fires while acquires find the pool empty",
            series: { [pool("pgxpool_empty_acquire")]: "0+2x40" },
            at: "25m",
            alert: "ClairDatabasePoolEmptyAcquires",
            expect: [warning({ namespace: NS, pod: "clair-matcher-1", application_name: "libvuln" })],
        },
        {
            name: "ClairDatabasePoolEmptyAcquires stays silent when no acquire waited lately",
            series: { [pool("pgxpool_empty_acquire")]: "12x40" },
            at: "25m",
            alert: "ClairDatabasePoolEmptyAcquires",
            expect: [],
        },
        {
            name: "ClairNotifierDeliveryFailures fires when deliveries are marked failed",
            series: { [`clair_notifier_setdeliveryfailed_total{namespace="${NS}",query="setdeliveryfailed",error="false",pod="clair-notifier-1"}`]: "0+1x30" },
            at: "15m",
            alert: "ClairNotifierDeliveryFailures",
            expect: [warning({ namespace: NS })],
        },
        {
            name: "ClairNotifierDeliveryFailures stays silent when no delivery failed in 30 minutes",
            series: { [`clair_notifier_setdeliveryfailed_total{namespace="${NS}",query="setdeliveryfailed",error="false",pod="clair-notifier-1"}`]: "4x60" },
            at: "50m",
            alert: "ClairNotifierDeliveryFailures",
            expect: [],
        },
        {
            name: "ClairPodsNotReady fires for a matcher and the indexer short of ready pods",
            series: {
                ...notReady(NS, "deployment", "clair-matcher", 10, 9),
                ...notReady(NS, "statefulset", "clair-indexer", 40, 38),
                ...notReady(NS, "deployment", "clair-notifier", 10, 10),
            },
            at: "20m",
            alert: "ClairPodsNotReady",
            expect: [warning({ namespace: NS, deployment: "clair-matcher" }), warning({ namespace: NS, statefulset: "clair-indexer" })],
        },
        {
            name: "ClairPodsNotReady stays silent when every Clair pod is ready, whatever other workloads do",
            series: {
                ...notReady(NS, "deployment", "clair-matcher", 10, 10),
                ...notReady(NS, "statefulset", "clair-indexer", 40, 40),
                ...notReady(NS, "deployment", "clamav", 3, 0),
                ...notReady(OTHER, "deployment", "clair-matcher", 2, 0),
            },
            at: "20m",
            alert: "ClairPodsNotReady",
            expect: [],
        },
        {
            name: "ClamavDown fires when the exporter cannot read clamd",
            series: { [`clamav_up{namespace="${NS}",pod="clamav-abc"}`]: "0x20" },
            at: "10m",
            alert: "ClamavDown",
            expect: [critical({ namespace: NS, pod: "clamav-abc" })],
        },
        {
            name: "ClamavDown stays silent while clamd answers",
            series: { [`clamav_up{namespace="${NS}",pod="clamav-abc"}`]: "1x20", [`clamav_up{namespace="${OTHER}",pod="clamav-xyz"}`]: "0x20" },
            at: "10m",
            alert: "ClamavDown",
            expect: [],
        },
        {
            name: "ClamavDatabaseOld fires on signatures built 25 hours ago (prod's limit: 24)",
            series: { [`clamav_db_timestamp_seconds{namespace="${NS}",pod="clamav-abc"}`]: builtHoursAgo(25, 40 * 60) },
            at: "40m",
            alert: "ClamavDatabaseOld",
            expect: [warning({ namespace: NS, pod: "clamav-abc" })],
        },
        {
            name: "ClamavDatabaseOld stays silent on signatures built 23 hours ago",
            series: { [`clamav_db_timestamp_seconds{namespace="${NS}",pod="clamav-abc"}`]: builtHoursAgo(23, 40 * 60) },
            at: "40m",
            alert: "ClamavDatabaseOld",
            expect: [],
        },
        {
            name: "ClamavPodsNotReady fires when clamd or the signature mirror has fewer ready pods than it asks for",
            series: { ...notReady(NS, "deployment", "clamav", 3, 2), ...notReady(NS, "statefulset", "clamav-mirror", 1, 0) },
            at: "20m",
            alert: "ClamavPodsNotReady",
            expect: [warning({ namespace: NS, deployment: "clamav" }), warning({ namespace: NS, statefulset: "clamav-mirror" })],
        },
        {
            name: "ClamavPodsNotReady stays silent when every clamd pod is ready",
            series: {
                ...notReady(NS, "deployment", "clamav", 3, 3),
                ...notReady(NS, "statefulset", "clamav-mirror", 1, 1),
                ...notReady(NS, "deployment", "clair-matcher", 10, 0),
                ...notReady(NS, "statefulset", "clair-indexer", 40, 0),
            },
            at: "20m",
            alert: "ClamavPodsNotReady",
            expect: [],
        },
    ];

    /**
     * How long each alert's condition must hold before it fires, as docs/operations.md's runbooks state it
     * ("for 10 minutes", "throughout 15 minutes", "during 15 minutes"), and when the condition of
     * its firing case above starts to hold: a rate or an increase needs two samples (from 1m), a
     * gauge holds from the first.
     */
    const FOR_MINUTES: Record<string, number> = {
        ClairIndexerServerErrors: 10,
        ClairMatcherServerErrors: 10,
        ClairNotifierServerErrors: 10,
        ClairMatcherSlow: 15,
        ClairRequestsConcurrencyLimited: 10,
        ClairDatabasePoolSaturated: 10,
        ClairDatabasePoolEmptyAcquires: 15,
        ClairNotifierDeliveryFailures: 5,
        ClairPodsNotReady: 15,
        ClamavDown: 5,
        ClamavDatabaseOld: 30,
        ClamavPodsNotReady: 15,
    };
    const ONSET_MINUTES: Record<string, number> = {
        ClairIndexerServerErrors: 1,
        ClairMatcherServerErrors: 1,
        ClairNotifierServerErrors: 1,
        ClairMatcherSlow: 1,
        ClairRequestsConcurrencyLimited: 1,
        ClairDatabasePoolSaturated: 0,
        ClairDatabasePoolEmptyAcquires: 1,
        ClairNotifierDeliveryFailures: 1,
        ClairPodsNotReady: 0,
        ClamavDown: 0,
        ClamavDatabaseOld: 0,
        ClamavPodsNotReady: 0,
    };
    /** Each firing case again, a minute before its `for:` has passed (silent) and when it has (firing). */
    const forBoundaries = (): Case[] =>
        cases
            .filter((c) => c.expect.length > 0)
            .flatMap((c) => {
                const fires = ONSET_MINUTES[c.alert] + FOR_MINUTES[c.alert];
                return [
                    { ...c, name: `${c.name}: not yet at ${fires - 1}m (for ${FOR_MINUTES[c.alert]}m)`, at: `${fires - 1}m`, expect: [] },
                    { ...c, name: `${c.name}: firing at ${fires}m (for ${FOR_MINUTES[c.alert]}m)`, at: `${fires}m` },
                ];
            });

    it("every alert has a firing and a silent case below", async () => {
        const alerts = (await ruleGroups(await stackRun("prod"))).flatMap((g) => g.rules.map((r: any) => r.alert));
        for (const alert of alerts) {
            assert.ok(
                cases.some((c) => c.alert === alert && c.expect.length > 0),
                `${alert}: a firing case`,
            );
            assert.ok(
                cases.some((c) => c.alert === alert && c.expect.length === 0),
                `${alert}: a silent case`,
            );
        }
        assert.deepEqual([...new Set(cases.map((c) => c.alert))].sort(), [...alerts].sort(), "no case for an alert that does not exist");
    });

    /** Runs the cases through promtool test rules against the rules of a run; returns promtool's status and output. */
    async function testRules(run: Awaited<ReturnType<typeof stackRun>>, selected: Case[], file: string) {
        const groups = await ruleGroups(run);
        const annotationsOf = new Map(groups.flatMap((g) => g.rules.map((r: any) => [r.alert, r.annotations])));
        fs.writeFileSync(path.join(tmp, `${file}.rules.yaml`), stringify({ groups }));
        const tests = {
            rule_files: [`${file}.rules.yaml`],
            evaluation_interval: "1m",
            tests: selected.map((c) => ({
                name: c.name,
                interval: "1m",
                input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
                alert_rule_test: [
                    {
                        eval_time: c.at,
                        alertname: c.alert,
                        // The annotations are static text; what is tested here is whether and with which labels the alert fires.
                        exp_alerts: c.expect.map((labels) => ({ exp_labels: labels, exp_annotations: annotationsOf.get(c.alert) })),
                    },
                ],
            })),
        };
        fs.writeFileSync(path.join(tmp, `${file}.test.yaml`), stringify(tests));
        return promtoolRun(["test", "rules", `${file}.test.yaml`]);
    }

    it("promtool test rules: each alert fires on its case and stays silent on the other", async function () {
        this.timeout(120000);
        const r = await testRules(await stackRun("prod"), cases, "prod");
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, /SUCCESS/);
    });

    it("promtool test rules: each alert fires exactly when its `for:` has passed, not a minute before (the runbooks' durations)", async function () {
        this.timeout(120000);
        const alerts = (await ruleGroups(await stackRun("prod"))).flatMap((g) => g.rules.map((r: any) => r.alert));
        assert.deepEqual(Object.keys(FOR_MINUTES).sort(), [...alerts].sort(), "a duration for every alert");
        const boundaries = forBoundaries();
        assert.equal(boundaries.length, 2 * cases.filter((c) => c.expect.length > 0).length);
        const r = await testRules(await stackRun("prod"), boundaries, "for-boundaries");
        assert.equal(r.status, 0, r.output);
    });

    it("ClairMatcherSlow's threshold: a 95th percentile just over 30 s fires, just under does not", async function () {
        this.timeout(120000);
        // 1000 requests a minute, `within30` of them at most 30 s and the others between 30 and 60 s.
        // histogram_quantile interpolates linearly inside a bucket: with 949 the 950th request lies
        // 1/51 into (30, 60], p95 = 30 + 30/51 = 30.59 s; with 951 it lies in [0, 30], p95 = 30 x 950/951 = 29.97 s.
        const series = (within30: number) => ({ [hist(NS, "30")]: `0+${within30}x40`, [hist(NS, "60")]: "0+1000x40", [hist(NS, "+Inf")]: "0+1000x40" });
        const r = await testRules(
            await stackRun("prod"),
            [
                { name: "p95 30.59 s", series: series(949), at: "30m", alert: "ClairMatcherSlow", expect: [warning({ namespace: NS })] },
                { name: "p95 29.97 s", series: series(951), at: "30m", alert: "ClairMatcherSlow", expect: [] },
            ],
            "matcher-threshold",
        );
        assert.equal(r.status, 0, r.output);
    });

    it("monitoring.clamavDatabaseMaxAgeHours moves ClamavDatabaseOld's threshold (2 hours: 3 hours old fires, 1 hour does not)", async function () {
        this.timeout(120000);
        const run = await runProgram("prod", { sets: { "monitoring.clamavDatabaseMaxAgeHours": "2" } });
        const series = (hours: number) => ({ [`clamav_db_timestamp_seconds{namespace="${NS}",pod="clamav-abc"}`]: builtHoursAgo(hours, 40 * 60) });
        const r = await testRules(
            run,
            [
                { name: "3 hours old", series: series(3), at: "40m", alert: "ClamavDatabaseOld", expect: [warning({ namespace: NS, pod: "clamav-abc" })] },
                { name: "1 hour old", series: series(1), at: "40m", alert: "ClamavDatabaseOld", expect: [] },
            ],
            "two-hours",
        );
        assert.equal(r.status, 0, r.output);
    });

    it("a wrong expectation fails promtool test rules (the test can fail)", async function () {
        this.timeout(120000);
        const wrong = cases
            .filter((c) => c.alert === "ClamavDown")
            .map((c) => ({ ...c, expect: c.expect.length ? [] : [critical({ namespace: NS, pod: "clamav-abc" })] }));
        assert.notEqual((await testRules(await stackRun("prod"), wrong, "wrong")).status, 0);
    });
});
