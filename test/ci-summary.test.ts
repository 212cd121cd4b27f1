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
import {
    describePending,
    findOrphans,
    judge,
    lastSucceeded,
    lockFiles,
    pendingDecisions,
    procState,
    PROGRAM_KINDS,
    recordedObjects,
    repairCheckpoint,
    type LiveObject,
} from "../tools/stack-lock";
import { renderObjects } from "../tools/render";

const STACK_URN = "urn:pulumi:prod::scanning-platform::pulumi:pulumi:Stack::scanning-platform-prod";
const urn = (type: string, name: string) => `urn:pulumi:prod::scanning-platform::scanning:clair:Clair$${type}::${name}`;
const pre = (op: string, type: string, name: string, detailedDiff?: Record<string, { kind: string }>): EngineEvent => ({
    resourcePreEvent: { metadata: { op, type, urn: urn(type, name), detailedDiff } },
});
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
        assert.deepEqual(
            steps.changes.map((c) => `${c.op} ${c.name}`),
            ["update clair-matcher", "replace clair-pre-upgrade", "create clamav", "delete old"],
        );
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
        assert.deepEqual(
            steps.changes.map((c) => `${c.op} ${c.name}`),
            ["update clair-matcher"],
        );
        // A preview's events are all planned: they are its changes.
        assert.deepEqual(
            readSteps([planned("update", "clair-matcher")]).changes.map((c) => c.name),
            ["clair-matcher"],
        );
    });

    it("reads policy violations (resource and stack policies) and errors, not warnings or ephemeral lines", () => {
        const steps = readSteps([
            {
                policyEvent: {
                    resourceUrn: urn(DEPLOYMENT, "web"),
                    policyName: "requests-equal-limits",
                    policyPackName: "scanning-platform",
                    enforcementLevel: "mandatory",
                    message: 'Every container sets requests equal to limits.\nDeployment web, container app: cpu request "100m" differs from limit "200m"\n',
                },
            },
            {
                policyEvent: {
                    resourceUrn: STACK_URN,
                    policyName: "openshift-namespace-ids",
                    policyPackName: "scanning-platform",
                    enforcementLevel: "advisory",
                    message: "No fixed IDs.\npod x sets runAsUser\n",
                },
            },
            { diagnosticEvent: { message: "warning: something\n", severity: "warning" } },
            { diagnosticEvent: { message: "error: preview failed\n", severity: "error" } },
            { diagnosticEvent: { message: "error: in progress\n", severity: "error", ephemeral: true } },
        ]);
        assert.deepEqual(
            steps.violations.map((v) => [v.policy, v.level, v.resource, v.detail]),
            [
                ["requests-equal-limits", "mandatory", "Deployment web", 'Deployment web, container app: cpu request "100m" differs from limit "200m"'],
                ["openshift-namespace-ids", "advisory", "the stack", "pod x sets runAsUser"],
            ],
        );
        assert.deepEqual(steps.errors, ["error: preview failed"]);
    });

    it("skips lines that are not events: CLI warnings on stdout and a line cut off by a killed engine", () => {
        const text = [
            "warning: using pulumi-language-nodejs from $PATH",
            JSON.stringify(pre("update", DEPLOYMENT, "a")),
            `{"resourcePreEvent":{"metadata":{"op":"upd`,
        ].join("\n");
        assert.equal(parseEvents(text).length, 1);
    });
});

