/**
 * What the command-line tools (capacity, render, check:manifests) share: argument parsing, help,
 * and errors that end with the usage line. Every error exits non-zero: 2 when the command line is
 * wrong (unknown flag, missing or malformed value), 1 when the work failed (a bad stack name, a
 * config error, a folder in the way, a checker that failed).
 */
import { distance } from "fastest-levenshtein";
import * as fs from "fs";
import * as path from "path";
import { parseArgs, type ParseArgsConfig } from "util";

const ROOT = path.resolve(__dirname, "..");

/** A mistake on the command line: exit status 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig["options"]>;
/** What parseArgs returns for these options (strict, no positionals). */
export type Values<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>["values"];

/** One flag's line in --help: the value it takes (none for a switch) and what it does. */
export interface FlagHelp {
    value?: string;
    text: string;
}

export interface Cli<O extends Options> {
    /** e.g. "capacity" (the npm script name) */
    name: string;
    /** The usage line, without the leading "usage: ". */
    usage: string;
    options: O;
    /** What the command does, one line, for --help. */
    summary?: string;
    /** One line per flag, for --help. */
    flags?: { [K in keyof O]: FlagHelp };
    /** Whole command lines, for --help. */
    examples?: string[];
    /**
     * Flags whose value may be left out, and the value they then take (`--json` alone is
     * `--json -`, as Pulumi's --json prints to stdout).
     */
    optionalValues?: Partial<Record<keyof O, string>>;
    /** Resolves to the exit status. */
    main(values: Values<O>): Promise<number>;
}

/**
 * The closest flags to an unknown one: at most one edit away for names of up to four letters,
 * two for longer ones (a transposition such as --stcak is two).
 */
export function closestFlags(unknown: string, known: string[]): string[] {
    const limit = unknown.length <= 4 ? 1 : 2;
    const scored = known.map((k) => ({ k, d: distance(unknown.toLowerCase(), k.toLowerCase()) })).filter((s) => s.d <= limit);
    const best = Math.min(...scored.map((s) => s.d));
    return scored.filter((s) => s.d === best).map((s) => s.k);
}

/** Inserts the implied value after a flag of optionalValues given without one. */
function fillOptionalValues(argv: string[], optional: Record<string, string | undefined>): string[] {
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        out.push(argv[i]);
        if (argv[i] === "--") {
            out.push(...argv.slice(i + 1));
            break;
        }
        const implied = argv[i].startsWith("--") ? optional[argv[i].slice(2)] : undefined;
        const next = argv[i + 1];
        // "-" is a value (stdout); any other word starting with "-" is the next flag.
        if (implied !== undefined && (next === undefined || (next.startsWith("-") && next !== "-"))) out.push(implied);
    }
    return out;
}

/**
 * Parses argv strictly: an unknown flag is a UsageError naming it (and the flags it is close to),
 * a stray argument or a missing value one naming that.
 */
