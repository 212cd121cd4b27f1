/**
 * npm run check:manifests -- --stack <stage|prod|local> [--verbose] [--json FILE|-] [--out DIR] [--strict]
 *
 * Renders the stack's Kubernetes objects (tools/render.ts) and runs five third-party checkers on
 * them, from the pinned versions scripts/checkers.sh installs (scripts/checkers.env):
 *   kube-score   score -o json --kubernetes-version v1.33
 *                --enable-optional-test container-resource-requests-equal-limits
 *                counts: CRITICAL and WARNING grades (checks skipped by annotation do not count)
 *   kube-linter  lint --format json, default checks, no config file       counts: every report
 *   polaris      audit --audit-path DIR --format json --only-show-failed-tests
 *                counts: failed checks of severity danger and warning
 *   kubeconform  -strict -summary -output json against schemas generated from the
 *                Kubernetes v1.33.13 OpenAPI document (+ our Route CRD)  counts: invalid and error
 *   checkov      -d DIR --framework kubernetes -o json --skip-download --quiet
 *                counts: every FAILED check
 * Exemptions are the checkers' own annotations on the object:
 *   kube-score/ignore: <check>,<check>          ignore-check.kube-linter.io/<check>: "<reason>"
 *   polaris.fairwinds.com/<check>-exempt: "true"  checkov.io/skip1: CKV_K8S_NN=<reason>
 *
 * Prints one line per checker with its finding count; with --verbose, or when anything counts,
 * the findings. --json writes the normalised findings ({checker, object, check, severity,
 * message, file}) to FILE (or stdout with "-"). --out keeps the rendered manifests in DIR.
 * Exit status: 1 if any finding counts or a checker failed to run; 0 otherwise. A checker the
 * module proxy does not serve is reported UNAVAILABLE and does not fail the run unless --strict
 * (or SSCAN_CHECKERS_STRICT=1). KUBE_SCORE_BIN, KUBE_LINTER_BIN, POLARIS_BIN, KUBECONFORM_BIN,
 * CHECKOV_BIN override a checker's path (e.g. a binary of the pinned version installed some other way).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { parseAllDocuments } from "yaml";
import { renderStack } from "./render";

export type CheckerName = "kube-score" | "kube-linter" | "polaris" | "kubeconform" | "checkov";
export const CHECKERS: CheckerName[] = ["kube-score", "kube-linter", "polaris", "kubeconform", "checkov"];

export interface Finding {
    checker: CheckerName;
    /** kind/name */
    object: string;
    check: string;
    severity: string;
    message: string;
    /** the checker's longer explanation or remediation, when it gives one (JSON output only) */
    detail?: string;
    file?: string;
}

interface CheckersJson {
    dir: string;
    kubernetesVersion: string;
    schemas: string;
    [tool: string]: { version: string; path: string | null; unavailable?: string } | string;
}

interface ToolInfo {
    version: string;
    path: string | null;
    unavailable?: string;
}

const ROOT = path.resolve(__dirname, "..");

/** file basename -> kind/name, from the rendered files. */
type ObjectIndex = Map<string, string>;

function indexObjects(files: string[]): ObjectIndex {
    const index: ObjectIndex = new Map();
    for (const f of files) {
        for (const d of parseAllDocuments(fs.readFileSync(f, "utf8"))) {
            const o = d.toJS();
            if (o && o.kind) index.set(path.basename(f), `${o.kind}/${o.metadata?.name ?? "?"}`);
        }
    }
    return index;
}

interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
    seconds: number;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
    });
}

