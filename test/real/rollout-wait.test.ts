/**
 * The Clair Deployments' `pulumi.com/waitFor` annotation, judged by pulumi-kubernetes' own code:
 * tools/waitfor-check, built from the provider source archive the toolchain builds the provider
 * from (../shared/upstream-src, or SSCAN_UPSTREAM_SRC), calls metadata.ReadyCondition, which
 * parses the annotation (its JSONPath parser included), and Satisfied() on a Deployment with a
 * given status. The statuses are the deployment controller's at the points of a rollout
 * (k8s.io/kubernetes pkg/controller/deployment: getNewReplicaSet sets reason NewReplicaSetCreated,
 * syncRolloutStatus ReplicaSetUpdated while it progresses and NewReplicaSetAvailable once
 * DeploymentComplete holds); only the last one may end the wait. Cold, the build compiles
 * client-go and the provider's packages: about 2 minutes on 2 cores.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, runProgram, unwrapSecrets, type MockRun } from "../../tools/mock-run";
import { has, skipOutsideCi, upstreamSrc } from "../host-tools";

const CHECK_SOURCE = path.join(ROOT, "tools/waitfor-check/main.go");
const GENERATION = 7;

interface Verdict {
    name: string;
    ready: boolean;
    custom: boolean;
    error?: string;
}

/** The provider's version, as the program's SDK pins it. */
function providerVersion(): string {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    return lock.packages["node_modules/@pulumi/kubernetes"].version;
}

/** The archive, checked against the sha256 its folder's README lists (as scripts/toolchain.sh does). */
function verifiedArchive(ctx: Mocha.Context, name: string): string {
    const dir = upstreamSrc();
    const readme = path.join(dir, "README.md");
    const file = path.join(dir, name);
    if (!fs.existsSync(readme) || !fs.existsSync(file))
        skipOutsideCi(ctx, `${file} is missing: set SSCAN_UPSTREAM_SRC to the folder holding the upstream source archives`);
    const row = fs
        .readFileSync(readme, "utf8")
        .split("\n")
        .find((line) => line.startsWith(`| \`${name}\` |`));
    const want = row?.match(/([0-9a-f]{64})\s*\|\s*$/)?.[1];
    assert.ok(want, `${readme} lists no sha256 for ${name}`);
    const got = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    assert.equal(got, want, `${file}: sha256 differs from ${readme}`);
    return file;
}

function run(
    command: string,
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
        child.stdin.end(options.input ?? "");
    });
}

