/**
 * npm run -s mutation:summary -- [REPORT] [--by dir|file]
 *
 * Reads a Stryker JSON report (mutation-testing-report-schema; default
 * reports/mutation-components/mutation.json) and prints, as Markdown, the score per directory (or
 * file) and in all, and the surviving mutants by mutator. Score = (killed + timed out) /
 * (killed + timed out + survived + no coverage), Stryker's own definition; ignored (static) mutants
 * and mutants a sampled run set aside (tools/stryker-sample-checker.mjs, "outside the sample") are
 * outside it. For a sampled run the score is an estimate of the whole population's: it comes with
 * its 95% Wilson score interval, which stays inside [0, 1] and is honest for small samples.
 */
import * as fs from "fs";

/** The fields of a report's mutant this summary reads. */
interface ReportMutant {
    mutatorName: string;
    status: string;
    statusReason?: string;
    location: { start: { line: number; column: number } };
    replacement?: string;
}
interface Report {
    files: Record<string, { mutants: ReportMutant[] }>;
}

/** The reason tools/stryker-sample-checker.mjs gives a mutant it sets aside. */
export const OUTSIDE_THE_SAMPLE = "outside the sample";

export interface Tally {
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
    ignored: number;
    /** Compile and runtime errors of Stryker's own (not the sample's set-asides). */
    errors: number;
    outsideSample: number;
}

const emptyTally = (): Tally => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0, outsideSample: 0 });

function count(tally: Tally, mutant: ReportMutant): void {
    switch (mutant.status) {
        case "Killed":
            tally.killed++;
            break;
        case "Timeout":
            tally.timeout++;
            break;
        case "Survived":
            tally.survived++;
            break;
        case "NoCoverage":
            tally.noCoverage++;
            break;
        case "Ignored":
            tally.ignored++;
            break;
        case "CompileError":
            if (mutant.statusReason === OUTSIDE_THE_SAMPLE) tally.outsideSample++;
            else tally.errors++;
            break;
        case "RuntimeError":
            tally.errors++;
            break;
        default:
            throw new Error(
                `mutant status ${mutant.status}: not one of Stryker's (Killed, Timeout, Survived, NoCoverage, Ignored, CompileError, RuntimeError)`,
            );
    }
}

/** The mutants that count towards the score. */
export const scored = (t: Tally): number => t.killed + t.timeout + t.survived + t.noCoverage;

/** Stryker's mutation score, as a fraction; undefined with nothing scored. */
export const score = (t: Tally): number | undefined => (scored(t) ? (t.killed + t.timeout) / scored(t) : undefined);

/** The 95% Wilson score interval of a proportion of `successes` in `n` (z = 1.96). */
export function wilsonInterval(successes: number, n: number, z = 1.96): { low: number; high: number } {
    if (n <= 0) throw new Error(`a proportion of ${n} trials has no interval`);
    const p = successes / n;
    const z2 = z * z;
    const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
    return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface Summary {
    groups: { name: string; tally: Tally }[];
    total: Tally;
    /** Survived and no-coverage mutants by mutator, most first. */
    survivorsByMutator: { mutator: string; survived: number; noCoverage: number }[];
    sampled: boolean;
}

/** The group of a file: its directory (`components/clair`) or the file itself. */
const groupOf = (file: string, by: "dir" | "file"): string => (by === "file" ? file : file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ".");

export function summarize(report: Report, by: "dir" | "file" = "dir"): Summary {
    const groups = new Map<string, Tally>();
    const total = emptyTally();
    const survivors = new Map<string, { survived: number; noCoverage: number }>();
    for (const [file, { mutants }] of Object.entries(report.files)) {
        const name = groupOf(file, by);
        const tally = groups.get(name) ?? emptyTally();
        groups.set(name, tally);
        for (const mutant of mutants) {
            count(tally, mutant);
            count(total, mutant);
            if (mutant.status === "Survived" || mutant.status === "NoCoverage") {
                const entry = survivors.get(mutant.mutatorName) ?? { survived: 0, noCoverage: 0 };
                if (mutant.status === "Survived") entry.survived++;
                else entry.noCoverage++;
                survivors.set(mutant.mutatorName, entry);
            }
        }
    }
    return {
        groups: [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, tally]) => ({ name, tally })),
        total,
        survivorsByMutator: [...survivors.entries()]
            .map(([mutator, s]) => ({ mutator, ...s }))
            .sort((a, b) => b.survived + b.noCoverage - (a.survived + a.noCoverage) || a.mutator.localeCompare(b.mutator)),
        sampled: total.outsideSample > 0,
    };
}

const percent = (x: number | undefined): string => (x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);

function scoreCell(t: Tally, sampled: boolean): string {
    const s = score(t);
    if (s === undefined || !sampled) return percent(s);
    const { low, high } = wilsonInterval(t.killed + t.timeout, scored(t));
    return `${percent(s)} (95%: ${percent(low)}–${percent(high)})`;
}

export function formatSummary(summary: Summary): string {
    const { sampled } = summary;
    const lines = [
        `| ${sampled ? "sampled mutants in" : "mutants in"} | scored | killed | timed out | survived | no coverage | ignored (static) | errors | score |`,
        "|---|---|---|---|---|---|---|---|---|",
    ];
    const row = (name: string, t: Tally) =>
        `| ${name} | ${scored(t)} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${t.ignored} | ${t.errors} | ${scoreCell(t, sampled)} |`;
    for (const { name, tally } of summary.groups) lines.push(row(`\`${name}\``, tally));
    lines.push(row("**all**", summary.total));
    if (sampled) {
        const drawn = scored(summary.total) + summary.total.errors;
        lines.push(
            "",
            `A sample: ${drawn} of ${drawn + summary.total.outsideSample} mutants that are not static were run; the rest were set aside (${OUTSIDE_THE_SAMPLE}).`,
        );
    }
    lines.push("", "| surviving mutants by mutator | survived | no coverage |", "|---|---|---|");
    for (const s of summary.survivorsByMutator) lines.push(`| ${s.mutator} | ${s.survived} | ${s.noCoverage} |`);
    return lines.join("\n");
}

/** The command's arguments: the report (default: the components run's) and --by dir|file; a mistake names the flag, the value and what is allowed. */
export function parseSummaryArgs(argv: string[]): { report: string; by: "dir" | "file" } {
    let by: "dir" | "file" = "dir";
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] !== "--by") {
            positional.push(argv[i]);
            continue;
        }
        const value = argv[++i];
        if (value !== "dir" && value !== "file") throw new Error(`--by ${value ?? "(no value)"}: dir or file is allowed`);
        by = value;
    }
    if (positional.length > 1) throw new Error(`${positional.join(" ")}: one report is allowed`);
    return { report: positional[0] ?? "reports/mutation-components/mutation.json", by };
}

if (require.main === module) {
    try {
        const { report, by } = parseSummaryArgs(process.argv.slice(2));
        if (!fs.existsSync(report)) throw new Error(`${report}: no such report (run a mutation run first: npm run mutation:sample, or name the report)`);
        console.log(formatSummary(summarize(JSON.parse(fs.readFileSync(report, "utf8")) as Report, by)));
    } catch (error) {
        console.error((error as Error).message);
        process.exit(2);
    }
}
