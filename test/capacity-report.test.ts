/**
 * The capacity command's printed report, as a person reads it: units in the
 * headers, text columns left-aligned, a legend that says what TOTAL adds, a compare table that
 * reads before -> after -> change, every line within 100 columns, every workload listed.
 */
import { strict as assert } from "assert";
import { ClamavRefresh } from "../components/clamav/refresh";
import { capacityReport, formatReport, type CapacityReport } from "../tools/capacity";
import { listStacks, runInMocks, unwrapSecrets } from "../tools/mock-run";
import { stackRun } from "./helpers";

const PREDICTION = { "clair.indexer.replicas": "80", "clair.matcher.replicas": "40", "clair.notifier.replicas": "20" };
const WIDTH = 100;

/** The lines of the table whose header line starts with `first` (header, rule, rows up to a blank line). */
function tableAt(text: string, first: string | RegExp): string[] {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => (typeof first === "string" ? l.startsWith(first) : first.test(l)));
    assert.ok(start >= 0, `a table headed "${first}"`);
    const end = lines.findIndex((l, i) => i > start && (l === "" || !/^[-\w ]/.test(l) || /^(TOTAL adds|Compared)/.test(l)));
    return lines.slice(start, end < 0 ? undefined : end);
}

/** A compare table whose header line matches `first`: its lines up to its legend or the next table, blank ones left out. */
function compareTableAt(text: string, first: RegExp): string[] {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => first.test(l));
    assert.ok(start >= 0, `a table headed "${first}"`);
    const end = lines.findIndex((l, i) => i > start + 1 && /^(Only workloads|Compared|RDS )/.test(l));
    return lines.slice(start, end < 0 ? undefined : end).filter((l) => l !== "");
}

/** Cells of a line, split where the rule line under the header has gaps. */
function cells(rule: string, line: string): string[] {
    const spans: [number, number][] = [];
    for (const m of rule.matchAll(/-+/g)) spans.push([m.index!, m.index! + m[0].length]);
    return spans.map(([a, b]) => line.slice(a, b));
}

