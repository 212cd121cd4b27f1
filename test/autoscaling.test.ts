/**
 * Optional HorizontalPodAutoscalers for the Clair indexer and matcher and for clamd,
 * through the real program under the mocks: off by default (the stack files' fixed replica counts),
 * when on an autoscaler per workload, the capacity report's min and max, and the connection-pool
 * budget sized for the maximum. The engine's handling of the replica count is in the e2e lane.
 */
import { strict as assert } from "assert";
import { autoscaledReplicas } from "../components/shared/autoscaling";
import { POOL_ANNOTATION } from "../policy/lib/clair-annotations";
import { capacityReport, formatReport, MAX_WIDTH, RANGE_LEGEND } from "../tools/capacity";
import { configKeys } from "../config/keys";
import { runProgram, type MockRun } from "../tools/mock-run";
import { K8S, object, ofType } from "./helpers";
import { ZOD_WORDING } from "./plain-words";

/** Pulumi.prod.yaml's counts (Clair's as the Clair v4 deployment overview gives them; clamd 3) and instance class, and stage's class. */
const PROD = { indexer: 40, matcher: 10, clamd: 3 };
/**
 * RDS's default max_connections, LEAST(DBInstanceClassMemory / 9531392, 5000), with about 10%
 * of the class memory kept by the OS and RDS: db.m6g.xlarge has 16 GiB, db.m6g.large 8 GiB.
 */
const maxConnections = (memoryGiB: number) => Math.min(Math.floor((memoryGiB * 2 ** 30 * 0.9) / 9531392), 5000);
/** clair.database.rds.reservedConnections' default, and pool_max_conns' default ceiling. */
const RESERVED = 20;
const CEILING = 32;

const on = (key: string, max: number, extra: Record<string, string> = {}) => ({
    [`${key}.autoscaling.enabled`]: "true",
    [`${key}.autoscaling.maxReplicas`]: String(max),
    ...extra,
});

const hpas = (run: MockRun) => ofType(run, K8S.hpa).map((r) => r.inputs);

describe("autoscaling: off by default", () => {
    for (const stack of ["stage", "prod"]) {
        it(`${stack}: no autoscaler; the three scalable workloads still let pulumi up take spec.replicas back (patchForce)`, async () => {
            const run = await runProgram(stack);
            assert.deepEqual(hpas(run), []);
            for (const [type, name] of [
                [K8S.statefulSet, "clair-indexer"],
                [K8S.deployment, "clair-matcher"],
                [K8S.deployment, "clamav"],
            ]) {
                assert.equal(object(run, type, name).metadata.annotations["pulumi.com/patchForce"], "true", name);
            }
            // Not on the workloads that never scale automatically.
            assert.equal(object(run, K8S.deployment, "clair-notifier").metadata.annotations["pulumi.com/patchForce"], undefined);
        });
    }
});