describe("pipeline event files: no debug diagnostics", () => {
    it("scripts/ci/events-filter.js drops debug diagnostics (they carry secrets in plaintext) and passes every other line", () => {
        const secret = "s3cr3t-from-a-RandomPassword-result";
        const lines = [
            JSON.stringify({
                sequence: 1,
                diagnosticEvent: { prefix: "debug: ", message: `RegisterResource RPC finished: resp: result,,,${secret}`, severity: "debug" },
            }),
            JSON.stringify({ sequence: 2, resourcePreEvent: { metadata: { op: "update", urn: "u", type: DEPLOYMENT } } }),
            JSON.stringify({ sequence: 3, diagnosticEvent: { message: "warning: something", severity: "warning" } }),
            "warning: a CLI line that is not JSON",
            JSON.stringify({ sequence: 4, diagnosticEvent: { message: "error: failed", severity: "error" } }),
        ];
        const r = spawnSync(process.execPath, [path.join(__dirname, "..", "scripts", "ci", "events-filter.js")], {
            input: lines.join("\n") + "\n",
            encoding: "utf8",
        });
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
        const steps = readSteps([
            {
                policyEvent: {
                    resourceUrn: urn(DEPLOYMENT, "web"),
                    policyName: "pinned-images",
                    policyPackName: "scanning-platform",
                    enforcementLevel: "mandatory",
                    message: "Pin images.\nDeployment web: image app:latest | not pinned\n",
                },
            },
        ]);
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
        assert.match(
            capacityTable({ ...change, after: { apps: { clair: figures(61, 122) }, total: figures(61, 122) } }),
            /^\| malwar \| 1 → 0 \(-1\) \| 0\.5 → 0 \(-0\.5\) \|/m,
        );
    });

    it("drift: each drifted resource and field; none; or that the check failed", () => {
        const drifted = driftMarkdown({
            stack: "prod",
            status: 255,
            steps: readSteps([pre("update", "kubernetes:core/v1:Service", "malwar", { "spec.ports[0].targetPort": { kind: "update" } })]),
        });
        assert.match(drifted, /^### Drift in `prod`: 1 resource$/m);
        assert.match(drifted, /^- update `Service malwar`: `spec\.ports\[0\]\.targetPort`$/m);
        assert.match(driftMarkdown({ stack: "prod", status: 0, steps: readSteps([]) }), /^### Drift in `prod`: none$/m);
        // A Deployment read mid-scale: the engine proposes an update with no field (it re-runs the
        // readiness wait); the summary says so instead of an unexplained update.
        const unready: EngineEvent[] = [
            {
                diagnosticEvent: {
                    urn: urn(DEPLOYMENT, "clamav"),
                    severity: "warning",
                    message:
                        "<{%reset%}>Refreshed resource is in an unhealthy state:\n* Resource 'clamav' was created but failed to initialize\n* [MinimumReplicasUnavailable] Deployment does not have minimum availability.\n<{%reset%}>\n",
                },
            },
            { diagnosticEvent: { urn: urn(DEPLOYMENT, "malwar"), severity: "warning", message: "some other warning\n" } },
            pre("update", DEPLOYMENT, "clamav"),
            pre("update", DEPLOYMENT, "malwar", { "spec.replicas": { kind: "update" } }),
        ];
        const lines = driftMarkdown({ stack: "prod", status: 255, steps: readSteps(unready) })
            .split("\n")
            .filter((l) => l.startsWith("- "));
        assert.deepEqual(lines, [
            "- update `Deployment clamav`: not ready when read (Resource 'clamav' was created but failed to initialize; [MinimumReplicasUnavailable] Deployment does not have minimum availability.), no field differs: the update re-runs the readiness wait",
            "- update `Deployment malwar`: `spec.replicas`",
        ]);
        assert.match(
            driftMarkdown({ stack: "prod", status: 1, steps: readSteps([{ diagnosticEvent: { message: "error: no credentials\n", severity: "error" } }]) }),
            /the check failed[\s\S]*error: no credentials/,
        );
    });
});

describe("stack locks: stale or live", () => {
    const lock = { file: "x.json", pid: 4242, username: "ci", hostname: "runner-1", timestamp: "2026-12-02T10:00:00Z" };
    const now = new Date("2026-12-02T10:30:00Z");

    it("stale when this host's holder is gone, or another host's lock is older than the bound; never a running holder here", () => {
        assert.equal(judge(lock, now, "runner-1", undefined, () => false).stale, true);
        assert.match(
            judge(lock, now, "runner-1", undefined, () => false).reason,
            /pid 4242 of ci@runner-1 since 2026-12-02T10:00:00Z \(30 min\); that process is gone/,
        );
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
        const op = (type: string, t: string, name: string) => ({
            type,
            resource: { urn: `urn:pulumi:local::scanning-platform::scanning:clair:Clair$${t}::${name}`, type: t },
        });
        assert.equal(
            describePending([op("updating", DEPLOYMENT, "clair-matcher"), op("creating", "kubernetes:core/v1:Service", "clair-indexer")]),
            "updating Deployment clair-matcher, creating Service clair-indexer",
        );
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
        assert.deepEqual(
            lockFiles(dir, "prod").map((f) => path.relative(dir, f)),
            [".pulumi/locks/organization/scanning-platform/prod/a.json", ".pulumi/locks/prod/b.json"],
        );
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

describe("stack locks: the checkpoint write a kill left unrenamed", () => {
    const setup = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backend-"));
        const stacks = path.join(dir, ".pulumi/stacks/scanning-platform");
        fs.mkdirSync(stacks, { recursive: true });
        return { dir, file: path.join(stacks, "local.json") };
    };
    it("takes a whole .tmp written after the checkpoint as the checkpoint: it records the update's last step", () => {
        const { dir, file } = setup();
        fs.writeFileSync(file, '{"step":1}');
        fs.writeFileSync(`${file}.attrs`, "");
        fs.writeFileSync(`${file}.5eed.tmp`, '{"step":2}');
        const done = repairCheckpoint(dir, "local");
        assert.equal(fs.readFileSync(file, "utf8"), '{"step":2}');
        assert.match(done.join("\n"), /took the finished write local\.json\.5eed\.tmp as local\.json/);
        assert.deepEqual(fs.readdirSync(path.dirname(file)), ["local.json"]);
        fs.rmSync(dir, { recursive: true });
    });
    it("drops a .tmp older than the checkpoint (a leftover that would roll the state back) and a cut-off one", () => {
        const { dir, file } = setup();
        fs.writeFileSync(`${file}.01d.tmp`, '{"step":1}');
        fs.utimesSync(`${file}.01d.tmp`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
        fs.writeFileSync(file, '{"step":2}');
        fs.writeFileSync(`${file}.cut.tmp`, '{"step":3');
        assert.equal(repairCheckpoint(dir, "local").length, 2);
        assert.equal(fs.readFileSync(file, "utf8"), '{"step":2}');
        assert.deepEqual(fs.readdirSync(path.dirname(file)), ["local.json"]);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("recovery: objects an unfinished update made and the state does not record", () => {
    const destroyEnded = "2026-12-03T08:38:38.000Z";
    const pulumiWrote = [{ manager: "pulumi-kubernetes" }];
    const object = (kind: string, name: string, created: string, extra: Partial<LiveObject["metadata"]> = {}, apiVersion = "v1"): LiveObject => ({
        apiVersion,
        kind,
        metadata: {
            name,
            namespace: "scanning-local",
            creationTimestamp: created,
            labels: { "app.kubernetes.io/managed-by": "pulumi" },
            managedFields: pulumiWrote,
            ...extra,
        },
    });
    const state = {
        resources: [
            { type: "pulumi:pulumi:Stack", urn: "urn:pulumi:local::p::pulumi:pulumi:Stack::p-local" },
            { type: "kubernetes:core/v1:Namespace", outputs: { kind: "Namespace", metadata: { name: "scanning-local" } } },
            { type: "kubernetes:core/v1:Service", outputs: { kind: "Service", metadata: { name: "clamav", namespace: "scanning-local" } } },
            {
                type: "kubernetes:policy/v1:PodDisruptionBudget",
                outputs: { kind: "PodDisruptionBudget", metadata: { name: "clamav", namespace: "scanning-local" } },
            },
        ],
    };
    const names = (list: LiveObject[]) => list.map((o) => `${o.kind}/${o.metadata.name}`);

    it("records the state's Kubernetes resources by group, kind, namespace and name; a pending create is not recorded", () => {
        const recorded = recordedObjects({
            ...state,
            pending_operations: [
                {
                    type: "creating",
                    resource: { urn: "u", type: "kubernetes:core/v1:Service", inputs: { metadata: { name: "clair-matcher", namespace: "scanning-local" } } },
                },
            ],
        } as any);
        assert.deepEqual([...recorded].sort(), [
            "/Namespace//scanning-local",
            "/Service/scanning-local/clamav",
            "policy/PodDisruptionBudget/scanning-local/clamav",
        ]);
    });

    it("finds what the provider wrote after the last successful update, with the program's label, owned by nothing and recorded nowhere; never deletes a claim", () => {
        const after = "2026-12-03T08:38:45Z";
        const live = [
            object("Service", "clair-matcher", after), // the orphan: the killed update made it
            object("PodDisruptionBudget", "clair-indexer", after, {}, "policy/v1"),
            object("PodDisruptionBudget", "clamav", after, {}, "policy/v1"), // recorded
            object("Service", "clamav", after), // recorded
            object("Service", "made-by-hand", after, { managedFields: [{ manager: "kubectl-client-side-apply" }] }),
            object("Endpoints", "clair-matcher", after, { managedFields: [{ manager: "kube-controller-manager" }] }),
            object("ReplicaSet", "clamav-7d9", after, { ownerReferences: [{ kind: "Deployment" }] }, "apps/v1"),
            object("ConfigMap", "other-tool", after, { labels: { "app.kubernetes.io/managed-by": "Helm" } }),
            object("PersistentVolumeClaim", "malwar-data", "2026-12-01T10:00:00Z"), // kept on destroy, long before
            object("PersistentVolumeClaim", "scratch", after),
        ];
        const { remove, keep } = findOrphans(live, recordedObjects(state), new Date(destroyEnded), "pulumi");
        assert.deepEqual(names(remove), ["Service/clair-matcher", "PodDisruptionBudget/clair-indexer"]);
        assert.deepEqual(names(keep), ["PersistentVolumeClaim/scratch"]);
    });

    it("takes the bound from the last update or destroy that succeeded, less a minute of clock skew between this host and the cluster", () => {
        const history = [
            { kind: "update", result: "failed", endTime: "2026-12-03T08:41:36.000Z" },
            { kind: "refresh", result: "succeeded", endTime: "2026-12-03T08:41:19.000Z" },
            { kind: "destroy", result: "succeeded", endTime: destroyEnded },
            { kind: "update", result: "succeeded", endTime: "2026-12-03T08:37:14.000Z" },
        ];
        const since = lastSucceeded(history)!;
        assert.equal(since.toISOString(), destroyEnded);
        assert.equal(lastSucceeded([{ kind: "update", result: "failed", endTime: destroyEnded }]), undefined);
        // 60 s before the destroy ended: just inside and just outside.
        const edge = (created: string) => names(findOrphans([object("Service", "s", created)], new Set(), since, "pulumi").remove);
        assert.deepEqual(edge("2026-12-03T08:37:38Z"), ["Service/s"]);
        assert.deepEqual(edge("2026-12-03T08:37:37Z"), []);
        // No update ever succeeded (a first deploy killed): every unrecorded object is an orphan.
        assert.deepEqual(names(findOrphans([object("Service", "s", "2020-01-01T00:00:00Z")], new Set(), undefined, "pulumi").remove), ["Service/s"]);
    });

    it("clears every pending create (its object, if made, was deleted) and leaves updates and deletes to the refresh", () => {
        const op = (type: string, urn: string) => ({ type, resource: { urn, type: "kubernetes:apps/v1:Deployment" } });
        assert.deepEqual(pendingDecisions([op("creating", "urn:a"), op("updating", "urn:b"), op("deleting", "urn:c")]), [
            "clear urn:a",
            "refresh urn:b",
            "refresh urn:c",
        ]);
    });

    it("knows every kind of object the program renders on every stack, as the group and kind the API server gives them", async function () {
        this.timeout(120000);
        const known = new Set(PROGRAM_KINDS.map((k) => `${k.group}/${k.kind}`));
        // A kubectl resource name is the kind's lower-case English plural, then the group:
        // "deployments.apps", "networkpolicies.networking.k8s.io", "ingresses.networking.k8s.io".
        const plural = (kind: string) => kind.toLowerCase().replace(/y$/, "ie").replace(/s$/, "se") + "s";
        for (const k of PROGRAM_KINDS) assert.equal(k.resource, [plural(k.kind), ...(k.group ? [k.group] : [])].join("."));
        for (const stack of ["local", "stage", "prod"]) {
            for (const o of await renderObjects(stack)) {
                const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
                assert.ok(known.has(`${group}/${o.kind}`), `${stack}: ${o.apiVersion} ${o.kind} ${o.metadata.name} is not in PROGRAM_KINDS`);
            }
        }
    });
});
