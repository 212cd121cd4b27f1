/**
 * What the command-line tools (capacity, render, check:manifests) share: argument parsing, and
 * errors that end with the usage line. Every error exits non-zero: 2 when the command line is
 * wrong (unknown flag, missing or malformed value), 1 when the work failed (a bad stack name, a
 * config error, a folder in the way, a checker that failed).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs, type ParseArgsConfig } from "util";

const ROOT = path.resolve(__dirname, "..");

/** A mistake on the command line: exit status 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig["options"]>;
/** What parseArgs returns for these options (strict, no positionals). */
export type Values<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>["values"];

export interface Cli<O extends Options> {
    /** e.g. "capacity" (the npm script name) */
    name: string;
    /** The usage line, without the leading "usage: ". */
    usage: string;
    options: O;
    /** Resolves to the exit status. */
    main(values: Values<O>): Promise<number>;
}

/** Parses argv strictly: an unknown flag or a stray argument is a UsageError naming it. */
export function parse<O extends Options>(options: O, argv: string[]): Values<O> {
    try {
        return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
}

/** The stacks there are: Pulumi.<name>.yaml beside Pulumi.yaml. */
export function listStacks(): string[] {
    return fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
}

/**
 * The stack's file, Pulumi.<stack>.yaml; a misspelt stack is an error naming the stacks there
 * are. Here, so a tool says so before it loads the SDK and the program.
 */
export function stackFilePath(stack: string): string {
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${path.basename(file)} (stacks: ${listStacks().join(", ")})`);
    return file;
}

/** The --stack mistake, naming the stacks there are. */
export async function stackRequired(): Promise<UsageError> {
    return new UsageError(`--stack is required (stacks: ${listStacks().join(", ")})`);
}

/** "error: <message>" then "usage: <usage>", both on stderr. */
export function errorText(name: string, usage: string, err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    return `${name}: ${message.trimEnd()}\nusage: ${usage}\n`;
}

/**
 * Runs the tool: --help (or -h) prints the usage line and exits 0; any error prints the tool's
 * name and message, then the usage line, and exits 2 (UsageError) or 1.
 */
export function run<O extends Options>(cli: Cli<O>, argv = process.argv.slice(2)): void {
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(`usage: ${cli.usage}\n`);
        return;
    }
    Promise.resolve()
        .then(() => cli.main(parse(cli.options, argv)))
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