describe("capacity report (printed)", () => {
    let prod: CapacityReport;
    let prediction: CapacityReport;
    let prodVsStage: CapacityReport;
    before(async function () {
        this.timeout(120000);
        prod = await capacityReport("prod", {});
        prediction = await capacityReport("prod", PREDICTION, "prod");
        prodVsStage = await capacityReport("prod", {}, "stage");
    });

    it(`fits ${WIDTH} columns, the compare table and a long --set list included`, () => {
        const many = { ...PREDICTION, "clamav.replicas": "4", "malwar.replicas": "1", "clair.indexer.storageSize": "200Gi" };
        const reports = [prod, prediction, prodVsStage, { ...prediction, sets: many }];
        for (const r of reports) {
            for (const line of formatReport(r).split("\n")) assert.ok(line.length <= WIDTH, `${line.length} columns: ${line}`);
        }
        // Every --set still shows, wrapped.
        const text = formatReport({ ...prediction, sets: many });
        for (const [k, v] of Object.entries(many)) assert.ok(text.includes(`${k}=${v}`), k);
    });

    it("names units in the headers, never JSON keys", () => {
        const text = formatReport(prodVsStage);
        for (const header of ["CPU cores", "memory GiB", "storage GiB", "RDS instances", "RDS storage GiB"]) assert.ok(text.includes(header), header);
        for (const key of ["memoryGiB", "storageGiB", "rdsInstances", "rdsStorageGiB", "cpuPerPod"]) assert.ok(!text.includes(key), key);
    });

    it("left-aligns the text columns (workload, kind, app) and right-aligns the numbers", () => {
        const text = formatReport(prod);
        const [header, rule, ...rows] = tableAt(text, "workload");
        const groups = text.split("\n")[text.split("\n").indexOf(header) - 1];
        assert.ok(groups.includes("per pod") && groups.includes("all pods"), groups);
        const kindAt = header.indexOf("kind");
        for (const row of rows) {
            const [name, kind, pods] = cells(rule, row);
            assert.match(name, /^\S/, `workload name starts the cell: ${row}`);
            assert.match(kind, /^(Deployment|StatefulSet|CronJob|Job)\s*$/, `kind starts at the header's column ${kindAt}: ${row}`);
            assert.match(pods, /\d$/, `pods end at the column's right edge: ${row}`);
        }
    });

    it("prints the Clair v4 deployment overview's figures in the clair row and a TOTAL the rows add up to, with a one-line legend saying so", () => {
        const text = formatReport(prod);
        const [header, rule, ...rows] = tableAt(text, "app ");
        assert.deepEqual(
            cells(rule, header).map((c) => c.trim()),
            ["app", "pods", "CPU cores", "memory GiB", "storage GiB", "RDS instances", "RDS storage GiB"],
        );
        const numbers = (row: string) =>
            cells(rule, row)
                .slice(1)
                .map((c) => Number(c.trim().replace(/,/g, "")));
        const byApp = Object.fromEntries(rows.map((r) => [cells(rule, r)[0].trim(), numbers(r)]));
        // The Clair v4 deployment overview: prod Clair 120 CPU, 120 GiB, 4,000 GiB, three RDS instances (100 GiB each by default).
        assert.deepEqual(byApp.clair, [60, 120, 120, 4000, 3, 300]);
        const apps = Object.keys(byApp).filter((a) => a !== "TOTAL");
        byApp.TOTAL.forEach((total, i) => assert.equal(total, Math.round(apps.reduce((s, a) => s + byApp[a][i], 0) * 1000) / 1000, `column ${i + 1}`));
        const legend = text.split("\n").filter((l) => l.startsWith("TOTAL adds"));
        assert.equal(legend.length, 1, "one legend line");
        assert.match(legend[0], /every pod running at once/);
        assert.match(legend[0], /CronJob/);
    });

    it("reads the compare table per workload as the other stack, this one, then the change (this minus that)", () => {
        const text = formatReport(prodVsStage);
        assert.ok(text.includes("Compared with stack 'stage' (change = prod minus stage)"));
        const [header, rule, ...rows] = compareTableAt(text, /^workload +stack/);
        assert.deepEqual(
            cells(rule, header).map((c) => c.trim()),
            ["workload", "stack", "pods", "CPU cores", "memory GiB", "storage GiB"],
        );
        const indexer = rows.slice(0, 3).map((r) => cells(rule, r).map((c) => c.trim()));
        // Stage runs 4 indexer pods, prod 40: 2 cores, 2 GiB and a 100 GiB claim each.
        assert.deepEqual(indexer, [
            ["clair-indexer", "stage", "4", "8", "8", "400"],
            ["", "prod", "40", "80", "80", "4,000"],
            ["", "change", "+36", "+72", "+72", "+3,600"],
        ]);
    });

    it("lists only the workloads whose figures differ, and TOTAL", () => {
        const [, rule, ...rows] = compareTableAt(formatReport(prodVsStage), /^workload +stack/);
        const named = rows.filter((r) => /^\S/.test(r)).map((r) => cells(rule, r)[0].trim());
        const differ = prodVsStage.workloads
            .filter((w) => {
                const s = prodVsStage.compare!.workloads.find((o) => o.name === w.name)!;
                return s.pods !== w.pods || s.cpu !== w.cpu || s.memoryGiB !== w.memoryGiB || s.storageGiB !== w.storageGiB;
            })
            .map((w) => w.name);
        // Stage and prod differ in Clair's three counts and clamd's, and in nothing else.
        assert.deepEqual(differ, ["clair-indexer", "clair-matcher", "clair-notifier", "clamav"]);
        assert.deepEqual(named, [...differ, "TOTAL"]);
    });

    it("shows the RDS instance class of each database whose class or storage differs", () => {
        const text = formatReport(prodVsStage);
        const [header, rule, ...rows] = compareTableAt(text, /^RDS instance +stack/);
        assert.deepEqual(
            cells(rule, header).map((c) => c.trim()),
            ["RDS instance", "stack", "instance class", "storage GiB"],
        );
        const table = rows.map((r) => cells(rule, r).map((c) => c.trim()));
        assert.deepEqual(table.slice(0, 2), [
            ["clair-indexer", "stage", "db.m6g.large", "100"],
            ["", "prod", "db.m6g.xlarge", "100"],
        ]);
        assert.deepEqual(
            table.filter((r) => r[0]).map((r) => r[0]),
            ["clair-indexer", "clair-matcher", "clair-notifier"],
        );
    });

    it("says the RDS instances are the same when no class or storage differs", () => {
        const text = formatReport(prediction);
        assert.ok(!/^RDS instance +stack/m.test(text), "no RDS table");
        assert.ok(text.includes("RDS instances: the same on both (3 x db.m6g.xlarge, 100 GiB)."), text);
    });

    it("labels this side of a compare of a stack with itself by its --set values", () => {
        const text = formatReport(prediction);
        assert.ok(text.includes("Compared with stack 'prod' (change = prod+set minus prod)"));
        const [, rule, ...rows] = compareTableAt(text, /^workload +stack/);
        const table = rows.map((r) => cells(rule, r).map((c) => c.trim()));
        // Only Clair's three workloads change; the indexer 40 -> 80 pods of 2 cores, 2 GiB, 100 GiB.
        assert.deepEqual(
            table.filter((r) => r[0]).map((r) => r[0]),
            ["clair-indexer", "clair-matcher", "clair-notifier", "TOTAL"],
        );
        assert.deepEqual(
            table.slice(0, 3).map((r) => [r[1], r[3], r[4], r[5]]),
            [
                ["prod", "80", "80", "4,000"],
                ["prod+set", "160", "160", "8,000"],
                ["change", "+80", "+80", "+4,000"],
            ],
        );
        const total = table.slice(table.findIndex((r) => r[0] === "TOTAL"));
        // The one-year prediction: Clair's 120 CPU / 120 GiB / 4,000 GiB become 280 / 280 / 8,000.
        assert.deepEqual(total[2].slice(1), ["change", "+80", "+160", "+160", "+4,000"]);
    });

    it("lists a CronJob's row with its kind, one run's pods and per-pod figures", () => {
        const cron = {
            name: "refresh-clamav-db",
            app: "clamav",
            kind: "CronJob" as const,
            replicas: 1,
            cpuPerPod: 0.1,
            memoryGiBPerPod: 0.125,
            storageGiBPerPod: 0,
            sharedStorageGiB: 0,
            pods: 1,
            cpu: 0.1,
            memoryGiB: 0.125,
            storageGiB: 0,
            atMax: { pods: 1, cpu: 0.1, memoryGiB: 0.125, storageGiB: 0 },
        };
        const [, rule, ...rows] = tableAt(formatReport({ ...prod, workloads: [...prod.workloads, cron] }), "workload");
        const row = rows.map((r) => cells(rule, r).map((c) => c.trim())).find((c) => c[0] === "refresh-clamav-db");
        assert.deepEqual(row, ["refresh-clamav-db", "CronJob", "1", "0.1", "0.125", "0.1", "0.125", "0"]);
    });
});

