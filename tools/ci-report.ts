/**
 * The summary file of scripts/ci/preview and scripts/ci/drift, from the engine's event stream:
 *
 *   node -r ./tools/fast-load.js tools/ci-report.ts --kind preview|deploy|drift --stack S \
 *       --events FILE --status N --out FILE [--config-file FILE] [--base GIT_REF]
 *
 * For a preview it adds the capacity change: against the program and stack file at GIT_REF with
 * --base (a pull request's base commit, its own `npm run capacity`), else against the deployed
 * stack's `capacity` output (what the state recorded at its last update); the new side is the
 * program under Pulumi's mocks with the config the preview used, as `pulumi config --json --show-secrets` resolves it (secrets stay in this
 * process's memory; capacity reads none of them). The CLI is $SSCAN_CI_PULUMI, else `pulumi`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CapacitySummary } from "../lib/capacity";
import { driftMarkdown, parseEvents, previewMarkdown, readSteps, type CapacityChange } from "./ci-summary";
import { run, UsageError, type Options } from "./cli";

const ROOT = path.resolve(__dirname, "..");

export const USAGE =
    "node tools/ci-report.ts --kind preview|deploy|drift --stack <name> --events FILE --status N --out FILE [--config-file FILE] [--base GIT_REF]";
export const OPTIONS = {
    kind: { type: "string" },
    stack: { type: "string" },
    events: { type: "string" },
    status: { type: "string" },
    out: { type: "string" },
    "config-file": { type: "string" },
    base: { type: "string" },
} satisfies Options;

function pulumiCli(args: string[]): string {
    return execFileSync(process.env.SSCAN_CI_PULUMI || "pulumi", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
}

/** The stack's resolved config, as the engine hands it to the program: "ns:key" -> string. */
function resolvedConfig(stack: string, configFile: string | undefined): { config: Record<string, string>; secretKeys: string[] } {
    const args = ["config", "--json", "--show-secrets", "--stack", stack, "--non-interactive", ...(configFile ? ["--config-file", configFile] : [])];
    const entries = JSON.parse(pulumiCli(args)) as Record<string, { value?: string; secret?: boolean }>;
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, entry] of Object.entries(entries)) {
        if (entry.value === undefined) continue;
        config[key] = entry.value;
        if (entry.secret) secretKeys.push(key);
    }
    return { config, secretKeys };
}

/** The `capacity` output of the stack's last update, or undefined when it has none (never deployed). */
function deployedCapacity(stack: string): CapacitySummary | undefined {
    try {
        return JSON.parse(pulumiCli(["stack", "output", "capacity", "--json", "--stack", stack, "--non-interactive"])) as CapacitySummary;
    } catch {
        return undefined;
    }
}

/**
 * The capacity of the program at a git commit: that commit's own files (git archive), this
 * clone's node_modules, and that commit's `npm run capacity -- --json -`. Undefined when the
 * commit has no file for the stack.
 */
function capacityAt(ref: string, stack: string): CapacitySummary | undefined {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-base-"));
    try {
        execFileSync("bash", ["-c", 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', "_", ROOT, ref, dir], { stdio: ["ignore", "ignore", "pipe"] });
        if (!fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) return undefined;
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        const loader = fs.existsSync(path.join(dir, "tools/fast-load.js")) ? "./tools/fast-load.js" : "ts-node/register/transpile-only";
        const out = execFileSync(process.execPath, ["-r", loader, "tools/capacity.ts", "--stack", stack, "--json", "-"], {
            cwd: dir,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 1 << 26,
        });
        return JSON.parse(out) as CapacitySummary;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export async function capacityChange(stack: string, configFile: string | undefined, baseRef?: string): Promise<CapacityChange> {
    const { runProgram } = await import("./mock-run");
    const { config, secretKeys } = resolvedConfig(stack, configFile);
    // "org/prod" on Pulumi Cloud is the program's stack "prod".
    const file = stack.split("/").pop()!;
    const program = await runProgram(file, { config, secretKeys, configOnly: true });
    const after = program.outputs.capacity as CapacitySummary;
    const before = baseRef ? capacityAt(baseRef, file) : deployedCapacity(stack);
    const label = baseRef
        ? before
            ? `base ${baseRef.slice(0, 12)}`
            : `no Pulumi.${file}.yaml at ${baseRef.slice(0, 12)}`
        : before
          ? "deployed"
          : "not deployed yet";
    return {
        beforeLabel: label,
        before: before && { apps: before.apps, total: before.total },
        after: { apps: after.apps, total: after.total },
    };
}

if (require.main === module) {
    run({
        name: "ci-report",
        usage: USAGE,
        options: OPTIONS,
        async main(values) {
            for (const key of ["kind", "stack", "events", "status", "out"] as const) {
                if (!values[key]) throw new UsageError(`--${key} is required`);
            }
            if (!["preview", "deploy", "drift"].includes(values.kind!)) throw new UsageError(`--kind ${values.kind}: expected preview, deploy or drift`);
            if (!/^\d+$/.test(values.status!)) throw new UsageError(`--status ${values.status}: expected the engine's exit status, a number`);
            const status = Number(values.status);
            const steps = readSteps(parseEvents(fs.readFileSync(values.events!, "utf8")));
            let text: string;
            const policyConfig = `policy/config.${values.stack!.split("/").pop()}.json`;
            if (values.kind === "drift") {
                text = driftMarkdown({ stack: values.stack!, status, steps });
            } else if (values.kind === "deploy") {
                // After an update the deployed capacity is the new one: no change to show.
                text = previewMarkdown({ stack: values.stack!, status, steps, policyConfig, title: "Update" });
            } else {
                let capacity: CapacityChange | undefined;
                try {
                    capacity = await capacityChange(values.stack!, values["config-file"], values.base);
                } catch (err) {
                    // A program that does not run under the mocks failed the preview too: its errors are listed.
                    steps.errors.push(`capacity: ${(err as Error).message.split("\n")[0]}`);
                }
                text = previewMarkdown({ stack: values.stack!, status, steps, capacity, policyConfig });
            }
            fs.writeFileSync(values.out!, text);
            process.stdout.write(text);
            return 0;
        },
    });
}
