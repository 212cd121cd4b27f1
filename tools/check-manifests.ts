/**
 * npm run check:manifests -- --stack <stage|prod|local> [--set key=value ...] [--verbose] [--json [FILE|-]] [--out DIR [--clean]] [--allow-missing]
 *
 * Renders the stack's Kubernetes objects (tools/render.ts) and runs six checkers on them, from the
 * pinned versions scripts/checkers.sh provides (scripts/checkers.env, scripts/openshift-scc.env):
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
 *   openshift-scc  OpenShift's own SCC admission code (tools/openshift-scc) over every pod template,
 *                with the default SCCs, the default access of a namespace's ServiceAccounts and the
 *                rendered RoleBindings, in a namespace with a typical range (tools/openshift-scc.ts)
 *                counts: pods no usable SCC admits, on stacks with kubernetes.platform openshift
 *                (elsewhere its verdicts are a note: the pods run as the images' own users)
 * Exemptions are the checkers' own annotations on the object:
 *   kube-score/ignore: <check>,<check>          ignore-check.kube-linter.io/<check>: "<reason>"
 *   polaris.fairwinds.com/<check>-exempt: "true"  checkov.io/skipN: CKV_K8S_NN=<reason>
 * Each checker with an exemption mechanism runs a second time on a copy of the objects without
 * those annotations: a finding there that an annotation exempts counts as exempted, and an
 * annotation that exempts nothing is a stale exemption, which fails the run like a finding.
 *
 * Prints one table (checker, version, findings, exempted, time), then the findings grouped by
 * object (--verbose: also the exempted ones with their reasons, and the checkers' explanations).
 * --json writes the same as one document to FILE (or stdout with "-" or no value); --out keeps the
 * rendered manifests in DIR (new or empty, or with --clean a folder of an earlier render's *.yaml).
 * Exit status 1 when a finding counts, an exemption is stale, or a checker cannot run; 0 otherwise.
 * --allow-missing (for machines without the upstream source archives, scripts/upstream-src.sh): a checker that cannot be provided
 * is skipped with a warning instead, and the summary says how many checkers ran.
 * scripts/checkers.sh decides where each checker comes from (KUBE_SCORE_BIN, KUBE_LINTER_BIN,
 * POLARIS_BIN, KUBECONFORM_BIN, CHECKOV_BIN; then PATH; then its cache, the module proxy, the source
 * archives); the table shows the version each one reports.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments, stringify } from "yaml";
import { outputFileProblem, parseSets, run as runCli, stackFilePath, stackRequired, type Cli, type Options, UsageError, type Values } from "./cli";
import { namespaceOf, runSccCheck, sccRequest, type SccVerdict } from "./openshift-scc";
import { reasonAnnotation } from "../components/shared/exemptions";
import { prepareOutDir, renderStack } from "./render";

export type CheckerName = "kube-score" | "kube-linter" | "polaris" | "kubeconform" | "checkov" | "openshift-scc";
export const CHECKERS: CheckerName[] = ["kube-score", "kube-linter", "polaris", "kubeconform", "checkov", "openshift-scc"];

export interface Finding {
    checker: CheckerName;
    /** kind/name */
    object: string;
    check: string;
    severity: string;
    message: string;
    /** the checker's longer explanation or remediation, when it gives one (--verbose, --json) */
    detail?: string;
    file?: string;
}

/** One checker's entry in checkers.json (scripts/checkers.sh). */
interface ToolInfo {
    /** the pinned version (module version, or PyPI version for checkov) */
    version: string;
    /** what a build of the pinned version prints as its version */
    expects: string;
    /** what the binary at hand prints as its version; null when unavailable */
    reports: string | null;
    path: string | null;
    /** where the binary came from: an environment variable, PATH, go install, a source archive */
    source?: string;
    unavailable?: string;
}

type CheckersJson = { dir: string; kubernetesVersion: string; schemas: string; sccManifests: string } & Record<CheckerName, ToolInfo>;

const ROOT = path.resolve(__dirname, "..");

/** file basename -> kind/name, from the rendered files. */
type ObjectIndex = Map<string, string>;