describe("capacity entries", () => {
    it("the ClamAV refresh CronJob reports one run's pod: 100m CPU and 128Mi (0.1 cores, 0.125 GiB)", async () => {
        let refresh: ClamavRefresh | undefined;
        await runInMocks("prod", () => {
            refresh = new ClamavRefresh("refresh", {
                namespace: "ns",
                deploymentName: "clamav",
                cronJobName: "refresh-clamav-db",
                schedule: "0 */6 * * *",
                image: "registry.k8s.io/kubectl:v1.33.5",
                resources: { cpu: "100m", memory: "128Mi" },
            });
        });
        assert.deepEqual(refresh!.capacity, [
            {
                name: "refresh-clamav-db",
                app: "clamav",
                kind: "CronJob",
                replicas: 1,
                maxReplicas: 1,
                cpuPerPod: 0.1,
                memoryGiBPerPod: 0.125,
                storageGiBPerPod: 0,
                sharedStorageGiB: 0,
            },
        ]);
    });

    for (const stack of listStacks()) {
        it(`every workload of ${stack} is a row of the capacity table`, async () => {
            const run = await stackRun(stack);
            const kinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];
            const workloads = run.resources
                .filter((r) => r.type.startsWith("kubernetes:"))
                .map((r) => unwrapSecrets(r.inputs))
                .filter((o) => kinds.includes(o.kind))
                .map((o) => `${o.kind}/${o.metadata.name}`)
                .sort();
            assert.ok(workloads.length >= 6, workloads.join(", "));
            const report = await capacityReport(stack, {});
            const rows = report.workloads.map((w) => `${w.kind}/${w.name}`).sort();
            assert.deepEqual(rows, workloads);
        });
    }
});
