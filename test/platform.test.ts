import { strict as assert } from "assert";
import { capacityReport } from "../tools/capacity";
import { listStacks, runProgram, unwrapSecrets } from "../tools/mock-run";
import { atLeast, K8S, ofType, plaintextOf, podSpecs, secretPaths, stackRun } from "./helpers";

/** Every stack file in the repository: a new one is tested without an edit here. */
const STACKS = listStacks();

describe("every stack", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            it("spreads every Deployment and StatefulSet over zones and nodes as a preference only, one-pod workloads included", async () => {
                const run = await stackRun(stack);
                const workloads = [...ofType(run, K8S.deployment), ...ofType(run, K8S.statefulSet)].map((r) => unwrapSecrets(r.inputs));
                assert.ok(workloads.length >= 5);
                for (const w of workloads) {
                    const spec = w.spec.template.spec;
                    const owner = `${w.kind}/${w.metadata.name}`;
                    assert.ok((spec.topologySpreadConstraints ?? []).length >= 1, `${owner}: topologySpreadConstraints`);
                    // A hard rule could leave a single pod (or Malwar's pod, bound to its claim's zone) unschedulable.
                    for (const c of spec.topologySpreadConstraints) assert.equal(c.whenUnsatisfiable, "ScheduleAnyway", owner);
                    assert.equal(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, undefined, owner);
                }
            });

            it("hardens every container itself, init and CronJob ones included: non-root uid, read-only root, no escalation", async () => {
                // Stricter than the run-as-non-root policy, which also accepts a pod-level setting.
                const specs = podSpecs(await stackRun(stack));
                assert.ok(specs.length >= 6);
                for (const { owner, spec } of specs) {
                    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                        assert.equal(c.securityContext?.runAsNonRoot, true, `${owner}/${c.name}`);
                        // A uid only where the platform does not assign one; never 0.
                        assert.ok(c.securityContext.runAsUser === undefined || c.securityContext.runAsUser > 0, `${owner}/${c.name} uid`);
                        assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${owner}/${c.name}`);
                        assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${owner}/${c.name}`);
                    }
                }
            });

            it("sends no field an API server without alpha feature gates drops (the engine would propose it on every preview)", async () => {
                const run = await stackRun(stack);
                for (const r of ofType(run, K8S.statefulSet)) {
                    const spec = unwrapSecrets(r.inputs).spec;
                    // MaxUnavailableStatefulSet: alpha in Kubernetes 1.33, off on most OpenShift releases.
                    assert.equal(spec.updateStrategy?.rollingUpdate?.maxUnavailable, undefined, `${r.name}: updateStrategy.rollingUpdate.maxUnavailable`);
                }
            });

            it("keeps only the namespace and Malwar's claim on destroy, and adopts them again on the next up", async () => {
                const run = await stackRun(stack);
                const kept = run.resources
                    .filter((r) => r.retainOnDelete && r.type.startsWith("kubernetes:"))
                    .map((r) => `${r.type} ${unwrapSecrets(r.inputs).metadata?.name}`)
                    .sort();
                assert.deepEqual(
                    kept,
                    [
                        "kubernetes:core/v1:Namespace " + unwrapSecrets(ofType(run, "kubernetes:core/v1:Namespace")[0].inputs).metadata.name,
                        `${K8S.pvc} malwar-data`,
                    ].sort(),
                );
                // And Malwar's backup bucket with its settings, where backups are on (not on local: no AWS there).
                const keptInAws = run.resources
                    .filter((r) => r.retainOnDelete && !r.type.startsWith("kubernetes:"))
                    .map((r) => r.type)
                    .sort();
                const bucketAndSettings = [
                    "Bucket",
                    "BucketLifecycleConfiguration",
                    "BucketOwnershipControls",
                    "BucketPolicy",
                    "BucketPublicAccessBlock",
                    "BucketServerSideEncryptionConfiguration",
                    "BucketVersioning",
                ];
                assert.deepEqual(keptInAws, stack === "local" ? [] : bucketAndSettings.map((t) => `aws:s3/${t[0].toLowerCase()}${t.slice(1)}:${t}`));
                // Without an adopting provider the next `up` fails: "namespaces ... already exists".
                const adopting = run.resources.filter(
                    (r) => r.type === "pulumi:providers:kubernetes" && String(unwrapSecrets(r.inputs).upsertExistingObjects) === "true",
                );
                assert.equal(adopting.length, 1);
                for (const r of atLeast(
                    run.resources.filter((x) => x.retainOnDelete && x.type.startsWith("kubernetes:")),
                    2,
                    "kept Kubernetes objects (the namespace, Malwar's claim)",
                )) {
                    assert.match(r.provider, new RegExp(`::${adopting[0].name}::`), `${r.name} is created through the adopting provider`);
                }
                for (const r of atLeast(
                    run.resources.filter((x) => x.type.startsWith("kubernetes:") && !x.retainOnDelete),
                    20,
                    "Kubernetes objects destroyed with the stack",
                )) {
                    assert.doesNotMatch(r.provider, new RegExp(`::${adopting[0].name}::`), `${r.name} must not silently adopt`);
                }
                // Every other claim goes with its StatefulSet (scratch layers, throwaway databases).
                for (const r of ofType(run, K8S.statefulSet)) {
                    const spec = unwrapSecrets(r.inputs).spec;
                    if (spec.volumeClaimTemplates?.length) assert.equal(spec.persistentVolumeClaimRetentionPolicy?.whenDeleted, "Delete", r.name);
                }
            });

            it("leaves readiness to the provider's await logic: no skip-await annotation", async () => {
                for (const r of atLeast(
                    (await stackRun(stack)).resources.filter((x) => x.type.startsWith("kubernetes:")),
                    20,
                    "Kubernetes objects",
                )) {
                    const annotations = unwrapSecrets(r.inputs).metadata?.annotations ?? {};
                    assert.equal(annotations["pulumi.com/skipAwait"], undefined, r.name);
                }
            });

            it("keeps generated secrets secret: marked secret, and nowhere in plaintext outside Secrets", async () => {
                const run = await stackRun(stack);
                assert.ok(run.generatedSecrets.length >= 3, "database passwords and keys are generated");
                // The value and the encodings a derived secret takes (Clair's PSK is base64 of one).
                const encodings = run.generatedSecrets.flatMap((v) => [v, Buffer.from(v).toString("base64"), Buffer.from(v).toString("hex")]);
                for (const r of run.resources) {
                    const visible = plaintextOf(r.inputs);
                    for (const value of encodings) {
                        assert.ok(!visible.includes(value), `${r.type} ${r.name} shows a generated secret in plaintext`);
                        // The engine stores IDs in plaintext (pulumi-random's RandomBytes uses its value as ID).
                        assert.ok(!(r.id ?? "").includes(value), `${r.type} ${r.name} has a generated secret as its ID`);
                    }
                }
                for (const r of atLeast(
                    run.resources.filter((x) => x.type === K8S.secret),
                    2,
                    "Secrets (Clair's config, Malwar's)",
                )) {
                    assert.deepEqual(secretPaths(r.inputs), ["stringData"], `${r.name}: stringData is secret`);
                }
                const outputs = JSON.stringify(run.outputs);
                for (const value of run.generatedSecrets) assert.ok(!outputs.includes(value), "no secret in a stack output");
                assert.equal(run.secretOutputs.length, 0, "no output carries a secret");
                if (stack !== "local") {
                    for (const db of atLeast(
                        run.resources.filter((x) => x.type === "aws:rds/instance:Instance"),
                        3,
                        "RDS instances (one per Clair node type)",
                    )) {
                        assert.deepEqual(secretPaths(db.inputs), ["password"]);
                    }
                }
            });
        });
    }

    it("keeps secrets from config secret too", async () => {
        const values = {
            malwarAnthropicApiKey: "sk-ant-test-0123456789",
            malwarWebhookSecret: "whsec-test-0123456789",
            malwarApiKeys: '["key-one-0123456789","key-two-0123456789"]',
        };
        const run = await runProgram("stage", {
            config: Object.fromEntries(Object.entries(values).map(([k, v]) => [`scanning-platform:${k}`, v])),
            secretKeys: Object.keys(values),
        });
        for (const r of run.resources) {
            const visible = plaintextOf(r.inputs);
            for (const v of ["sk-ant-test-0123456789", "whsec-test-0123456789", "key-one-0123456789"]) assert.ok(!visible.includes(v), `${r.name} leaks ${v}`);
        }
        assert.ok(!JSON.stringify(run.outputs).includes("key-one"));
    });
});