export function parse<O extends Options>(options: O, argv: string[], optionalValues: Partial<Record<keyof O, string>> = {}): Values<O> {
    const args = fillOptionalValues(argv, optionalValues as Record<string, string | undefined>);
    const loose = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
    for (const token of loose.tokens ?? []) {
        if (token.kind !== "option" || token.name in options) continue;
        if (!token.rawName.startsWith("--")) throw new UsageError(`unknown flag ${token.rawName}`);
        const near = closestFlags(token.name, Object.keys(options)).map((k) => `--${k}`);
        throw new UsageError(`unknown flag ${token.rawName}${near.length ? `: did you mean ${near.join(" or ")}?` : ""}`);
    }
    try {
        return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
}

/** The stacks there are: Pulumi.<name>.yaml beside Pulumi.yaml. */
export function listStacks(): string[] {
    return fs
        .readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}

/**
 * The stack's file, Pulumi.<stack>.yaml; a misspelt stack is an error naming the stacks there
 * are. Here, so a tool says so before it loads the SDK and the program.
 */
export function stackFilePath(stack: string): string {
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    if (!listStacks().includes(stack) || !fs.statSync(file).isFile()) {
        const near = closestFlags(stack, listStacks());
        throw new Error(
            `no stack file ${path.basename(file)} (stacks: ${listStacks().join(", ")})${near.length ? `; did you mean ${near.join(" or ")}?` : ""}`,
        );
    }
    return file;
}

/** The --stack mistake, naming the stacks there are. */
export async function stackRequired(): Promise<UsageError> {
    return new UsageError(`--stack is required (stacks: ${listStacks().join(", ")})`);
}

/** What a file system error code means, said of a path and said without one. */
const FS_PROBLEMS: Record<string, [string, string]> = {
    ENOENT: ["does not exist", "a path does not exist"],
    EISDIR: ["is a folder, where a file was expected", "a folder was given where a file was expected"],
    ENOTDIR: ["is not a folder: a part of the path is a file", "a file was given where a folder was expected"],
    EEXIST: ["exists already", "a path exists already"],
    EACCES: ["permission denied", "permission denied"],
    EPERM: ["operation not permitted", "operation not permitted"],
    EROFS: ["is on a read-only file system", "the file system is read-only"],
    ENOSPC: ["no space left on its device", "no space left on the device"],
    ENAMETOOLONG: ["the name is too long", "a name is too long"],
    ELOOP: ["too many symbolic links", "too many symbolic links"],
};

/** A Node file system error in plain words, naming the path when it has one; undefined for any other error. */
export function fsErrorText(err: unknown): string | undefined {
    const e = err as NodeJS.ErrnoException;
    if (!e || typeof e !== "object" || typeof e.code !== "string" || typeof e.syscall !== "string") return undefined;
    const [ofPath, alone] = FS_PROBLEMS[e.code] ?? [`failed (${e.code})`, `failed (${e.code})`];
    // read(2) and write(2) work on an open file: such an error names no path.
    return e.path ? `${e.path}: ${ofPath}` : `a file system ${e.syscall} failed: ${alone}`;
}

/** The nearest existing ancestor of a path (the path itself when it exists). */
function nearestExisting(p: string): { path: string; stat: fs.Stats } {
    let current = path.resolve(p);
    for (;;) {
        try {
            return { path: current, stat: fs.statSync(current) };
        } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if ((code !== "ENOENT" && code !== "ENOTDIR") || path.dirname(current) === current) throw err;
            current = path.dirname(current);
        }
    }
}

/**
 * Why `file` cannot be written as the value of `flag` (a file to create or replace), or
 * undefined: checked before the work, so a bad path does not cost a run.
 */
export function outputFileProblem(flag: string, file: string): string | undefined {
    const folder = path.dirname(file);
    const found = nearestExisting(file);
    if (found.path === path.resolve(file)) {
        if (found.stat.isDirectory()) return `--${flag} ${file}: ${file} is a folder; give a file name in it, e.g. ${path.join(file, "report.json")}`;
        return undefined;
    }
    if (found.path !== path.resolve(folder)) {
        return found.stat.isDirectory() ? `--${flag} ${file}: the folder ${folder} does not exist` : `--${flag} ${file}: ${found.path} is a file, not a folder`;
    }
    if (!found.stat.isDirectory()) return `--${flag} ${file}: ${folder} is a file, not a folder`;
    return undefined;
}

/** Why `dir` cannot be the folder of `flag` (created when missing), or undefined. */
export function outputDirProblem(flag: string, dir: string): string | undefined {
    const found = nearestExisting(dir);
    if (found.stat.isDirectory()) return undefined;
    const what = found.path === path.resolve(dir) ? dir : found.path;
    return `--${flag} ${dir}: ${what} is a file, not a folder`;
}

/** "<name>: <message>" then "usage: <usage>", both on stderr. */
export function errorText(name: string, usage: string, err: unknown): string {
    const message = fsErrorText(err) ?? (err instanceof Error ? err.message : String(err));
    return `${name}: ${message.trimEnd()}\nusage: ${usage}\n`;
}