/** Unpacks the provider source and builds tools/waitfor-check against it (a `replace` directive). */
async function buildCheck(ctx: Mocha.Context, tmp: string): Promise<string> {
    const version = providerVersion();
    const archive = verifiedArchive(ctx, `pulumi-kubernetes-v${version}-provider-src.tar.gz`);
    const src = path.join(tmp, "src");
    fs.mkdirSync(src);
    const untar = spawnSync("tar", ["-xzf", archive, "-C", src], { encoding: "utf8" });
    assert.equal(untar.status, 0, untar.stderr);
    const provider = path.join(src, `k8s-v${version}`, "provider");
    const providerMod = fs.readFileSync(path.join(provider, "go.mod"), "utf8");
    const goLine = providerMod.match(/^go (\S+)$/m)?.[1];
    assert.ok(goLine, "the provider's go.mod has a go line");
    const mod = path.join(tmp, "waitfor-check");
    fs.mkdirSync(mod);
    fs.copyFileSync(CHECK_SOURCE, path.join(mod, "main.go"));
    // The provider's go.sum covers every module it needs: no checksum lookups beyond it.
    fs.copyFileSync(path.join(provider, "go.sum"), path.join(mod, "go.sum"));
    // The module edits scripts/toolchain.sh makes to build the provider (build_provider_kubernetes):
    // the proxy refuses the archive's pinned pulumi pkg/sdk and fluxcd/pkg/ssa versions.
    fs.writeFileSync(
        path.join(mod, "go.mod"),
        [
            "module sscan.local/waitfor-check",
            "",
            `go ${goLine}`,
            "",
            "require (",
            "\tgithub.com/pulumi/pulumi-kubernetes/provider/v4 v4.0.0",
            "\tgithub.com/pulumi/pulumi/pkg/v3 v3.246.0",
            "\tgithub.com/pulumi/pulumi/sdk/v3 v3.246.0",
            ")",
            "",
            `replace github.com/pulumi/pulumi-kubernetes/provider/v4 => ${provider}`,
            "",
            `replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => github.com/pulumi/pulumi-kubernetes/sdk/v4 v${version}`,
            "",
            "replace github.com/fluxcd/pkg/ssa => github.com/fluxcd/pkg/ssa v0.76.0",
            "",
        ].join("\n"),
    );
    const bin = path.join(tmp, "waitfor-check-bin");
    const env = { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", CGO_ENABLED: "0", GONOSUMDB: "github.com/pulumi/pulumi-kubernetes/sdk" };
    const built = await run("nice", ["-n", "19", "go", "build", "-o", bin, "."], { cwd: mod, env });
    assert.equal(built.status, 0, `go build of tools/waitfor-check failed:\n${built.stderr}`);
    return bin;
}

const condition = (type: string, status: string, reason: string) => ({ type, status, reason, message: `${type} ${reason}` });
const available = condition("Available", "True", "MinimumReplicasAvailable");
const unavailable = condition("Available", "False", "MinimumReplicasUnavailable");

/** The Deployment as the API server would hold it: the rendered object at GENERATION with `status`. */
function withStatus(deployment: any, status: Record<string, unknown>, spec: Record<string, unknown> = {}): any {
    return { ...deployment, metadata: { ...deployment.metadata, generation: GENERATION }, spec: { ...deployment.spec, ...spec }, status };
}

/** Counts the controller writes; a zero is omitted from the status, as the API server serializes it. */
const counts = (c: { replicas: number; updated: number; ready: number; available: number }) =>
    Object.fromEntries(
        Object.entries({ replicas: c.replicas, updatedReplicas: c.updated, readyReplicas: c.ready, availableReplicas: c.available }).filter(([, v]) => v !== 0),
    );

/** The statuses of one rollout of a Deployment of `n` pods at GENERATION, and whether each may end the wait. */
function rollout(n: number): [string, Record<string, unknown>, boolean][] {
    const observed = { observedGeneration: GENERATION };
    return [
        [
            "previous rollout's complete status, this generation not yet observed",
            {
                observedGeneration: GENERATION - 1,
                ...counts({ replicas: n, updated: n, ready: n, available: n }),
                conditions: [available, condition("Progressing", "True", "NewReplicaSetAvailable")],
            },
            false,
        ],
        [
            "new ReplicaSet created (NewReplicaSetCreated)",
            {
                ...observed,
                ...counts({ replicas: n + 1, updated: 1, ready: n, available: n }),
                conditions: [available, condition("Progressing", "True", "NewReplicaSetCreated")],
            },
            false,
        ],
        [
            "first new pod ready, old pods still running (ReplicaSetUpdated): where the provider's own await ended",
            {
                ...observed,
                ...counts({ replicas: n + 1, updated: 1, ready: n + 1, available: n + 1 }),
                conditions: [available, condition("Progressing", "True", "ReplicaSetUpdated")],
            },
            false,
        ],
        [
            "every pod updated, the last not yet available (ReplicaSetUpdated)",
            {
                ...observed,
                ...counts({ replicas: n, updated: n, ready: n, available: n - 1 }),
                conditions: [unavailable, condition("Progressing", "True", "ReplicaSetUpdated")],
            },
            false,
        ],
        [
            "old reason still in place, no pod of the new template yet (Recreate after the scale-down, a reused ReplicaSet)",
            {
                ...observed,
                ...counts({ replicas: n, updated: 0, ready: n, available: n }),
                conditions: [available, condition("Progressing", "True", "NewReplicaSetAvailable")],
            },
            false,
        ],
        [
            "progress deadline exceeded",
            {
                ...observed,
                ...counts({ replicas: n + 1, updated: 1, ready: n, available: n }),
                conditions: [available, condition("Progressing", "False", "ProgressDeadlineExceeded")],
            },
            false,
        ],
        [
            "complete (NewReplicaSetAvailable, every pod updated and available)",
            {
                ...observed,
                ...counts({ replicas: n, updated: n, ready: n, available: n }),
                conditions: [available, condition("Progressing", "True", "NewReplicaSetAvailable")],
            },
            true,
        ],
    ];
}

const clairDeployments = (run: MockRun): any[] =>
    run.resources
        .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
        .map((r) => unwrapSecrets(r.inputs))
        .filter((d) => d.metadata.labels["app.kubernetes.io/name"] === "clair");

describe("Clair Deployments' pulumi.com/waitFor, judged by pulumi-kubernetes' own await code", function () {
    this.timeout(600000);
    let tmp: string;
    let bin: string;

    before(async function () {
        if (!has("go")) skipOutsideCi(this, "the Go toolchain (`go`) is not on PATH: it builds tools/waitfor-check");
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "waitfor-check-"));
        bin = await buildCheck(this, tmp);
    });
    after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

    async function judge(cases: { name: string; object: any }[]): Promise<Verdict[]> {
        const out = await run(bin, [], { cwd: tmp, input: JSON.stringify({ cases }) });
        assert.equal(out.status, 0, out.stderr);
        return JSON.parse(out.stdout);
    }

    for (const [stack, sets] of [
        ["stage", { "clair.updaters.dedicated": "true" }],
        ["prod", { "clair.updaters.dedicated": "true" }],
        ["local", {}],
    ] as [string, Record<string, string>][]) {
        it(`${stack}: the provider parses every Clair Deployment's annotation and ends the wait only on the complete status`, async () => {
            const deployments = clairDeployments(await runProgram(stack, { sets }));
            assert.ok(deployments.length >= 2, `${stack}: Clair Deployments`);
            const cases = deployments.flatMap((d) =>
                rollout(d.spec.replicas).map(([point, status, expected]) => ({
                    name: `${d.metadata.name}: ${point}`,
                    object: withStatus(d, status),
                    expected,
                })),
            );
            const verdicts = await judge(cases);
            assert.equal(verdicts.length, cases.length);
            for (const [i, v] of verdicts.entries()) {
                assert.equal(v.error, undefined, `${v.name}: ${v.error}`);
                assert.equal(v.custom, true, `${v.name}: the annotation replaces the provider's own Deployment await`);
                assert.equal(v.ready, cases[i].expected, v.name);
            }
        });
    }

    it("prod, matcher autoscaled: the wait ends at whatever count the autoscaler set, not before its new pods are available", async () => {
        const run = await runProgram("prod", { sets: { "clair.matcher.autoscaling.enabled": "true", "clair.matcher.autoscaling.maxReplicas": "20" } });
        const matcher = clairDeployments(run).find((d) => d.metadata.name === "clair-matcher");
        const n = matcher.spec.replicas;
        const scaled = n + 3; // the autoscaler's count, not the program's (spec.replicas is in ignoreChanges)
        const complete = condition("Progressing", "True", "NewReplicaSetAvailable");
        const cases = [
            {
                name: "complete at the autoscaler's count",
                object: withStatus(
                    matcher,
                    {
                        observedGeneration: GENERATION,
                        ...counts({ replicas: scaled, updated: scaled, ready: scaled, available: scaled }),
                        conditions: [available, complete],
                    },
                    { replicas: scaled },
                ),
                expected: true,
            },
            {
                name: "autoscaler scaled up, new pods not yet available",
                object: withStatus(
                    matcher,
                    {
                        observedGeneration: GENERATION,
                        ...counts({ replicas: scaled, updated: scaled, ready: n, available: n }),
                        conditions: [unavailable, complete],
                    },
                    { replicas: scaled },
                ),
                expected: false,
            },
            ...rollout(n)
                // Without a count the stale-reason status cannot be told from a complete one (components/shared/rollout.ts).
                .filter(([point]) => !point.startsWith("old reason still in place"))
                .map(([point, status, expected]) => ({ name: point, object: withStatus(matcher, status), expected })),
        ];
        const verdicts = await judge(cases);
        for (const [i, v] of verdicts.entries()) {
            assert.equal(v.error, undefined, `${v.name}: ${v.error}`);
            assert.equal(v.ready, cases[i].expected, v.name);
        }
    });

    it("the indexer StatefulSet keeps the provider's built-in await (no annotation replaces it)", async () => {
        const run = await runProgram("prod");
        const indexer = run.resources.map((r) => r.inputs).find((o) => o.kind === "StatefulSet" && unwrapSecrets(o.metadata).name === "clair-indexer");
        const [verdict] = await judge([
            { name: "clair-indexer", object: { ...unwrapSecrets(indexer), metadata: { ...unwrapSecrets(indexer).metadata, generation: 1 } } },
        ]);
        assert.equal(verdict.custom, false);
    });
});
