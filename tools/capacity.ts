/**
 * npm run capacity -- --stack prod [--set clair.indexer.replicas=80 ...] [--compare stage] [--json [FILE|-]]
 *
 * Evaluates the real program offline (Pulumi mocks, no cloud) and prints its capacity: per
 * workload, per app and in total; with --compare, the other stack's figures beside these and the
 * change. --json writes the same figures as one JSON document to FILE, or to stdout with "-" or
 * no value (then run it as `npm run -s capacity`, so npm prints no banner before it).
 */
import * as fs from "fs";
import type { AppTotals, CapacitySummary, DatabaseCapacity, Totals } from "../lib/capacity";
import { outputFileProblem, parseSets, run, stackFilePath, stackRequired, type Cli, type Options } from "./cli";

type Figures = AppTotals;
const FIELDS: (keyof Figures)[] = ["pods", "cpu", "memoryGiB", "storageGiB", "rdsInstances", "rdsStorageGiB"];
/** Column headers of FIELDS, with their units. */
const HEADERS: Record<keyof Figures, string> = {
    pods: "pods",
    cpu: "CPU cores",
    memoryGiB: "memory GiB",
    storageGiB: "storage GiB",
    rdsInstances: "RDS instances",
    rdsStorageGiB: "RDS storage GiB",
};

/** Clair's, every app's and the total figures of one side, and the change between two sides. */
interface Side {
    clair: Figures;
    total: Figures;
    apps: CapacitySummary["apps"];
}
type Delta = { clair: Figures; total: Figures; apps: Record<string, Figures> };

/**
 * Figures with fixed counts and autoscalers at their minimum; `atMax` the same with every
 * autoscaler at its maximum (equal when none is on).
 */
export interface CapacityReport extends Side {
    stack: string;
    sets: Record<string, string>;
    workloads: CapacitySummary["workloads"];
    databases: CapacitySummary["databases"];
    atMax: Side;
    compare?: Side & {
        stack: string;
        workloads: CapacitySummary["workloads"];
        databases: CapacitySummary["databases"];
        delta: Delta;
        atMax: Side & { delta: Delta };
    };
}

const zero = (): Figures => ({ pods: 0, cpu: 0, memoryGiB: 0, storageGiB: 0, rdsInstances: 0, rdsStorageGiB: 0 });
const diff = (a: Partial<Figures> = {}, b: Partial<Figures> = {}, fields: (keyof Figures)[] = FIELDS): Figures =>
    Object.fromEntries(fields.map((f) => [f, Math.round(((a[f] ?? 0) - (b[f] ?? 0)) * 1000) / 1000])) as unknown as Figures;

async function summary(stack: string, sets: Record<string, string>): Promise<CapacitySummary> {
    // Loaded here, not at the top: --help and command-line mistakes answer without loading the program.
    const { runProgram } = await import("./mock-run");
    const result = await runProgram(stack, { sets });
    return result.outputs.capacity as CapacitySummary;
}

const side = (totals: { apps: CapacitySummary["apps"]; total: Figures }): Side => ({
    clair: totals.apps.clair ?? zero(),
    total: totals.total,
    apps: totals.apps,
});

function delta(current: Side, other: Side): Delta {
    const apps = [...new Set([...Object.keys(current.apps), ...Object.keys(other.apps)])];
    return {
        clair: diff(current.clair, other.clair),
        total: diff(current.total, other.total),
        apps: Object.fromEntries(apps.map((a) => [a, diff(current.apps[a], other.apps[a])])),
    };
}

export async function capacityReport(stack: string, sets: Record<string, string>, compareStack?: string): Promise<CapacityReport> {
    const current = await summary(stack, sets);
    const report: CapacityReport = {
        stack,
        sets,
        ...side(current),
        workloads: current.workloads,
        databases: current.databases,
        atMax: side(current.atMax),
    };
    if (compareStack) {
        const other = await summary(compareStack, {});
        const otherAtMax = side(other.atMax);
        report.compare = {
            stack: compareStack,
            ...side(other),
            workloads: other.workloads,
            databases: other.databases,
            delta: delta(report, side(other)),
            atMax: { ...otherAtMax, delta: delta(report.atMax, otherAtMax) },
        };
    }
    return report;
}