function readObjects(file: string): any[] {
    return parseAllDocuments(fs.readFileSync(file, "utf8"))
        .map((d) => d.toJS())
        .filter((o) => o && o.kind);
}

function indexObjects(files: string[]): ObjectIndex {
    const index: ObjectIndex = new Map();
    for (const f of files) {
        for (const o of readObjects(f)) index.set(path.basename(f), `${o.kind}/${o.metadata?.name ?? "?"}`);
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

// ---------- exemptions declared on the objects ----------

/** One exemption annotation on one object: this checker does not report this check there. */
export interface DeclaredExemption {
    checker: CheckerName;
    object: string;
    check: string;
    /** the reason written beside it (empty when the object carries none) */
    reason: string;
}

/** Does this annotation key opt an object out of a checker's check? (what stripExemptions removes) */
function isExemptionKey(key: string): boolean {
    return (
        key === "kube-score/ignore" ||
        key.startsWith("ignore-check.kube-linter.io/") ||
        (key.startsWith("polaris.fairwinds.com/") && key.endsWith("-exempt")) ||
        key.startsWith("checkov.io/skip")
    );
}

/** The exemptions an object declares through the checkers' own annotations. */
export function declaredExemptions(object: any): DeclaredExemption[] {
    const name = `${object.kind}/${object.metadata?.name ?? "?"}`;
    const annotations: Record<string, string> = object.metadata?.annotations ?? {};
    // kube-score's and Polaris' annotations have no room for a reason: it sits beside them.
    const reasonOf = (checker: CheckerName, check: string) => annotations[reasonAnnotation(checker as "kube-score" | "polaris", check)] ?? "";
    const out: DeclaredExemption[] = [];
    for (const [key, value] of Object.entries(annotations)) {
        if (key === "kube-score/ignore") {
            for (const check of String(value)
                .split(",")
                .map((c) => c.trim())
                .filter(Boolean)) {
                out.push({ checker: "kube-score", object: name, check, reason: reasonOf("kube-score", check) });
            }
        } else if (key.startsWith("ignore-check.kube-linter.io/")) {
            out.push({ checker: "kube-linter", object: name, check: key.slice("ignore-check.kube-linter.io/".length), reason: String(value) });
        } else if (key.startsWith("polaris.fairwinds.com/") && key.endsWith("-exempt") && String(value) === "true") {
            const check = key.slice("polaris.fairwinds.com/".length, -"-exempt".length);
            out.push({ checker: "polaris", object: name, check, reason: reasonOf("polaris", check) });
        } else if (key.startsWith("checkov.io/skip")) {
            const [check, ...reason] = String(value).split("=");
            out.push({ checker: "checkov", object: name, check, reason: reason.join("=") });
        }
    }
    return out;
}

/** The object without any exemption annotation, anywhere in it (pod templates included). */
export function stripExemptions(value: any): any {
    if (Array.isArray(value)) return value.map(stripExemptions);
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, any> = {};
    for (const [key, child] of Object.entries(value)) {
        if (key === "annotations" && child && typeof child === "object" && !Array.isArray(child)) {
            out[key] = Object.fromEntries(Object.entries(child).filter(([k]) => !isExemptionKey(k)));
        } else {
            out[key] = stripExemptions(child);
        }
    }
    return out;
}

export interface ExemptionAudit {
    /** findings of the run without exemption annotations that a declared exemption covers */
    exempted: (Finding & { reason: string })[];
    /** declared exemptions that cover no finding of the run without annotations */
    stale: DeclaredExemption[];
}

/**
 * Matches one checker's findings on the objects without exemption annotations against the
 * exemptions the objects declare for that checker.
 */
export function auditExemptions(checker: CheckerName, unexempted: Finding[], declared: DeclaredExemption[]): ExemptionAudit {
    const mine = declared.filter((d) => d.checker === checker);
    const key = (object: string, check: string) => `${object}\u0000${check}`;
    const byKey = new Map(mine.map((d) => [key(d.object, d.check), d]));
    const used = new Set<string>();
    const exempted: (Finding & { reason: string })[] = [];
    for (const f of unexempted) {
        const d = byKey.get(key(f.object, f.check));
        if (!d) continue;
        used.add(key(d.object, d.check));
        exempted.push({ ...f, reason: d.reason });
    }
    return { exempted, stale: mine.filter((d) => !used.has(key(d.object, d.check))) };
}

// ---------- running the checkers ----------

function ensureCheckers(allowMissing: boolean): CheckersJson {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/checkers.sh"), "--quiet", ...(allowMissing ? ["--allow-missing"] : [])], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
        encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`scripts/checkers.sh failed (exit ${r.status}); its error is above`);
    const dir = r.stdout.trim().split("\n").pop()!;
    return JSON.parse(fs.readFileSync(path.join(dir, "checkers.json"), "utf8"));
}

/** The rendered objects, their files, and which file holds which object. */
interface Manifests {
    dir: string;
    files: string[];
    index: ObjectIndex;
}

/**
 * One finding per pod that no usable SCC admits, with OpenShift's own message per SCC tried.
 * On a stack that is not meant for OpenShift the verdicts are only counted in the note.
 */
export function fromOpenshiftScc(verdicts: SccVerdict[], openshift: boolean): { findings: Finding[]; note: string } {
    const refused = verdicts.filter((v) => !v.admittedBy);
    const bySCC = new Map<string, number>();
    for (const v of verdicts) if (v.admittedBy) bySCC.set(v.admittedBy, (bySCC.get(v.admittedBy) ?? 0) + 1);
    const admitted = [...bySCC].map(([scc, n]) => `${n} by ${scc}`).join(", ") || "none";
    const note = `${verdicts.length - refused.length}/${verdicts.length} pods admitted (${admitted})`;
    if (!openshift) return { findings: [], note: `kubernetes.platform is not openshift, not counted: ${note}` };
    return {
        note,
        findings: refused.map((v) => ({
            checker: "openshift-scc" as const,
            object: v.name,
            check: "scc-admission",
            severity: "refused",
            message: `no SCC usable by ServiceAccount ${v.serviceAccount} (${v.usableSCCs.join(", ") || "none"}) admits the pod: ${v.refusals.map((r) => r.message).join("; ")}`,
        })),
    };
}

async function runChecker(
    name: CheckerName,
    bin: string,
    m: Manifests,
    work: string,
    cfg: CheckersJson,
    openshift: boolean,
): Promise<{ findings: Finding[]; note?: string }> {
    switch (name) {
        case "openshift-scc": {
            const objects = m.files.flatMap(readObjects);
            return fromOpenshiftScc(await runSccCheck(bin, sccRequest(objects, cfg.sccManifests, namespaceOf(objects))), openshift);
        }
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
                    ...m.files,
                ],
                work,
            );
            return { findings: fromKubeScore(parseJsonOutput(name, r)) };
        }
        case "kube-linter": {
            // cwd is an empty directory, so no .kube-linter.yaml is picked up: default checks only.
            const r = await run(bin, ["lint", "--format", "json", m.dir], work);
            return { findings: fromKubeLinter(parseJsonOutput(name, r), m.index) };
        }
        case "polaris": {
            const r = await run(bin, ["audit", "--audit-path", m.dir, "--format", "json", "--only-show-failed-tests"], work);
            return { findings: fromPolaris(parseJsonOutput(name, r)) };
        }
        case "kubeconform": {
            const location = path.join(
                cfg.schemas,
                "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json",
            );
            const r = await run(
                bin,
                ["-strict", "-summary", "-output", "json", "-kubernetes-version", cfg.kubernetesVersion.replace(/^v/, ""), "-schema-location", location, m.dir],
                work,
            );
            const doc = parseJsonOutput(name, r);
            const sum = doc.summary ?? {};
            return {
                findings: fromKubeconform(doc, m.index),
                note: `${sum.valid ?? 0} valid, ${sum.skipped ?? 0} skipped, Kubernetes ${cfg.kubernetesVersion} strict`,
            };
        }
        case "checkov": {
            const env = { ...process.env, BC_SKIP_MAPPING: "TRUE", CHECKOV_NO_OUTPUT_COLOR: "1" };
            const r = await run(bin, ["-d", m.dir, "--framework", "kubernetes", "-o", "json", "--skip-download", "--quiet"], work, env);
            const doc = parseJsonOutput(name, r);
            const sums = (Array.isArray(doc) ? doc : [doc]).map((d: any) => d?.summary ?? {});
            const passed = sums.reduce((n: number, x: any) => n + (x.passed ?? 0), 0);
            return { findings: fromCheckov(doc, m.index), note: `${passed} passed` };
        }
    }
}

