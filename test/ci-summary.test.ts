/**
 * The pipeline's summaries (tools/ci-summary.ts) and the lock verdicts (tools/stack-lock.ts),
 * from engine events written here in the format of Pulumi's engine event stream
 * (apitype.EngineEvent: one object per line, keyed by the event's kind).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { capacityChanged, capacityTable, changesByKind, driftMarkdown, parseEvents, previewMarkdown, readSteps, type EngineEvent } from "../tools/ci-summary";
import { describePending, judge, lockFiles, procState, repairCheckpoint } from "../tools/stack-lock";

const STACK_URN = "urn:pulumi:prod::scanning-platform::pulumi:pulumi:Stack::scanning-platform-prod";
const urn = (type: string, name: string) => `urn:pulumi:prod::scanning-platform::scanning:clair:Clair$${type}::${name}`;
const pre = (op: string, type: string, name: string, detailedDiff?: Record<string, { kind: string }>): EngineEvent => ({ resourcePreEvent: { metadata: { op, type, urn: urn(type, name), detailedDiff } } });
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";

describe("pipeline summaries: reading the engine's events", () => {
    it("counts each changed resource once: a replacement's three steps are one replace; same, read, refresh and the stack are not changes", () => {
        const steps = readSteps([
            { resourcePreEvent: { metadata: { op: "same", type: "pulumi:pulumi:Stack", urn: STACK_URN } } },
            pre("update", "pulumi:pulumi:Stack", "scanning-platform-prod"),
            pre("same", DEPLOYMENT, "clamav"),
            pre("refresh", DEPLOYMENT, "malwar"),
            pre("read", "kubernetes:core/v1:ConfigMap", "kube-root-ca.crt"),
            pre("update", DEPLOYMENT, "clair-matcher", { "spec.replicas": { kind: "update" } }),
            pre("create-replacement", JOB, "clair-pre-upgrade"),
            pre("replace", JOB, "clair-pre-upgrade", { "spec.template": { kind: "update-replace" } }),
            pre("delete-replaced", JOB, "clair-pre-upgrade"),
            pre("create", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "clamav"),
            pre("delete", "kubernetes:core/v1:Service", "old"),
        ]);
        assert.deepEqual(steps.changes.map((c) => `${c.op} ${c.name}`), ["update clair-matcher", "replace clair-pre-upgrade", "create clamav", "delete old"]);
        assert.deepEqual(steps.changes[0].fields, ["spec.replicas"]);
        assert.deepEqual(changesByKind(steps.changes), [
            { kind: "Deployment", counts: { update: 1 } },
            { kind: "HorizontalPodAutoscaler", counts: { create: 1 } },
            { kind: "Job", counts: { replace: 1 } },
            { kind: "Service", counts: { delete: 1 } },
        ]);
    });

    it("counts an update that previews first once: its done steps, not also the planned ones", () => {
        const planned = (op: string, name: string): EngineEvent => ({ resourcePreEvent: { ...pre(op, DEPLOYMENT, name).resourcePreEvent!, planning: true } });
        const steps = readSteps([planned("update", "clair-matcher"), planned("create", "extra"), pre("update", DEPLOYMENT, "clair-matcher")]);
        assert.deepEqual(steps.changes.map((c) => `${c.op} ${c.name}`), ["update clair-matcher"]);
        // A preview's events are all planned: they are its changes.
        assert.deepEqual(readSteps([planned("update", "clair-matcher")]).changes.map((c) => c.name), ["clair-matcher"]);
    });

    it("reads policy violations (resource and stack policies) and errors, not warnings or ephemeral lines", () => {
        const steps = readSteps([
            { policyEvent: { resourceUrn: urn(DEPLOYMENT, "web"), policyName: "requests-equal-limits", policyPackName: "scanning-platform", enforcementLevel: "mandatory", message: "Every container sets requests equal to limits.\nDeployment web, container app: cpu request \"100m\" differs from limit \"200m\"\n" } },
            { policyEvent: { resourceUrn: STACK_URN, policyName: "openshift-namespace-ids", policyPackName: "scanning-platform", enforcementLevel: "advisory", message: "No fixed IDs.\npod x sets runAsUser\n" } },
            { diagnosticEvent: { message: "warning: something\n", severity: "warning" } },
            { diagnosticEvent: { message: "error: preview failed\n", severity: "error" } },
            { diagnosticEvent: { message: "error: in progress\n", severity: "error", ephemeral: true } },
        ]);
        assert.deepEqual(steps.violations.map((v) => [v.policy, v.level, v.resource, v.detail]), [
            ["requests-equal-limits", "mandatory", "Deployment web", "Deployment web, container app: cpu request \"100m\" differs from limit \"200m\""],
            ["openshift-namespace-ids", "advisory", "the stack", "pod x sets runAsUser"],
        ]);
        assert.deepEqual(steps.errors, ["error: preview failed"]);
    });

    it("skips lines that are not events: CLI warnings on stdout and a line cut off by a killed engine", () => {
        const text = ["warning: using pulumi-language-nodejs from $PATH", JSON.stringify(pre("update", DEPLOYMENT, "a")), `{"resourcePreEvent":{"metadata":{"op":"upd`].join("\n");
        assert.equal(parseEvents(text).length, 1);
    });
});

describe("pipeline event files: no debug diagnostics", () => {
    it("scripts/ci/events-filter.js drops debug diagnostics (they carry secrets in plaintext) and passes every other line", () => {
        const secret = "s3cr3t-from-a-RandomPassword-result";
        const lines = [
            JSON.stringify({ sequence: 1, diagnosticEvent: { prefix: "debug: ", message: `RegisterResource RPC finished: resp: result,,,${secret}`, severity: "debug" } }),
            JSON.stringify({ sequence: 2, resourcePreEvent: { metadata: { op: "update", urn: "u", type: DEPLOYMENT } } }),
            JSON.stringify({ sequence: 3, diagnosticEvent: { message: "warning: something", severity: "warning" } }),
            "warning: a CLI line that is not JSON",
            JSON.stringify({ sequence: 4, diagnosticEvent: { message: "error: failed", severity: "error" } }),
        ];
        const r = spawnSync(process.execPath, [path.join(__dirname, "..", "scripts", "ci", "events-filter.js")], { input: lines.join("\n") + "\n", encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, [lines[1], lines[2], lines[3], lines[4]].join("\n") + "\n");
        assert.ok(!r.stdout.includes(secret));
    });
});

describe("pipeline summaries: Markdown", () => {
    const figures = (pods: number, cpu: number) => ({ pods, cpu, memoryGiB: cpu, storageGiB: 0, rdsInstances: 0, rdsStorageGiB: 0 });

    it("preview: the verdict, the table by kind, each resource with its fields, the policy section", () => {
        const steps = readSteps([pre("update", DEPLOYMENT, "clair-matcher", { "spec.replicas": { kind: "update" } })]);
        const text = previewMarkdown({ stack: "prod", status: 0, steps, policyConfig: "policy/config.prod.json" });
        assert.match(text, /^### Preview of `prod`: 1 to change$/m);
        assert.match(text, /^\| kind \| create \| update \| replace \| delete \| import \|$/m);
        assert.match(text, /^\| Deployment \| 0 \| 1 \| 0 \| 0 \| 0 \|$/m);
        assert.match(text, /^- update `Deployment clair-matcher`: `spec\.replicas`$/m);
        assert.match(text, /^#### Policy pack \(`policy\/config\.prod\.json`\)\n\nNo policy violations\.$/m);
        assert.match(previewMarkdown({ stack: "prod", status: 0, steps: readSteps([]), policyConfig: "p" }), /: no changes$/m);
        // scripts/ci/deploy's summary of what the update did.
        assert.match(previewMarkdown({ stack: "prod", status: 0, steps, policyConfig: "p", title: "Update" }), /^### Update of `prod`: 1 to change$/m);
    });

    it("preview: a failed preview with mandatory violations says it was refused and lists them", () => {
        const steps = readSteps([{ policyEvent: { resourceUrn: urn(DEPLOYMENT, "web"), policyName: "pinned-images", policyPackName: "scanning-platform", enforcementLevel: "mandatory", message: "Pin images.\nDeployment web: image app:latest | not pinned\n" } }]);
        const text = previewMarkdown({ stack: "stage", status: 255, steps, policyConfig: "policy/config.stage.json" });
        assert.match(text, /^### Preview of `stage`: refused by 1 mandatory policy violation$/m);
        // A pipe in a message would end the table cell.
        assert.match(text, /^\| `pinned-images` \| mandatory \| Deployment web \| Deployment web: image app:latest \\\| not pinned \|$/m);
        assert.match(previewMarkdown({ stack: "stage", status: 1, steps: readSteps([]), policyConfig: "p" }), /: failed$/m);
    });

    it("capacity: before → after (delta) where a figure changes, the figure alone where it does not, a TOTAL row", () => {
        const change = {
            beforeLabel: "deployed",
            before: { apps: { clair: figures(60, 120), malwar: figures(1, 0.5) }, total: figures(61, 120.5) },
            after: { apps: { clair: figures(61, 122), malwar: figures(1, 0.5) }, total: figures(62, 122.5) },
        };
        const table = capacityTable(change).split("\n");
        assert.equal(table[0], "| app | pods | CPU cores | memory GiB | storage GiB | RDS instances | RDS storage GiB |");
        assert.equal(table[2], "| clair | 60 → 61 (+1) | 120 → 122 (+2) | 120 → 122 (+2) | 0 | 0 | 0 |");
        assert.equal(table[3], "| malwar | 1 | 0.5 | 0.5 | 0 | 0 | 0 |");
        assert.equal(table[4], "| **TOTAL** | 61 → 62 (+1) | 120.5 → 122.5 (+2) | 120.5 → 122.5 (+2) | 0 | 0 | 0 |");
        assert.equal(capacityChanged(change), true);
        assert.equal(capacityChanged({ ...change, after: change.before }), false);
        // A stack not deployed yet: every figure from 0; an app that goes away: to 0.
        assert.match(capacityTable({ beforeLabel: "not deployed yet", before: undefined, after: change.after }), /^\| clair \| 0 → 61 \(\+61\) \|/m);
        assert.match(capacityTable({ ...change, after: { apps: { clair: figures(61, 122) }, total: figures(61, 122) } }), /^\| malwar \| 1 → 0 \(-1\) \| 0\.5 → 0 \(-0\.5\) \|/m);
    });

    it("drift: each drifted resource and field; none; or that the check failed", () => {
        const drifted = driftMarkdown({ stack: "prod", status: 255, steps: readSteps([pre("update", "kubernetes:core/v1:Service", "malwar", { "spec.ports[0].targetPort": { kind: "update" } })]) });
        assert.match(drifted, /^### Drift in `prod`: 1 resource$/m);
        assert.match(drifted, /^- update `Service malwar`: `spec\.ports\[0\]\.targetPort`$/m);
        assert.match(driftMarkdown({ stack: "prod", status: 0, steps: readSteps([]) }), /^### Drift in `prod`: none$/m);
        // A Deployment read mid-scale: the engine proposes an update with no field (it re-runs the
        // readiness wait); the summary says so instead of an unexplained update.
        const unready: EngineEvent[] = [
            { diagnosticEvent: { urn: urn(DEPLOYMENT, "clamav"), severity: "warning", message: "<{%reset%}>Refreshed resource is in an unhealthy state:\n* Resource 'clamav' was created but failed to initialize\n* [MinimumReplicasUnavailable] Deployment does not have minimum availability.\n<{%reset%}>\n" } },
            { diagnosticEvent: { urn: urn(DEPLOYMENT, "malwar"), severity: "warning", message: "some other warning\n" } },
            pre("update", DEPLOYMENT, "clamav"),
            pre("update", DEPLOYMENT, "malwar", { "spec.replicas": { kind: "update" } }),
        ];
        const lines = driftMarkdown({ stack: "prod", status: 255, steps: readSteps(unready) }).split("\n").filter((l) => l.startsWith("- "));
        assert.deepEqual(lines, [
            "- update `Deployment clamav`: not ready when read (Resource 'clamav' was created but failed to initialize; [MinimumReplicasUnavailable] Deployment does not have minimum availability.), no field differs: the update re-runs the readiness wait",
            "- update `Deployment malwar`: `spec.replicas`",
        ]);
        assert.match(driftMarkdown({ stack: "prod", status: 1, steps: readSteps([{ diagnosticEvent: { message: "error: no credentials\n", severity: "error" } }]) }), /the check failed[\s\S]*error: no credentials/);
    });
});

describe("stack locks: stale or live", () => {
    const lock = { file: "x.json", pid: 4242, username: "ci", hostname: "runner-1", timestamp: "2026-12-02T10:00:00Z" };
    const now = new Date("2026-12-02T10:30:00Z");

    it("stale when this host's holder is gone, or another host's lock is older than the bound; never a running holder here", () => {
        assert.equal(judge(lock, now, "runner-1", undefined, () => false).stale, true);
        assert.match(judge(lock, now, "runner-1", undefined, () => false).reason, /pid 4242 of ci@runner-1 since 2026-12-02T10:00:00Z \(30 min\); that process is gone/);
        assert.equal(judge(lock, now, "runner-1", undefined, () => true).stale, false);
        // Another host: its pid means nothing here; only the age bound can call it stale.
        const elsewhere = judge(lock, now, "runner-2", undefined, () => false);
        assert.equal(elsewhere.stale, false);
        assert.match(elsewhere.reason, /SSCAN_LOCK_MAX_AGE_MINUTES/);
        assert.equal(judge(lock, now, "runner-2", 29, () => false).stale, true);
        assert.equal(judge(lock, now, "runner-2", 31, () => false).stale, false);
        // On this host the holder's liveness decides, whatever the age bound.
        assert.equal(judge(lock, now, "runner-1", 29, () => true).stale, false);
        assert.equal(judge(lock, now, "runner-1", 31, () => false).stale, true);
    });

    it("reads a process's state from /proc/<pid>/stat, whatever its command name holds (a zombie holds no lock)", () => {
        // proc(5): pid (comm) state ppid ...; comm may itself hold spaces and parentheses.
        assert.equal(procState("23496 (pulumi) Z 1 23400 23400 0 -1 4227140"), "Z");
        assert.equal(procState("812 (node (a) b) S 1 812 812 0 -1"), "S");
        assert.equal(procState(`${process.pid} ${fs.readFileSync(`/proc/${process.pid}/stat`, "utf8").split(" ").slice(1).join(" ")}`), "R");
        assert.equal(procState("garbage"), undefined);
    });

    it("says what the killed update was doing, from its pending operations", () => {
        const op = (type: string, t: string, name: string) => ({ type, resource: { urn: `urn:pulumi:local::scanning-platform::scanning:clair:Clair$${t}::${name}`, type: t } });
        assert.equal(describePending([op("updating", DEPLOYMENT, "clair-matcher"), op("creating", "kubernetes:core/v1:Service", "clair-indexer")]), "updating Deployment clair-matcher, creating Service clair-indexer");
    });

    it("finds the stack's lock files in a file backend, project-scoped and in the older layout", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "locks-"));
        const scoped = path.join(dir, ".pulumi/locks/organization/scanning-platform/prod");
        const older = path.join(dir, ".pulumi/locks/prod");
        fs.mkdirSync(scoped, { recursive: true });
        fs.mkdirSync(older, { recursive: true });
        fs.writeFileSync(path.join(scoped, "a.json"), "{}");
        fs.writeFileSync(path.join(scoped, "a.json.attrs"), "{}");
        fs.writeFileSync(path.join(older, "b.json"), "{}");
        fs.mkdirSync(path.join(dir, ".pulumi/locks/organization/scanning-platform/stage"), { recursive: true });
        fs.writeFileSync(path.join(dir, ".pulumi/locks/organization/scanning-platform/stage/c.json"), "{}");
        assert.deepEqual(lockFiles(dir, "prod").map((f) => path.relative(dir, f)), [".pulumi/locks/organization/scanning-platform/prod/a.json", ".pulumi/locks/prod/b.json"]);
        assert.deepEqual(lockFiles(dir, "local"), []);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("stack locks: a checkpoint a kill cut off", () => {
    it("removes an empty .attrs and a leftover .tmp, restores a cut-off checkpoint from .bak, and leaves a sound one alone", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backend-"));
        const stacks = path.join(dir, ".pulumi/stacks/scanning-platform");
        fs.mkdirSync(stacks, { recursive: true });
        const file = path.join(stacks, "local.json");
        fs.writeFileSync(file, '{"version":3}');
        fs.writeFileSync(`${file}.attrs`, "");
        fs.writeFileSync(`${file}.bak`, '{"version":3}');
        fs.writeFileSync(`${file}.0123abcd.tmp`, '{"vers');
        assert.equal(repairCheckpoint(dir, "local").length, 2);
        assert.ok(!fs.existsSync(`${file}.attrs`) && !fs.existsSync(`${file}.0123abcd.tmp`));
        fs.writeFileSync(file, '{"vers');
        assert.match(repairCheckpoint(dir, "local").join("\n"), /restored local\.json from local\.json\.bak/);
        assert.equal(fs.readFileSync(file, "utf8"), '{"version":3}');
        assert.deepEqual(repairCheckpoint(dir, "local"), []);
        fs.rmSync(dir, { recursive: true });
    });
});