/** The JSON document in a tool's stdout (some print log lines around it). */
function parseJsonOutput(tool: string, r: RunResult): any {
    const s = r.stdout.trim();
    const start = s.search(/^[[{]/m);
    if (start < 0) {
        throw new Error(`${tool} printed no JSON (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    }
    try {
        return JSON.parse(s.slice(start));
    } catch (err) {
        throw new Error(`${tool} printed invalid JSON (exit ${r.code}): ${(err as Error).message}; stderr: ${r.stderr.trim().slice(0, 2000)}`);
    }
}

// ---------- normalisers (exported for tests) ----------

/** kube-score JSON v2: grades 1 = CRITICAL, 5 = WARNING, 7 = almost OK, 10 = OK. */
export function fromKubeScore(doc: any[]): Finding[] {
    const out: Finding[] = [];
    for (const obj of doc ?? []) {
        const object = `${obj.type_meta?.kind}/${obj.object_meta?.name}`;
        for (const c of obj.checks ?? []) {
            if (c.skipped || c.grade > 5) continue;
            const comments: any[] = c.comments ?? [];
            const descriptions = [...new Set(comments.map((m) => m.description).filter(Boolean))];
            out.push({
                checker: "kube-score",
                object,
                check: c.check.id,
                severity: c.grade <= 1 ? "critical" : "warning",
                message: comments.map((m) => [m.path, m.summary].filter(Boolean).join(": ")).join("; ") || c.check.name,
                detail: descriptions.join(" ") || undefined,
                file: obj.file_name ? path.basename(obj.file_name) : undefined,
            });
        }
    }
    return out;
}

export function fromKubeLinter(doc: any, index: ObjectIndex): Finding[] {
    return (doc.Reports ?? []).map((r: any): Finding => {
        const k = r.Object?.K8sObject ?? {};
        const file = r.Object?.Metadata?.FilePath ? path.basename(r.Object.Metadata.FilePath) : undefined;
        const object = k.Name ? `${k.GroupVersionKind?.Kind}/${k.Name}` : (file && index.get(file)) || "?";
        return {
            checker: "kube-linter",
            object,
            check: r.Check,
            severity: "error",
            message: r.Diagnostic?.Message,
            detail: r.Remediation || undefined,
            file,
        };
    });
}

export function fromPolaris(doc: any): Finding[] {
    const out: Finding[] = [];
    for (const res of doc.Results ?? []) {
        const object = `${res.Kind}/${res.Name}`;
        const add = (set: Record<string, any> | null | undefined, where: string) => {
            for (const [id, m] of Object.entries(set ?? {})) {
                if (m.Success || (m.Severity !== "danger" && m.Severity !== "warning")) continue;
                out.push({
                    checker: "polaris",
                    object,
                    check: m.ID || id,
                    severity: m.Severity,
                    message: (where ? `${where}: ` : "") + m.Message,
                });
            }
        };
        add(res.Results, "");
        if (res.PodResult) {
            add(res.PodResult.Results, "pod");
            for (const c of res.PodResult.ContainerResults ?? []) add(c.Results, `container ${c.Name}`);
        }
    }
    return out;
}

export function fromKubeconform(doc: any, index: ObjectIndex): Finding[] {
    const out: Finding[] = [];
    for (const r of doc.resources ?? []) {
        if (r.status !== "statusInvalid" && r.status !== "statusError") continue;
        const file = r.filename ? path.basename(r.filename) : undefined;
        const object = r.kind ? `${r.kind}/${r.name}` : (file && index.get(file)) || "?";
        const severity = r.status === "statusInvalid" ? "invalid" : "error";
        // "problem validating schema. Check JSON formatting: jsonschema validation failed with
        // 'file:///…/deployment-apps-v1.json#' - at '/spec': additional properties 'x' not allowed"
        const msg = String(r.msg ?? "").replace(/^.*jsonschema validation failed with '[^']*' - /s, "");
        const paths = (r.validationErrors ?? []).map((e: any) => e.path).filter(Boolean);
        out.push({
            checker: "kubeconform",
            object,
            check: severity === "invalid" ? "schema" : "error",
            severity,
            message: msg + (paths.length && !msg.includes(paths[0]) ? ` (at ${paths.join(", ")})` : ""),
            file,
        });
    }
    return out;
}

export function fromCheckov(doc: any, index: ObjectIndex): Finding[] {
    const reports = Array.isArray(doc) ? doc : [doc];
    const out: Finding[] = [];
    for (const rep of reports) {
        for (const c of rep?.results?.failed_checks ?? []) {
            const file = c.file_path ? path.basename(c.file_path) : undefined;
            // resource is "Kind.namespace.name" (or "Kind.name" when cluster-scoped).
            const parts = String(c.resource ?? "").split(".");
            const object = (file && index.get(file)) || `${parts[0]}/${parts[parts.length - 1]}`;
            out.push({
                checker: "checkov",
                object,
                check: c.check_id,
                severity: c.severity ? String(c.severity).toLowerCase() : "failed",
                message: c.check_name,
                file,
            });
        }
    }
    return out;
}

// ---------- running the checkers ----------

function ensureCheckers(): CheckersJson {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/checkers.sh"), "--quiet"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
        encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`scripts/checkers.sh failed (exit ${r.status})`);
    const dir = r.stdout.trim().split("\n").pop()!;
    return JSON.parse(fs.readFileSync(path.join(dir, "checkers.json"), "utf8"));
}

async function runChecker(
    name: CheckerName,
    bin: string,
    manifests: string,
    files: string[],
    work: string,
    cfg: CheckersJson,
    index: ObjectIndex,
): Promise<{ findings: Finding[]; note?: string }> {
    switch (name) {
        case "kube-score": {
            const r = await run(
                bin,
                [
                    "score",
                    "--output-format",
                    "json",
                    "--kubernetes-version",
                    "v" + cfg.kubernetesVersion.replace(/^v/, "").split(".").slice(0, 2).join("."),
                    "--enable-optional-test",
                    "container-resource-requests-equal-limits",
                    ...files,
                ],
                work,
            );
            return { findings: fromKubeScore(parseJsonOutput(name, r)) };
        }
        case "kube-linter": {
            // cwd is an empty directory, so no .kube-linter.yaml is picked up: default checks only.
            const r = await run(bin, ["lint", "--format", "json", manifests], work);
            return { findings: fromKubeLinter(parseJsonOutput(name, r), index) };
        }
        case "polaris": {
            const r = await run(
                bin,
                ["audit", "--audit-path", manifests, "--format", "json", "--only-show-failed-tests"],
                work,
            );
            return { findings: fromPolaris(parseJsonOutput(name, r)) };
        }
        case "kubeconform": {
            const location = path.join(
                cfg.schemas,
                "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json",
            );
            const r = await run(
                bin,
                [
                    "-strict",
                    "-summary",
                    "-output",
                    "json",
                    "-kubernetes-version",
                    cfg.kubernetesVersion.replace(/^v/, ""),
                    "-schema-location",
                    location,
                    manifests,
                ],
                work,
            );
            const doc = parseJsonOutput(name, r);
            const sum = doc.summary ?? {};
            return {
                findings: fromKubeconform(doc, index),
                note: `${sum.valid ?? 0} valid, ${sum.skipped ?? 0} skipped, Kubernetes ${cfg.kubernetesVersion} strict`,
            };
        }
        case "checkov": {
            const env = { ...process.env, BC_SKIP_MAPPING: "TRUE", CHECKOV_NO_OUTPUT_COLOR: "1" };
            const r = await run(
                bin,
                ["-d", manifests, "--framework", "kubernetes", "-o", "json", "--skip-download", "--quiet"],
                work,
                env,
            );
            const doc = parseJsonOutput(name, r);
            const sums = (Array.isArray(doc) ? doc : [doc]).map((d: any) => d?.summary ?? {});
            const passed = sums.reduce((n: number, x: any) => n + (x.passed ?? 0), 0);
            const skipped = sums.reduce((n: number, x: any) => n + (x.skipped ?? 0), 0);
            return { findings: fromCheckov(doc, index), note: `${passed} passed, ${skipped} skipped by annotation` };
        }
    }
}

function summary(name: string, findings: Finding[]): string {
    const bySeverity = new Map<string, number>();
    for (const f of findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
    const detail = [...bySeverity].map(([s, n]) => `${n} ${s}`).join(", ");
    const n = findings.length;
    return `${name.padEnd(12)}${String(n).padStart(3)} finding${n === 1 ? "" : "s"}${detail ? ` (${detail})` : ""}`;
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            stack: { type: "string" },
            verbose: { type: "boolean", default: false },
            json: { type: "string" },
            out: { type: "string" },
            strict: { type: "boolean", default: process.env.SSCAN_CHECKERS_STRICT === "1" },
        },
        strict: true,
    });
    if (!values.stack) {
        console.error("usage: npm run check:manifests -- --stack <stage|prod|local> [--verbose] [--json FILE|-] [--out DIR] [--strict]");
        return 2;
    }
    // With --json -, the JSON is stdout's only content and the summary goes to stderr.
    const say = values.json === "-" ? console.error : console.log;
    const cfg = ensureCheckers();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "check-manifests-"));
    try {
        const manifests = values.out ? path.resolve(values.out) : path.join(work, "manifests");
        const files = (await renderStack(values.stack, manifests)).sort();
        const index = indexObjects(files);
        say(`check:manifests: stack ${values.stack}, ${files.length} objects`);

        const results = await Promise.all(
            CHECKERS.map(async (name) => {
                const tool = cfg[name] as ToolInfo;
                // KUBE_LINTER_BIN etc.: a binary of the pinned version obtained some other way.
                const override = process.env[`${name.replace("-", "_").toUpperCase()}_BIN`];
                const bin = override || tool.path;
                if (!bin) return { name, tool, unavailable: tool.unavailable ?? "not installed" };
                try {
                    return { name, tool, ...(await runChecker(name, bin, manifests, files, work, cfg, index)) };
                } catch (err) {
                    return { name, tool, error: (err as Error).message };
                }
            }),
        );

        let failed = false;
        const all: Finding[] = [];
        for (const r of results) {
            if ("unavailable" in r) {
                say(`${r.name.padEnd(12)}UNAVAILABLE ${r.tool.version}: ${r.unavailable}`);
                if (values.strict) failed = true;
            } else if ("error" in r) {
                say(`${r.name.padEnd(12)}ERROR ${r.error}`);
                failed = true;
            } else {
                say(summary(r.name, r.findings!) + (r.note ? ` [${r.note}]` : ""));
                all.push(...r.findings!);
            }
        }
        all.sort(
            (a, b) =>
                CHECKERS.indexOf(a.checker) - CHECKERS.indexOf(b.checker) ||
                a.object.localeCompare(b.object) ||
                a.check.localeCompare(b.check) ||
                a.message.localeCompare(b.message),
        );
        if (all.length > 0) failed = true;
        if (values.verbose || all.length > 0) {
            for (const f of all) {
                say(`  ${f.checker}  ${f.object}  ${f.check}  [${f.severity}]  ${f.message}`);
                if (values.verbose && f.detail) say(`      ${f.detail}`);
            }
        }
        if (values.json) {
            const text = JSON.stringify(all, null, 2) + "\n";
            if (values.json === "-") process.stdout.write(text);
            else fs.writeFileSync(values.json, text);
        }
        return failed ? 1 : 0;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

if (require.main === module) {
    main()
        .then((code) => process.exit(code))
        .catch((err: Error) => {
            console.error(`check:manifests: ${err.message}`);
            process.exit(1);
        });
}