/** kubeconform validates schemas only: there is nothing to exempt, so it runs once. */
/** openshift-scc neither: a pod OpenShift refuses does not run, whatever the annotations say. */
const HAS_EXEMPTIONS: Record<CheckerName, boolean> = {
    "kube-score": true,
    "kube-linter": true,
    polaris: true,
    kubeconform: false,
    checkov: true,
    "openshift-scc": false,
};

export interface CheckerReport {
    checker: CheckerName;
    status: "ran" | "unavailable" | "error";
    /** the version the binary reports (the pinned one's when it did not run) */
    version: string;
    /** the version the pinned build reports */
    pinned: string;
    source?: string;
    findings: number;
    /** null for kubeconform, which has no exemptions */
    exempted: number | null;
    staleExemptions: number;
    /** wall time of its runs (both, for checkers with exemptions) */
    seconds: number;
    note?: string;
    /** why it did not run */
    reason?: string;
}

export interface ObjectFindings {
    object: string;
    findings: Finding[];
    exempted: (Finding & { reason: string })[];
    staleExemptions: DeclaredExemption[];
}

export interface Report {
    stack: string;
    objects: number;
    passed: boolean;
    checkersRan: number;
    seconds: number;
    checkers: CheckerReport[];
    /** every object with a finding, an exempted finding or a stale exemption */
    byObject: ObjectFindings[];
}