describe("autoscaling: on", () => {
    it("prod clamd 3..8: an autoscaling/v2 autoscaler on CPU at 70% of the request, the Deployment starting at 3", async () => {
        const run = await runProgram("prod", { sets: on("clamav", 8) });
        assert.deepEqual(hpas(run), [
            {
                apiVersion: "autoscaling/v2",
                kind: "HorizontalPodAutoscaler",
                // In the stack's one namespace, with clamd's own labels.
                metadata: {
                    name: "clamav",
                    namespace: "clair-production",
                    labels: {
                        "app.kubernetes.io/name": "clamav",
                        "app.kubernetes.io/component": "clamd",
                        "app.kubernetes.io/instance": "clamav",
                        "app.kubernetes.io/part-of": "clamav",
                        "app.kubernetes.io/managed-by": "pulumi",
                    },
                },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "clamav" },
                    minReplicas: PROD.clamd,
                    maxReplicas: 8,
                    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                },
            },
        ]);
        assert.equal(object(run, K8S.deployment, "clamav").spec.replicas, PROD.clamd);
    });

    it("minReplicas sets the starting count; the indexer's autoscaler targets the StatefulSet", async () => {
        const run = await runProgram("prod", {
            sets: on("clair.indexer", 60, { "clair.indexer.autoscaling.minReplicas": "20", "clair.indexer.autoscaling.targetCPUUtilization": "60" }),
        });
        const [hpa] = hpas(run);
        assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "StatefulSet", name: "clair-indexer" });
        assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics[0].resource.target.averageUtilization], [20, 60, 60]);
        assert.equal(object(run, K8S.statefulSet, "clair-indexer").spec.replicas, 20);
    });

    it("sizes the matcher's pool for the autoscaler's maximum: (max_connections - reserved) / (max + 1 surge)", async () => {
        const run = await runProgram("prod", { sets: on("clair.matcher", 100) });
        // db.m6g.xlarge: 1622 connections; 1602 / 101 pods = 15 each (10 fixed pods + 1 would get the ceiling, 32).
        const expected = Math.min(CEILING, Math.floor((maxConnections(16) - RESERVED) / (100 + 1)));
        assert.equal(expected, 15);
        assert.equal(object(run, K8S.deployment, "clair-matcher").metadata.annotations[POOL_ANNOTATION], String(expected));
        const fixed = await runProgram("prod");
        assert.equal(
            object(fixed, K8S.deployment, "clair-matcher").metadata.annotations[POOL_ANNOTATION],
            String(Math.min(CEILING, Math.floor((maxConnections(16) - RESERVED) / (PROD.matcher + 1)))),
        );
    });

    it("the capacity report gives the minimum and the maximum of each autoscaled row and of the totals", async () => {
        const fixed = await capacityReport("prod", {});
        const report = await capacityReport("prod", on("clamav", 8));
        const clamd = report.workloads.find((w) => w.name === "clamav")!;
        // Per pod: clamd 1 CPU / 4Gi plus the exporter's 100m / 128Mi (Pulumi.prod.yaml's sizing).
        assert.deepEqual([clamd.pods, clamd.atMax.pods, clamd.cpu, clamd.atMax.cpu, clamd.memoryGiB, clamd.atMax.memoryGiB], [3, 8, 3.3, 8.8, 12.375, 33]);
        assert.deepEqual(report.total, fixed.total, "at the minimum, the totals of the fixed stack");
        assert.deepEqual([report.atMax.total.pods - fixed.total.pods, report.atMax.total.cpu - fixed.total.cpu], [5, 5 * 1.1]);
        const text = formatReport(report);
        assert.match(text, /^clamav +Deployment +3\.\.8 +1\.1 +4\.125 +3\.3\.\.8\.8 +12\.375\.\.33 +0$/m);
        assert.ok(text.includes(RANGE_LEGEND));
        assert.ok(!formatReport(fixed).includes(RANGE_LEGEND), "no range legend without autoscalers");
    });
});

describe("autoscaling: the capacity compare", () => {
    it("prints the compare table at the minimum and at the maximum, within MAX_WIDTH: clamd 3..8 adds 5 pods at the maximum only", async () => {
        const text = formatReport(await capacityReport("prod", on("clamav", 8), "prod"));
        const headings = text.split("\n").filter((l) => l.startsWith("Compared with stack 'prod'"));
        assert.deepEqual(headings, [
            "Compared with stack 'prod' with every autoscaler at its minimum (change = prod+set minus prod)",
            "Compared with stack 'prod' with every autoscaler at its maximum (change = prod+set minus prod)",
        ]);
        const [atMin, atMax] = text.split(/^Compared with stack.*$/m).slice(1);
        const firstCells = (table: string) =>
            table
                .split("\n")
                .filter((l) => /^\S/.test(l) && !/^(workload|-|Only|RDS)/.test(l))
                .map((l) => l.split(/\s+/)[0]);
        const change = (table: string) =>
            table
                .split("\n")
                .filter((l) => /^\s+change /.test(l))
                .map((l) => l.trim().split(/\s+/)[1]);
        // Only the workloads that change, then TOTAL; the pods column.
        assert.deepEqual(firstCells(atMin), ["(none)", "TOTAL"]);
        assert.deepEqual(change(atMin), ["0"]);
        assert.deepEqual(firstCells(atMax), ["clamav", "TOTAL"]);
        assert.deepEqual(change(atMax), ["+5", "+5"]);
        for (const line of text.split("\n")) assert.ok(line.length <= MAX_WIDTH, `${line.length}: ${line}`);
    });
});