describe("capacity", () => {
    // The required figures (README: Capacity, the `clair` row): every Clair pod runs one container of 2 CPU / 2 GiB, every indexer has a
    // 100 GiB claim; prod runs 40/10/10, stage 4/1/1, and the one-year prediction 80/40/20 on prod.
    const CLAIR_POD = { cpu: 2, memoryGiB: 2 };
    const INDEXER_CLAIM_GIB = 100;
    const OVERVIEW = {
        prod: { indexer: 40, matcher: 10, notifier: 10 },
        stage: { indexer: 4, matcher: 1, notifier: 1 },
        year: { indexer: 80, matcher: 40, notifier: 20 },
    };
    const clair = (r: { indexer: number; matcher: number; notifier: number }) => {
        const pods = r.indexer + r.matcher + r.notifier;
        return { cpu: pods * CLAIR_POD.cpu, memoryGiB: pods * CLAIR_POD.memoryGiB, storageGiB: r.indexer * INDEXER_CLAIM_GIB };
    };
    const figures = (r: { cpu: number; memoryGiB: number; storageGiB: number }) => [r.cpu, r.memoryGiB, r.storageGiB];
    const minus = (a: ReturnType<typeof clair>, b: ReturnType<typeof clair>) => ({
        cpu: a.cpu - b.cpu,
        memoryGiB: a.memoryGiB - b.memoryGiB,
        storageGiB: a.storageGiB - b.storageGiB,
    });

    it("reproduces the Clair v4 deployment overview's current production: 120 CPU, 120 GiB, 4,000 GiB", async () => {
        const report = await capacityReport("prod", {});
        assert.deepEqual(figures(clair(OVERVIEW.prod)), [120, 120, 4000], "the overview's own totals");
        assert.deepEqual([...figures(report.clair), report.clair.rdsInstances], [...figures(clair(OVERVIEW.prod)), 3]);
    });

    it("reproduces the Clair v4 deployment overview's stage: 12 CPU, 12 GiB, 400 GiB", async () => {
        const report = await capacityReport("stage", {});
        assert.deepEqual(figures(clair(OVERVIEW.stage)), [12, 12, 400], "the overview's own totals");
        assert.deepEqual([...figures(report.clair), report.clair.rdsInstances], [...figures(clair(OVERVIEW.stage)), 3]);
    });

    it("reproduces the one-year prediction (80/40/20 on prod) and its delta", async () => {
        const report = await capacityReport(
            "prod",
            { "clair.indexer.replicas": "80", "clair.matcher.replicas": "40", "clair.notifier.replicas": "20" },
            "prod",
        );
        assert.deepEqual(figures(clair(OVERVIEW.year)), [280, 280, 8000], "the overview's own totals");
        assert.deepEqual(figures(report.clair), figures(clair(OVERVIEW.year)));
        const delta = minus(clair(OVERVIEW.year), clair(OVERVIEW.prod));
        assert.deepEqual(figures(report.compare!.delta.clair), figures(delta));
        // Only Clair changed, so the whole platform's delta is Clair's.
        assert.deepEqual(figures(report.compare!.delta.total), figures(delta));
    });

    it("compares stacks: prod minus stage", async () => {
        const report = await capacityReport("prod", {}, "stage");
        assert.deepEqual(figures(report.compare!.delta.clair), figures(minus(clair(OVERVIEW.prod), clair(OVERVIEW.stage))));
    });

    it("is the stack output `capacity` of the real program, total included", async () => {
        const run = await stackRun("prod");
        const capacity = run.outputs.capacity as any;
        // ClamAV: prod's 3 replicas at the default 1 CPU / 4 GiB of clamd plus the metrics
        // exporter sidecar's 100m / 128Mi (its init containers run before clamd and need less),
        // plus one run of the refresh CronJob at 100m / 128Mi (0.1 cores, 128/1024 GiB), plus the
        // signature mirror's pod: nginx 100m / 128Mi and freshclam 500m / 1Gi, with a 2 GiB claim;
        // Malwar: one pod at 0.5 CPU / 0.5 GiB with its 1 GiB claim, plus one run of its backup
        // CronJob: a snapshot init container, then the upload, each 250m / 256Mi, one after the
        // other, so the pod reserves 0.25 CPU / 0.25 GiB and mounts Malwar's claim (counted once,
        // with Malwar). Sums in millicores and MiB: no float noise.
        const mirror = { milli: 100 + 500, mib: 128 + 1024, storageGiB: 2 };
        const clamav = {
            cpu: (3 * (1000 + 100) + 100 + mirror.milli) / 1000,
            memoryGiB: (3 * (4096 + 128) + 128 + mirror.mib) / 1024,
            storageGiB: mirror.storageGiB,
        };
        const malwar = { cpu: 0.5 + 0.25, memoryGiB: 0.5 + 0.25, storageGiB: 1 };
        // clairctl: the pre and post upgrade Jobs, one pod each at the default 250m / 256Mi, counted as if running.
        const clairctl = { cpu: 2 * 0.25, memoryGiB: 2 * 0.25, storageGiB: 0 };
        assert.deepEqual(figures(capacity.apps.clair), figures(clair(OVERVIEW.prod)));
        assert.deepEqual(figures(capacity.apps.clairctl), figures(clairctl));
        assert.deepEqual(figures(capacity.apps.clamav), figures(clamav));
        assert.deepEqual(figures(capacity.apps.malwar), figures(malwar));
        const total = [clair(OVERVIEW.prod), clairctl, clamav, malwar].reduce((a, b) => ({
            cpu: a.cpu + b.cpu,
            memoryGiB: a.memoryGiB + b.memoryGiB,
            storageGiB: a.storageGiB + b.storageGiB,
        }));
        assert.deepEqual(figures(capacity.total), figures(total));
        assert.equal(capacity.total.pods, OVERVIEW.prod.indexer + OVERVIEW.prod.matcher + OVERVIEW.prod.notifier + 2 + 3 + 1 + 1 + 1 + 1);
        assert.deepEqual(
            capacity.workloads.map((w: any) => w.name),
            [
                "clair-indexer",
                "clair-matcher",
                "clair-notifier",
                "clair-pre-v4-8-0",
                "clair-post-v4-8-0",
                "clamav",
                "refresh-clamav-db",
                "clamav-mirror",
                "malwar",
                "malwar-backup",
            ],
        );
    });
});