const byCheckerThenCheck = (a: { checker: CheckerName; check: string; message?: string }, b: { checker: CheckerName; check: string; message?: string }) =>
    CHECKERS.indexOf(a.checker) - CHECKERS.indexOf(b.checker) || a.check.localeCompare(b.check) || (a.message ?? "").localeCompare(b.message ?? "");

export function groupByObject(findings: Finding[], exempted: (Finding & { reason: string })[], stale: DeclaredExemption[]): ObjectFindings[] {
    const groups = new Map<string, ObjectFindings>();
    const group = (object: string) => {
        if (!groups.has(object)) groups.set(object, { object, findings: [], exempted: [], staleExemptions: [] });
        return groups.get(object)!;
    };
    for (const f of findings) group(f.object).findings.push(f);
    for (const f of exempted) group(f.object).exempted.push(f);
    for (const d of stale) group(d.object).staleExemptions.push(d);
    for (const g of groups.values()) {
        g.findings.sort(byCheckerThenCheck);
        g.exempted.sort(byCheckerThenCheck);
        g.staleExemptions.sort(byCheckerThenCheck);
    }
    return [...groups.values()].sort((a, b) => a.object.localeCompare(b.object));
}

/** Rows of cells as text columns: numbers right-aligned, text left-aligned. */
export function alignedTable(header: string[], rows: string[][], rightAligned: boolean[]): string[] {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    return [line(header), ...rows.map(line)];
}