// ---------------------------------------------------------------- the printed report

/** The widest line the report may print: it must read on a terminal and on paper. */
export const MAX_WIDTH = 100;

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 3 }));
const signed = (n: number) => (n > 0 ? `+${fmt(n)}` : fmt(n));
/** One figure, or "min..max" where autoscalers make it a range. */
const span = (min: number, max: number, format = fmt) => (min === max ? format(min) : `${format(min)}..${format(max)}`);

interface Column {
    header: string;
    /** Numbers right, text left. */
    right: boolean;
    /** A label over this column and the next `span - 1` (the first header line). */
    group?: { label: string; span: number };
}

/** Columns two spaces apart, a rule under the headers; rows of [] are blank separator lines. */
export function table(columns: Column[], rows: string[][]): string[] {
    const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.filter((r) => r.length).map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (columns[i].right ? c.padStart(widths[i]) : c.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    const out: string[] = [];
    if (columns.some((c) => c.group)) {
        let text = "";
        columns.forEach((c, i) => {
            const start = widths.slice(0, i).reduce((a, w) => a + w + 2, 0);
            if (c.group) text = text.padEnd(start) + c.group.label;
        });
        out.push(text);
    }
    out.push(line(columns.map((c) => c.header)), widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) out.push(r.length ? line(r) : "");
    return out;
}

const numeric = (header: string, group?: Column["group"]): Column => ({ header, right: true, group });
const text = (header: string): Column => ({ header, right: false });

/** The stack's label in the compare table: "prod", or "prod+set" when --set changed it. */
function label(r: CapacityReport): string {
    return Object.keys(r.sets).length ? `${r.stack}+set` : r.stack;
}

/** `first` and then the words, wrapped at MAX_WIDTH; continuation lines start with `indent`. */
function wrap(first: string, words: string[], indent: string): string[] {
    const lines = [first];
    for (const w of words) {
        const last = lines[lines.length - 1];
        if (last.length + 1 + w.length <= MAX_WIDTH || last.trim() === "") lines[lines.length - 1] = `${last} ${w}`;
        else lines.push(`${indent}${w}`);
    }
    return lines;
}

export const LEGEND = "TOTAL adds up the app rows: every pod running at once (CronJob pods too), their claims, RDS.";
/** Printed only when some figure is a range. */
export const RANGE_LEGEND = "a..b: with every autoscaler at its minimum, and at its maximum.";

/** The workload table's columns in the compare view. */
const WORKLOAD_FIELDS: (keyof Totals)[] = ["pods", "cpu", "memoryGiB", "storageGiB"];

export const COMPARE_LEGEND = "Only workloads whose figures differ are listed; TOTAL adds up every workload.";

type WorkloadRow = CapacityReport["workloads"][number];

/** Workloads of either stack whose figures differ (one missing on a side counts), in this stack's order. */
export function changedWorkloads(before: WorkloadRow[], after: WorkloadRow[], atMax = false): { name: string; before?: WorkloadRow; after?: WorkloadRow }[] {
    const names = [...new Set([...after.map((w) => w.name), ...before.map((w) => w.name)])];
    const pick = (w: WorkloadRow | undefined) => (w && atMax ? w.atMax : w);
    return names
        .map((name) => ({ name, before: before.find((w) => w.name === name), after: after.find((w) => w.name === name) }))
        .filter(
            ({ before: b, after: a }) =>
                !b || !a || WORKLOAD_FIELDS.some((k) => pick(b)![k] !== pick(a)![k]) || b.cpuPerPod !== a.cpuPerPod || b.memoryGiBPerPod !== a.memoryGiBPerPod,
        );
}

/** A database's name without its stack's suffix (clair-indexer-prod -> clair-indexer), so two stacks' instances pair up. */
const databaseKey = (stack: string, name: string) => (name.endsWith(`-${stack}`) ? name.slice(0, -stack.length - 1) : name);

/** RDS instances whose class or storage differ between the stacks, or that only one has. */
export function changedDatabases(
    beforeStack: string,
    before: DatabaseCapacity[],
    afterStack: string,
    after: DatabaseCapacity[],
): { name: string; before?: DatabaseCapacity; after?: DatabaseCapacity }[] {
    const keyed = (stack: string, dbs: DatabaseCapacity[]) => new Map(dbs.map((d) => [databaseKey(stack, d.name), d]));
    const b = keyed(beforeStack, before);
    const a = keyed(afterStack, after);
    return [...new Set([...a.keys(), ...b.keys()])]
        .map((name) => ({ name, before: b.get(name), after: a.get(name) }))
        .filter(({ before: x, after: y }) => !x || !y || x.instanceClass !== y.instanceClass || x.allocatedStorageGiB !== y.allocatedStorageGiB);
}

/** "3 x db.m6g.xlarge, 100 GiB each", or "none". */
function describeDatabases(dbs: DatabaseCapacity[]): string {
    if (!dbs.length) return "none";
    const kinds = [...new Set(dbs.map((d) => `${d.instanceClass}, ${fmt(d.allocatedStorageGiB)} GiB`))];
    return kinds.map((k) => `${dbs.filter((d) => `${d.instanceClass}, ${fmt(d.allocatedStorageGiB)} GiB` === k).length} x ${k}`).join("; ");
}

export function formatReport(r: CapacityReport): string {
    const out: string[] = [];
    const sets = Object.entries(r.sets).map(([k, v]) => `${k}=${v}`);
    out.push(...wrap(`Capacity of stack '${r.stack}'${sets.length ? " with" : ""}`, sets, "    "), "");
    out.push(
        ...table(
            [
                text("workload"),
                text("kind"),
                numeric("pods"),
                numeric("CPU cores", { label: "per pod", span: 2 }),
                numeric("memory GiB"),
                numeric("CPU cores", { label: "all pods", span: 3 }),
                numeric("memory GiB"),
                numeric("storage GiB"),
            ],
            r.workloads.map((w) => [
                w.name,
                w.kind,
                span(w.pods, w.atMax.pods),
                fmt(w.cpuPerPod),
                fmt(w.memoryGiBPerPod),
                span(w.cpu, w.atMax.cpu),
                span(w.memoryGiB, w.atMax.memoryGiB),
                span(w.storageGiB, w.atMax.storageGiB),
            ]),
        ),
    );
    out.push("");
    const appColumns = [text("app"), ...FIELDS.map((f) => numeric(HEADERS[f]))];
    const appRows = Object.entries(r.apps).map(([app, f]) => [app, ...FIELDS.map((k) => span(f[k], r.atMax.apps[app][k]))]);
    out.push(...table(appColumns, [...appRows, ["TOTAL", ...FIELDS.map((k) => span(r.total[k], r.atMax.total[k]))]]));
    out.push(LEGEND);
    const ranged = FIELDS.some((k) => r.total[k] !== r.atMax.total[k] || (r.compare && r.compare.total[k] !== r.compare.atMax.total[k]));
    if (ranged) out.push(RANGE_LEGEND);
    if (r.compare) {
        const c = r.compare;
        const mine = label(r);
        // Ranges would push the compare table past MAX_WIDTH: with autoscalers, it comes twice.
        const sides: [string, Side & { delta: Delta }, Side, boolean][] = ranged
            ? [
                  [" with every autoscaler at its minimum", c, r, false],
                  [" with every autoscaler at its maximum", c.atMax, r.atMax, true],
              ]
            : [["", c, r, false]];
        for (const [when, other, current, atMax] of sides) {
            out.push("", `Compared with stack '${c.stack}'${when} (change = ${mine} minus ${c.stack})`, "");
            const rows: string[][] = [];
            const group = (name: string, before: Totals | undefined, after: Totals | undefined) => {
                if (rows.length) rows.push([]);
                rows.push([name, c.stack, ...WORKLOAD_FIELDS.map((k) => fmt(before?.[k] ?? 0))]);
                rows.push(["", mine, ...WORKLOAD_FIELDS.map((k) => fmt(after?.[k] ?? 0))]);
                rows.push(["", "change", ...WORKLOAD_FIELDS.map((k) => signed(diff(after, before, WORKLOAD_FIELDS)[k]))]);
            };
            const figuresOf = (w: CapacityReport["workloads"][number] | undefined): Totals | undefined => (w && atMax ? w.atMax : w);
            for (const { name, before, after } of changedWorkloads(c.workloads, r.workloads, atMax)) group(name, figuresOf(before), figuresOf(after));
            if (!rows.length) rows.push(["(none)", "", ...WORKLOAD_FIELDS.map(() => "")]);
            group("TOTAL", other.total, current.total);
            out.push(...table([text("workload"), text("stack"), ...WORKLOAD_FIELDS.map((f) => numeric(HEADERS[f]))], rows));
            out.push(COMPARE_LEGEND);
        }
        const databases = changedDatabases(c.stack, c.databases, r.stack, r.databases);
        out.push("");
        if (!databases.length) {
            out.push(`RDS instances: the same on both (${describeDatabases(r.databases)}).`);
        } else {
            const rows: string[][] = [];
            for (const { name, before, after } of databases) {
                if (rows.length) rows.push([]);
                rows.push([name, c.stack, before?.instanceClass ?? "(none)", before ? fmt(before.allocatedStorageGiB) : "0"]);
                rows.push(["", mine, after?.instanceClass ?? "(none)", after ? fmt(after.allocatedStorageGiB) : "0"]);
            }
            out.push(...table([text("RDS instance"), text("stack"), text("instance class"), numeric("storage GiB")], rows));
        }
    }
    return out.join("\n");
}

// ---------------------------------------------------------------- the command

export const USAGE = "npm run capacity -- --stack <name> [--set key=value ...] [--compare <name>] [--json [FILE|-]]";

export const OPTIONS = {
    stack: { type: "string", short: "s" },
    set: { type: "string", multiple: true, default: [] as string[] },
    compare: { type: "string" },
    json: { type: "string" },
} satisfies Options;

export const HELP: Pick<Cli<typeof OPTIONS>, "summary" | "flags" | "examples" | "optionalValues"> = {
    summary: "Prints a stack's capacity (pods, CPU, memory, storage, RDS) from the program run offline under Pulumi's mocks.",
    flags: {
        stack: { value: "<name>", text: "the stack to evaluate (required)" },
        set: { value: "key=value", text: "override a config key for this run, as pulumi config set --path; repeatable" },
        compare: { value: "<name>", text: "also show another stack's figures and the change" },
        json: { value: "[FILE|-]", text: "write the figures as JSON to FILE; to stdout alone with - or no value" },
    },
    examples: ["npm run capacity -- --stack prod --set clair.indexer.replicas=80 --compare prod", "npm run -s capacity -- -s prod --json | jq .total"],
    optionalValues: { json: "-" },
};

if (require.main === module) {
    run({
        name: "capacity",
        usage: USAGE,
        options: OPTIONS,
        ...HELP,
        async main(values) {
            const started = process.hrtime.bigint();
            if (!values.stack) throw await stackRequired();
            const sets = parseSets(values.set ?? []);
            // Before the run: a path that cannot be written does not cost one.
            const jsonProblem = values.json && values.json !== "-" ? outputFileProblem("json", values.json) : undefined;
            if (jsonProblem) throw new Error(jsonProblem);
            // A misspelt stack fails before the SDK and the program load.
            stackFilePath(values.stack);
            if (values.compare) stackFilePath(values.compare);
            const report = await capacityReport(values.stack, sets, values.compare);
            if (values.json === "-") {
                process.stdout.write(JSON.stringify(report, null, 2) + "\n");
            } else {
                process.stdout.write(formatReport(report) + "\n");
                if (values.json) {
                    fs.writeFileSync(values.json, JSON.stringify(report, null, 2) + "\n");
                    process.stderr.write(`capacity: wrote ${values.json}\n`);
                }
            }
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            process.stderr.write(`capacity: evaluated in ${seconds.toFixed(2)} s\n`);
            return 0;
        },
    });
}