describe("render", () => {
    it("writes one YAML file per Kubernetes object of the stack", async () => {
        const fs = await import("fs");
        const os = await import("os");
        const path = await import("path");
        const { parse } = await import("yaml");
        const { renderStack } = await import("../tools/render");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
        try {
            const files = await renderStack("prod", dir);
            const run = await stackRun("prod");
            const k8sObjects = run.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:pulumi"));
            assert.equal(files.length, k8sObjects.length);
            const kinds = files.map((f) => parse(fs.readFileSync(f, "utf8")).kind);
            for (const kind of ["StatefulSet", "Deployment", "CronJob", "Route", "Secret", "Service", "Role"]) assert.ok(kinds.includes(kind), kind);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/** The rows of CONTRIBUTING.md's exemption table (Manifest checkers section), as written. */
async function readmeExemptionRows(): Promise<string[]> {
    const fs = await import("fs");
    const lines = fs.readFileSync(`${__dirname}/../CONTRIBUTING.md`, "utf8").split("\n");
    const header = lines.indexOf("| checker | check | objects (stacks) | reason |");
    assert.ok(header > 0, "CONTRIBUTING.md: exemption table header");
    assert.equal(lines[header + 1], "|---|---|---|---|");
    const rows: string[] = [];
    for (let i = header + 2; i < lines.length && lines[i].startsWith("|"); i++) rows.push(lines[i]);
    return rows;
}

describe("kubernetes.priorityClassName", () => {
    it("reaches every pod of the local stack, in-cluster PostgreSQL included, and ends the priorityClassNotSet exemptions", async () => {
        const run = await runProgram("local", { sets: { "kubernetes.priorityClassName": "scanning-high" } });
        const specs = podSpecs(run);
        assert.ok(
            specs.some((s) => s.owner.startsWith("StatefulSet/clair-") && s.owner.endsWith("-db")),
            "in-cluster PostgreSQL present",
        );
        for (const { owner, spec } of specs) assert.equal(spec.priorityClassName, "scanning-high", owner);
        for (const r of run.resources) {
            const annotations = unwrapSecrets(r.inputs).metadata?.annotations ?? {};
            assert.equal(annotations["polaris.fairwinds.com/priorityClassNotSet-exempt"], undefined, r.name);
        }
    });
});

describe("checker exemptions", () => {
    it("are each documented in CONTRIBUTING.md with their reason, and it lists no other", async () => {
        const found = new Set<string>();
        for (const stack of STACKS) {
            const run = await stackRun(stack);
            for (const r of run.resources) {
                const annotations: Record<string, string> = r.inputs.metadata?.annotations ?? {};
                for (const [key, value] of Object.entries(annotations)) {
                    const reason = /^(kube-score|polaris)\.exemptions\.scanning-platform\/(.+)$/.exec(key);
                    if (reason) {
                        found.add(`| ${reason[1]} | \`${reason[2]}\` |§| ${value} |`);
                    } else if (key.startsWith("checkov.io/skip")) {
                        const [check, ...reason] = value.split("=");
                        found.add(`| checkov | \`${check}\` |§| ${reason.join("=")} |`);
                    } else if (key.startsWith("ignore-check.kube-linter.io/")) {
                        found.add(`| kube-linter | \`${key.split("/")[1]}\` |§| ${value} |`);
                    } else if (key === "kube-score/ignore") {
                        for (const check of value.split(","))
                            assert.ok(annotations[`kube-score.exemptions.scanning-platform/${check}`], `${r.name}: reason for ${check}`);
                    } else if (key.endsWith("-exempt")) {
                        assert.ok(
                            annotations[`polaris.exemptions.scanning-platform/${key.split("/")[1].replace(/-exempt$/, "")}`],
                            `${r.name}: reason for ${key}`,
                        );
                    }
                }
            }
        }
        assert.ok(found.size >= 15);
        const rows = await readmeExemptionRows();
        const matches = (row: string, entry: string) => {
            const [start, end] = entry.split("§");
            return row.startsWith(start) && row.endsWith(end);
        };
        for (const entry of found)
            assert.ok(
                rows.some((row) => matches(row, entry)),
                `CONTRIBUTING.md lacks ${entry}`,
            );
        // The other direction: a row no stack declares documents an exemption that no longer exists.
        for (const row of rows)
            assert.ok(
                [...found].some((entry) => matches(row, entry)),
                `CONTRIBUTING.md lists an exemption no object declares: ${row}`,
            );
    });
});

describe("RDS storage autoscaling", () => {
    const RDS = "aws:rds/instance:Instance";
    it("leaves allocatedStorage to RDS once it may grow it (stage and prod): a refresh sees no drift and an up never shrinks it", async () => {
        for (const stack of ["stage", "prod"]) {
            for (const db of atLeast(ofType(await stackRun(stack), RDS), 3, `${stack} RDS instances`)) {
                const inputs = unwrapSecrets(db.inputs);
                assert.ok(inputs.maxAllocatedStorage > inputs.allocatedStorage, `${stack} ${db.name}: storage autoscaling is on`);
                assert.deepEqual(db.ignoreChanges, ["allocatedStorage"], `${stack} ${db.name}`);
            }
        }
    });
    it("keeps allocatedStorage under the program when storage autoscaling is off (maxAllocatedStorageGiB 0)", async () => {
        const run = await runProgram("prod", { sets: { "clair.database.rds.maxAllocatedStorageGiB": "0" } });
        for (const db of atLeast(ofType(run, RDS), 3, "prod RDS instances")) {
            assert.equal(unwrapSecrets(db.inputs).maxAllocatedStorage, undefined, db.name);
            assert.deepEqual(db.ignoreChanges, [], db.name);
        }
    });
});
