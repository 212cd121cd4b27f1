/**
 * npm run capacity -- --stack prod [--set clair.indexer.replicas=80 ...] [--compare stage] [--json]
 *
 * Evaluates the real program offline (Pulumi mocks, no cloud) and prints its capacity: per
 * workload, per app and in total. With --compare, also the other stack's figures and the delta.
 */
import { parseArgs } from "util";
import type { CapacitySummary, Totals } from "../lib/capacity";
import { listStacks, runProgram } from "./mock-run";

type Figures = Totals & { rdsInstances: number; rdsStorageGiB: number };
const FIELDS: (keyof Figures)[] = ["pods", "cpu", "memoryGiB", "storageGiB", "rdsInstances", "rdsStorageGiB"];

export interface CapacityReport {
    stack: string;
    sets: Record<string, string>;
    clair: Figures;
    total: Figures;
    apps: CapacitySummary["apps"];
    workloads: CapacitySummary["workloads"];
    databases: CapacitySummary["databases"];
    compare?: { stack: string; clair: Figures; total: Figures; apps: CapacitySummary["apps"]; delta: { clair: Figures; total: Figures; apps: Record<string, Figures> } };
}

function parseSets(values: string[]): Record<string, string> {
    const sets: Record<string, string> = {};
    for (const item of values) {
        const eq = item.indexOf("=");
        if (eq <= 0) throw new Error(`--set ${item}: expected key=value, e.g. clair.indexer.replicas=80`);
        sets[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return sets;
}

const zero = (): Figures => ({ pods: 0, cpu: 0, memoryGiB: 0, storageGiB: 0, rdsInstances: 0, rdsStorageGiB: 0 });
const diff = (a: Figures = zero(), b: Figures = zero()): Figures =>
    Object.fromEntries(FIELDS.map((f) => [f, Math.round((a[f] - b[f]) * 1000) / 1000])) as unknown as Figures;

async function summary(stack: string, sets: Record<string, string>): Promise<CapacitySummary> {
    const run = await runProgram(stack, { sets });
    return run.outputs.capacity as CapacitySummary;
}

export async function capacityReport(stack: string, sets: Record<string, string>, compareStack?: string): Promise<CapacityReport> {
    const current = await summary(stack, sets);
    const report: CapacityReport = {
        stack,
        sets,
        clair: current.apps.clair ?? zero(),
        total: current.total,
        apps: current.apps,
        workloads: current.workloads,
        databases: current.databases,
    };
    if (compareStack) {
        const other = await summary(compareStack, {});
        const apps = [...new Set([...Object.keys(current.apps), ...Object.keys(other.apps)])];
        report.compare = {
            stack: compareStack,
            clair: other.apps.clair ?? zero(),
            total: other.total,
            apps: other.apps,
            delta: {
                clair: diff(current.apps.clair, other.apps.clair),
                total: diff(current.total, other.total),
                apps: Object.fromEntries(apps.map((a) => [a, diff(current.apps[a], other.apps[a])])),
            },
        };
    }
    return report;
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 3 }));
const signed = (n: number) => (n > 0 ? `+${fmt(n)}` : fmt(n));

function table(headers: string[], rows: string[][]): string {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function formatReport(r: CapacityReport): string {
    const out: string[] = [];
    const setText = Object.entries(r.sets).map(([k, v]) => `${k}=${v}`).join(" ");
    out.push(`Capacity of stack '${r.stack}'${setText ? ` with ${setText}` : ""}`, "");
    out.push(table(
        ["workload", "kind", "replicas", "cpu/pod", "mem GiB/pod", "cpu", "memory GiB", "storage GiB"],
        r.workloads.map((w) => [w.name, w.kind, fmt(w.replicas), fmt(w.cpuPerPod), fmt(w.memoryGiBPerPod), fmt(w.cpu), fmt(w.memoryGiB), fmt(w.storageGiB)]),
    ));
    out.push("");
    const appRows = Object.entries(r.apps).map(([app, f]) => [app, ...FIELDS.map((k) => fmt(f[k]))]);
    out.push(table(["app", ...FIELDS], [...appRows, ["TOTAL", ...FIELDS.map((k) => fmt(r.total[k]))]]));
    if (r.compare) {
        const c = r.compare;
        out.push("", `Compared with stack '${c.stack}' (this minus that):`, "");
        const rows = Object.entries(c.delta.apps).map(([app, d]) => [app, ...FIELDS.map((k) => `${fmt(c.apps[app]?.[k] ?? 0)} -> ${fmt(r.apps[app]?.[k] ?? 0)} (${signed(d[k])})`)]);
        rows.push(["TOTAL", ...FIELDS.map((k) => `${fmt(c.total[k])} -> ${fmt(r.total[k])} (${signed(c.delta.total[k])})`)]);
        out.push(table(["app", ...FIELDS], rows));
    }
    return out.join("\n");
}

async function main(): Promise<void> {
    const started = process.hrtime.bigint();
    const { values } = parseArgs({
        options: {
            stack: { type: "string" },
            set: { type: "string", multiple: true, default: [] },
            compare: { type: "string" },
            json: { type: "boolean", default: false },
        },
        strict: true,
    });
    if (!values.stack) throw new Error(`--stack is required (stacks: ${listStacks().join(", ")})`);
    const report = await capacityReport(values.stack, parseSets(values.set ?? []), values.compare);
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.error(`capacity: evaluated in ${seconds.toFixed(2)} s`);
}

if (require.main === module) {
    main().catch((err: Error) => {
        console.error(err.message);
        process.exit(1);
    });
}