export function formatReport(report: Report, verbose: boolean): string[] {
    const lines: string[] = [];
    const rows = report.checkers.map((c) => [
        c.checker,
        c.version === c.pinned ? c.version : `${c.version} (pinned: ${c.pinned})`,
        c.status === "ran" ? String(c.findings) : "-",
        c.status === "ran" && c.exempted !== null ? String(c.exempted) : "-",
        c.status === "ran" ? `${c.seconds.toFixed(1)} s` : "-",
        c.status === "ran" ? (c.note ?? "") : c.status.toUpperCase(),
    ]);
    lines.push(...alignedTable(["checker", "version", "findings", "exempted", "time", ""], rows, [false, false, true, true, true, false]));
    for (const c of report.checkers) {
        if (c.status === "unavailable") lines.push(`WARNING: ${c.checker} did not run (--allow-missing): ${c.reason}`);
        if (c.status === "error") lines.push(`ERROR: ${c.checker}: ${c.reason}`);
    }
    const shown = report.byObject.filter((o) => o.findings.length > 0 || o.staleExemptions.length > 0 || (verbose && o.exempted.length > 0));
    if (shown.length > 0) lines.push("");
    for (const o of shown) {
        lines.push(o.object);
        for (const f of o.findings) {
            lines.push(`  ${f.checker.padEnd(11)}  ${f.check}  [${f.severity}]  ${f.message}`);
            if (verbose && f.detail) lines.push(`      ${f.detail}`);
        }
        for (const d of o.staleExemptions)
            lines.push(
                `  ${d.checker.padEnd(11)}  ${d.check}  [stale exemption]  the object exempts it, but the checker does not report it there: remove the exemption`,
            );
        if (verbose) for (const f of o.exempted) lines.push(`  ${f.checker.padEnd(11)}  ${f.check}  [exempted]  ${f.reason}`);
    }
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
    const findings = report.checkers.reduce((n, c) => n + c.findings, 0);
    const exempted = report.checkers.reduce((n, c) => n + (c.exempted ?? 0), 0);
    const stale = report.checkers.reduce((n, c) => n + c.staleExemptions, 0);
    lines.push("");
    lines.push(
        `stack ${report.stack}: ${report.checkersRan} of ${report.checkers.length} checkers ran on ${report.objects} objects; ` +
            `${count(findings, "finding")}, ${exempted} exempted, ${count(stale, "stale exemption")} -> ${report.passed ? "PASS" : "FAIL"} (${report.seconds.toFixed(1)} s)`,
    );
    return lines;
}

/** Writes the objects without exemption annotations into dir, under the same file names. */
function writeUnexempted(files: string[], dir: string): string[] {
    fs.mkdirSync(dir, { recursive: true });
    return files.map((f) => {
        const out = path.join(dir, path.basename(f));
        fs.writeFileSync(
            out,
            readObjects(f)
                .map((o) => stringify(stripExemptions(o)))
                .join("---\n"),
        );
        return out;
    });
}

export const USAGE = "npm run check:manifests -- --stack <name> [--set key=value ...] [--verbose] [--json [FILE|-]] [--out DIR [--clean]] [--allow-missing]";

export const OPTIONS = {
    stack: { type: "string", short: "s" },
    set: { type: "string", multiple: true, default: [] as string[] },
    verbose: { type: "boolean", default: false },
    json: { type: "string" },
    out: { type: "string" },
    clean: { type: "boolean", default: false },
    "allow-missing": { type: "boolean", default: false },
} satisfies Options;

export const HELP: Pick<Cli<typeof OPTIONS>, "summary" | "flags" | "examples" | "optionalValues"> = {
    summary: "Renders the stack's Kubernetes objects and runs six manifest checkers on them; exit 1 on a finding or a stale exemption.",
    flags: {
        stack: { value: "<name>", text: "the stack to check (required)" },
        set: { value: "key=value", text: "override a config key for this check, as pulumi config set --path; repeatable" },
        verbose: { text: "also list exempted findings with their reasons, and the checkers' explanations" },
        json: { value: "[FILE|-]", text: "write the report as JSON to FILE; to stdout alone with - or no value (the table goes to stderr)" },
        out: { value: "DIR", text: "keep the rendered manifests in DIR (a new or empty folder)" },
        clean: { text: "with --out, delete the *.yaml files of an earlier render in DIR first" },
        "allow-missing": { text: "skip a checker that cannot be installed, with a warning, instead of failing" },
    },
    examples: [
        "npm run check:manifests -- --stack prod --verbose",
        "npm run -s check:manifests -- -s stage --set kubernetes.platform=kubernetes --json > stage.json",
    ],
    optionalValues: { json: "-" },
};