/** --help: the usage line, what the command does, each flag on a line, the stacks, examples. */
export function helpText<O extends Options>(cli: Cli<O>): string {
    const lines = [`usage: ${cli.usage}`];
    if (cli.summary) lines.push("", cli.summary);
    const rows: [string, string][] = Object.entries(cli.options).map(([name, option]) => {
        const help: FlagHelp | undefined = (cli.flags as Record<string, FlagHelp> | undefined)?.[name];
        const short = option.short ? `-${option.short}, ` : "    ";
        return [`${short}--${name}${help?.value ? ` ${help.value}` : ""}`, help?.text ?? ""];
    });
    rows.push(["-h, --help", "print this help"]);
    const width = Math.max(...rows.map(([left]) => left.length));
    lines.push("", "flags:", ...rows.map(([left, text]) => `  ${left.padEnd(width)}  ${text}`.trimEnd()));
    lines.push("", `stacks: ${listStacks().join(", ")} (the Pulumi.<name>.yaml files)`);
    if (cli.examples?.length) lines.push("", "examples:", ...cli.examples.map((e) => `  ${e}`));
    return lines.join("\n") + "\n";
}

/** npm keeps its own flags: these are also its config keys, so npm_config_<key> says nothing. */
const NPM_OWN = new Set(["json"]);

/**
 * `npm run capacity --stack prod` (no "--"): npm takes --stack as its own config, sets
 * npm_config_stack and passes only "prod" on. Returns the mistake, with the command line to type.
 */
export function npmSwallowed<O extends Options>(cli: Pick<Cli<O>, "name" | "options">, argv: string[], env: NodeJS.ProcessEnv): UsageError | undefined {
    if (!env.npm_lifecycle_event) return undefined;
    const positionals = argv.filter((a) => !a.startsWith("-"));
    const taken: string[] = [];
    const rebuilt: string[] = [];
    for (const [name, option] of Object.entries(cli.options)) {
        if (NPM_OWN.has(name)) continue;
        const value = env[`npm_config_${name.replace(/-/g, "_")}`];
        if (value === undefined) continue;
        taken.push(`--${name}`);
        rebuilt.push(`--${name}`);
        // npm sets "true" for `--stack prod` and passes "prod" on as an argument.
        if (option.type === "string") rebuilt.push(value !== "true" ? value : (positionals.shift() ?? "<value>"));
    }
    if (taken.length === 0) return undefined;
    const rest = argv.filter((a) => a.startsWith("-") || positionals.includes(a));
    return new UsageError(
        `npm took ${taken.join(", ")} as its own option${taken.length > 1 ? "s" : ""}: a script's flags go after "--". ` +
            `Run: npm run ${cli.name} -- ${[...rebuilt, ...rest].join(" ")}`,
    );
}

/**
 * Runs the tool: --help (or -h) prints the help and exits 0; any error prints the tool's name
 * and message, then the usage line, and exits 2 (UsageError) or 1.
 */
export function run<O extends Options>(cli: Cli<O>, argv = process.argv.slice(2)): void {
    const beforeEnd = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
    if (beforeEnd.includes("--help") || beforeEnd.includes("-h")) {
        process.stdout.write(helpText(cli));
        return;
    }
    Promise.resolve()
        .then(() => {
            const swallowed = npmSwallowed(cli, argv, process.env);
            if (swallowed) throw swallowed;
            return cli.main(parse(cli.options, argv, cli.optionalValues));
        })
        .then(
            (code) => {
                process.exitCode = code;
            },
            (err: unknown) => {
                process.stderr.write(errorText(cli.name, cli.usage, err));
                process.exitCode = err instanceof UsageError ? 2 : 1;
            },
        );
}

/** `--set key=value` flags as a map of path-style overrides (`pulumi config set --path` keys). */
export function parseSets(values: string[]): Record<string, string> {
    const sets: Record<string, string> = {};
    for (const item of values) {
        const eq = item.indexOf("=");
        if (eq <= 0) throw new UsageError(`--set ${item}: expected key=value, e.g. clair.indexer.replicas=80`);
        sets[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return sets;
}
