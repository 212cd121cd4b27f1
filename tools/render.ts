/**
 * npm run render -- --stack <name> --out DIR|- [--clean] [--set key=value ...]
 *
 * Writes every Kubernetes object the program creates (from the mock run), one YAML file per
 * object (or, with --out -, one YAML stream on stdout, as `helm template` prints), as it would be
 * sent to the API server; --set renders a what-if, as `npm run capacity` takes it: secrets included in plaintext from the mock
 * (generated values are random per run; render output is for checkers, never to commit).
 *
 * DIR must be new or empty: a render into a folder that holds files already would leave the
 * files of objects that no longer exist beside the new ones, and a checker would read them all.
 * --clean deletes the folder's *.yaml files first (a previous render), and refuses when the
 * folder holds anything else, which it never deletes.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { outputDirProblem, parseSets, run, stackFilePath, stackRequired, UsageError, type Cli, type Options } from "./cli";

export interface RenderOptions {
    /** Delete the *.yaml files already in outDir first (refused when it holds anything else). */
    clean?: boolean;
    /** Path-style overrides of the stack's config, as `--set clair.indexer.replicas=80`. */
    sets?: Record<string, string>;
}

/** The entries of dir, or [] when it does not exist. */
function entries(dir: string): fs.Dirent[] {
    try {
        return fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw err;
    }
}

const sample = (names: string[]) => names.slice(0, 3).join(", ") + (names.length > 3 ? ", ..." : "");

/**
 * Makes outDir ready for a render: missing or empty is fine; with `clean`, a folder of *.yaml
 * files is emptied; anything else is refused. Returns how many files it deleted.
 */
export function prepareOutDir(outDir: string, options: RenderOptions = {}): number {
    const problem = outputDirProblem("out", outDir);
    if (problem) throw new Error(problem);
    const present = entries(outDir);
    if (present.length === 0) return 0;
    const yaml = present.filter((e) => e.isFile() && e.name.endsWith(".yaml"));
    const other = present.filter((e) => !yaml.includes(e));
    if (!options.clean) {
        throw new Error(
            `--out ${outDir}: ${outDir} is not empty (${present.length} entries: ${sample(present.map((e) => e.name))}); ` +
                "rendered files would mix with them, and a checker would read the stale ones too. Use a new or empty folder" +
                (other.length === 0 ? ", or --clean to delete its *.yaml files first" : ""),
        );
    }
    if (other.length > 0) {
        throw new Error(
            `--out ${outDir}: ${outDir} holds more than *.yaml files (${sample(other.map((e) => e.name))}): --clean deletes only *.yaml files; use a new or empty folder`,
        );
    }
    for (const e of yaml) fs.rmSync(path.join(outDir, e.name));
    return yaml.length;
}

/** Every Kubernetes object the program creates for the stack, in the order it registers them. */
export async function renderObjects(stack: string, sets: Record<string, string> = {}): Promise<any[]> {
    // A misspelt stack fails before the SDK and the program load.
    stackFilePath(stack);
    const { runProgram, unwrapSecrets } = await import("./mock-run");
    const result = await runProgram(stack, { sets });
    return result.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:pulumi"))
        .map((r) => unwrapSecrets(r.inputs))
        .filter((object) => object.apiVersion && object.kind);
}

export async function renderStack(stack: string, outDir: string, options: RenderOptions = {}): Promise<string[]> {
    // Before the program runs: a folder in the way fails at once.
    const deleted = prepareOutDir(outDir, options);
    if (deleted > 0) process.stderr.write(`render: deleted ${deleted} *.yaml files of an earlier render from ${outDir}\n`);
    const objects = await renderObjects(stack, options.sets);
    fs.mkdirSync(outDir, { recursive: true });
    const written: string[] = [];
    for (const object of objects) {
        const file = path.join(outDir, `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`);
        if (written.includes(file)) throw new Error(`two objects render to ${file}`);
        fs.writeFileSync(file, stringify(object));
        written.push(file);
    }
    return written;
}

/** One YAML stream, each object a document, as `kubectl apply -f -` reads it. */
export function yamlStream(objects: any[]): string {
    return objects.map((o) => `---\n${stringify(o)}`).join("");
}

export const USAGE = "npm run render -- --stack <name> --out DIR|- [--clean] [--set key=value ...]";

export const OPTIONS = {
    stack: { type: "string", short: "s" },
    out: { type: "string" },
    clean: { type: "boolean", default: false },
    set: { type: "string", multiple: true, default: [] as string[] },
} satisfies Options;

export const HELP: Pick<Cli<typeof OPTIONS>, "summary" | "flags" | "examples"> = {
    summary: "Writes every Kubernetes object the stack creates (from the program run offline under Pulumi's mocks) as YAML.",
    flags: {
        stack: { value: "<name>", text: "the stack to render (required)" },
        out: { value: "DIR|-", text: "a new or empty folder for one file per object, or - for one YAML stream on stdout (required)" },
        clean: { text: "delete the *.yaml files of an earlier render in DIR first (refused when DIR holds anything else)" },
        set: { value: "key=value", text: "override a config key for this render, as pulumi config set --path; repeatable" },
    },
    examples: [
        "npm run render -- --stack prod --out /tmp/prod --clean",
        "npm run -s render -- -s prod --out - --set clair.matcher.replicas=12 | kubectl apply --dry-run=server -f -",
    ],
};

if (require.main === module) {
    run({
        name: "render",
        usage: USAGE,
        options: OPTIONS,
        ...HELP,
        async main(values) {
            if (!values.stack) throw await stackRequired();
            if (!values.out) throw new UsageError("--out is required: a folder for one file per object, or - for one YAML stream on stdout");
            const sets = parseSets(values.set ?? []);
            if (values.out === "-") {
                if (values.clean) throw new UsageError("--clean empties a folder; with --out - nothing is written to one");
                process.stdout.write(yamlStream(await renderObjects(values.stack, sets)));
                return 0;
            }
            const files = await renderStack(values.stack, values.out, { clean: values.clean, sets });
            process.stdout.write(`rendered ${files.length} objects of stack ${values.stack} into ${values.out}\n`);
            return 0;
        },
    });
}