async function main(values: Values<typeof OPTIONS>): Promise<number> {
    const started = Date.now();
    if (!values.stack) throw await stackRequired();
    // A misspelt stack fails here, before the checkers are installed (and the SDK loads).
    stackFilePath(values.stack);
    const sets = parseSets(values.set ?? []);
    const [{ stackConfig, applySets }, { parseConfig, stackFileAndSets }] = await Promise.all([import("./mock-run"), import("../config/load")]);
    // The what-if's platform: --set kubernetes.platform=kubernetes checks the other SCC case.
    const openshift = parseConfig(applySets(stackConfig(values.stack), sets), [], stackFileAndSets(values.stack, sets)).kubernetes.platform === "openshift";
    const allowMissing = values["allow-missing"]!;
    // Paths first: a bad one must not wait for the checkers' install and the render.
    const jsonProblem = values.json && values.json !== "-" ? outputFileProblem("json", values.json) : undefined;
    if (jsonProblem) throw new Error(jsonProblem);
    if (values.clean && !values.out) throw new UsageError("--clean empties the --out folder; without --out the manifests go to a temporary folder");
    if (values.out) prepareOutDir(values.out, { clean: values.clean });
    // With --json -, the JSON is stdout's only content and the table goes to stderr.
    const say = values.json === "-" ? console.error : console.log;
    const cfg = ensureCheckers(allowMissing);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "check-manifests-"));
    try {
        const dir = values.out ? path.resolve(values.out) : path.join(work, "manifests");
        const files = (await renderStack(values.stack, dir, { sets })).sort();
        const rendered: Manifests = { dir, files, index: indexObjects(files) };
        const unexemptedDir = path.join(work, "without-exemptions");
        const unexempted: Manifests = { dir: unexemptedDir, files: writeUnexempted(files, unexemptedDir), index: rendered.index };
        const declared = files.flatMap((f) => readObjects(f).flatMap(declaredExemptions));

        const results = await Promise.all(
            CHECKERS.map(async (name) => {
                const tool = cfg[name];
                const base: CheckerReport = {
                    checker: name,
                    status: "ran",
                    version: tool.reports ?? tool.expects,
                    pinned: tool.expects,
                    source: tool.source,
                    findings: 0,
                    exempted: null,
                    staleExemptions: 0,
                    seconds: 0,
                };
                if (!tool.path)
                    return {
                        report: { ...base, status: "unavailable" as const, reason: tool.unavailable ?? "not installed" },
                        findings: [],
                        audit: { exempted: [], stale: [] },
                    };
                const t0 = Date.now();
                try {
                    const actual = await runChecker(name, tool.path, rendered, work, cfg, openshift);
                    // Without annotations, in a second pass: what the exemptions hide, and which hide nothing.
                    const audit: ExemptionAudit = HAS_EXEMPTIONS[name]
                        ? auditExemptions(name, (await runChecker(name, tool.path, unexempted, work, cfg, openshift)).findings, declared)
                        : { exempted: [], stale: [] };
                    const report: CheckerReport = {
                        ...base,
                        findings: actual.findings.length,
                        exempted: HAS_EXEMPTIONS[name] ? audit.exempted.length : null,
                        staleExemptions: audit.stale.length,
                        seconds: (Date.now() - t0) / 1000,
                        note: actual.note,
                    };
                    return { report, findings: actual.findings, audit };
                } catch (err) {
                    return {
                        report: { ...base, status: "error" as const, reason: (err as Error).message, seconds: (Date.now() - t0) / 1000 },
                        findings: [],
                        audit: { exempted: [], stale: [] },
                    };
                }
            }),
        );

        const checkers = results.map((r) => r.report);
        const ran = checkers.filter((c) => c.status === "ran").length;
        const passed =
            checkers.every((c) => c.status === "ran" || (c.status === "unavailable" && allowMissing)) &&
            checkers.every((c) => c.findings === 0 && c.staleExemptions === 0);
        const report: Report = {
            stack: values.stack,
            objects: files.length,
            passed,
            checkersRan: ran,
            seconds: (Date.now() - started) / 1000,
            checkers,
            byObject: groupByObject(
                results.flatMap((r) => r.findings),
                results.flatMap((r) => r.audit.exempted),
                results.flatMap((r) => r.audit.stale),
            ),
        };
        for (const line of formatReport(report, values.verbose!)) say(line);
        if (values.json) {
            const text = JSON.stringify(report, null, 2) + "\n";
            if (values.json === "-") process.stdout.write(text);
            else fs.writeFileSync(values.json, text);
        }
        return passed ? 0 : 1;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

if (require.main === module) {
    runCli({ name: "check:manifests", usage: USAGE, options: OPTIONS, ...HELP, main });
}