describe("autoscaling: the same keys in every app", () => {
    it("names an autoscaler's keys alike wherever there is one (clair.indexer, clair.matcher, clamav), and Malwar has none", () => {
        const blocks = new Map<string, string[]>();
        for (const key of configKeys()) {
            const m = /^(.*)\.autoscaling\.(\w+)$/.exec(key);
            if (m) blocks.set(m[1], [...(blocks.get(m[1]) ?? []), m[2]]);
        }
        assert.deepEqual([...blocks.keys()].sort(), ["clair.indexer", "clair.matcher", "clamav"]);
        for (const [block, keys] of blocks) assert.deepEqual(keys, ["enabled", "minReplicas", "maxReplicas", "targetCPUUtilization"], block);
    });
});

describe("autoscaling: bad input stops the program before anything is registered", () => {
    async function refused(stack: string, sets: Record<string, string>, pattern: RegExp) {
        await assert.rejects(runProgram(stack, { sets }), (err: Error) => {
            assert.match(err.message, pattern);
            assert.doesNotMatch(err.message, ZOD_WORDING);
            assert.equal((err as Error & { resourcesRegistered: number }).resourcesRegistered, 0);
            return true;
        });
    }
    it("enabled without maxReplicas", async () => {
        await refused(
            "prod",
            { "clamav.autoscaling.enabled": "true" },
            /scanning-platform:clamav\.autoscaling\.maxReplicas = \(unset\): is required when clamav\.autoscaling\.enabled is true/,
        );
    });
    it("maxReplicas below the minimum (the replicas, or minReplicas)", async () => {
        await refused(
            "prod",
            on("clair.matcher", 5),
            /clair\.matcher\.autoscaling\.maxReplicas = 5: is below the autoscaler's minimum 10 \(clair\.matcher\.replicas\)/,
        );
        await refused(
            "prod",
            on("clamav", 3, { "clamav.autoscaling.minReplicas": "4" }),
            /clamav\.autoscaling\.maxReplicas = 3: is below the autoscaler's minimum 4 \(clamav\.autoscaling\.minReplicas\)/,
        );
    });
    it("a CPU target Guaranteed pods can never pass, and bounds while autoscaling is off", async () => {
        await refused(
            "prod",
            on("clamav", 8, { "clamav.autoscaling.targetCPUUtilization": "100" }),
            /clamav\.autoscaling\.targetCPUUtilization = 100: must be at most 90: requests equal limits/,
        );
        await refused(
            "prod",
            { "clamav.autoscaling.maxReplicas": "8" },
            /clamav\.autoscaling\.maxReplicas = 8: is used only while clamav\.autoscaling\.enabled is true/,
        );
        await refused("prod", on("clamav", 8, { "clamav.autoscaling.minReplicas": "0" }), /clamav\.autoscaling\.minReplicas = 0: must be at least 1/);
    });
    it("a maximum the database cannot serve names the maximum: stage db.m6g.large, 400 matchers", async () => {
        // 811 connections - 20 reserved = 791; 401 pods at peak get 1 each, below the 2 a pod needs.
        assert.equal(Math.floor((maxConnections(8) - RESERVED) / (400 + 1)), 1);
        await refused(
            "stage",
            on("clair.matcher", 400),
            /clair\.matcher\.autoscaling\.maxReplicas = 400: is too many pods for one database: 401 pods at peak with max_connections 811 \(20 reserved\)/,
        );
    });
});

describe("autoscaledReplicas: what the workload declares", () => {
    it("without an autoscaler: the fixed count, no ignored field; with one: its minimum, and spec.replicas left to it", () => {
        const range = { minReplicas: 2, maxReplicas: 6, targetCPUUtilization: 70 };
        assert.deepEqual(autoscaledReplicas("Deployment", 3, undefined), {
            replicas: 3,
            annotations: { "pulumi.com/patchForce": "true" },
            options: {},
            exemptions: [],
        });
        const scaled = autoscaledReplicas("Deployment", 3, range);
        assert.deepEqual([scaled.replicas, scaled.annotations, scaled.options], [2, { "pulumi.com/patchForce": "true" }, { ignoreChanges: ["spec.replicas"] }]);
        // kube-score's check for a Deployment with both an autoscaler and a count; it has none for StatefulSets.
        assert.deepEqual(
            scaled.exemptions.map((e) => e.check),
            ["deployment-targeted-by-hpa-does-not-have-replicas-configured"],
        );
        assert.deepEqual(autoscaledReplicas("StatefulSet", 3, range).exemptions, []);
    });
});
