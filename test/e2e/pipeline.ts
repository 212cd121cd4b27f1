/**
 * The users' pipeline scripts (scripts/ci/preview, deploy, drift) on the local stack, with the
 * real engine, and what a killed deploy leaves behind: registered as steps of the end-to-end
 * lane's one ordered suite (test/e2e/engine.test.ts), which owns the control plane and the stack.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ROOT } from "../../tools/mock-run";
import { parseEvents, readSteps } from "../../tools/ci-summary";
import { lockFiles as stackLockFiles, procFields } from "../../tools/stack-lock";
import { deploymentSettled } from "./kube";

export interface Lane {
    env(): NodeJS.ProcessEnv;
    /** The engine's copy of the local stack file (with its salt). */
    configFile(): string;
    getJson(args: string[]): any;
    kubectl(args: string[]): string;
    pulumiOk(args: string[]): string;
    timed<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
    workloads(): { name: string; ready: boolean }[];
}

const OUT = path.join(ROOT, "ci-out", "local");

interface Script {
    status: number;
    stdout: string;
    stderr: string;
}

function script(lane: Lane, name: string, args: string[]): Script {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/ci", name), ...args], { cwd: ROOT, env: lane.env(), encoding: "utf8", maxBuffer: 1 << 28 });
    return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
const shown = (r: Script) => `exit ${r.status}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`;

/** A copy of the engine's stack file with `edit` applied, for --config-file. */
function editedConfig(lane: Lane, name: string, edit: (config: Record<string, any>) => void): string {
    const doc = parse(fs.readFileSync(lane.configFile(), "utf8"));
    edit(doc.config);
    const file = path.join(path.dirname(lane.configFile()), `Pulumi.local.${name}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
}

/** CPU cores of a quantity ("250m", "1"). */
const cores = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q));

/** Waits until `check` holds, polling every 100 ms, or fails after `seconds`. */
async function until(what: string, seconds: number, check: () => boolean): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (!check()) {
        if (Date.now() > deadline) assert.fail(`timed out after ${seconds} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

/**
 * Starts scripts/ci/deploy in its own process group and SIGKILLs the whole group (the script,
 * the engine, the language host, the program, the providers) once an event of the update
 * matches `when`: what a cancelled CI job, an OOM kill or a lost runner does.
 */
async function killDeployWhen(lane: Lane, args: string[], when: (events: ReturnType<typeof readSteps>) => boolean): Promise<void> {
    fs.rmSync(path.join(OUT, "events.jsonl"), { force: true });
    const child = spawn("bash", [path.join(ROOT, "scripts/ci/deploy"), ...args], { cwd: ROOT, env: lane.env(), detached: true, stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
        await until("the update to reach the step to kill it at", 240, () => {
            const file = path.join(OUT, "events.jsonl");
            return fs.existsSync(file) && when(readSteps(parseEvents(fs.readFileSync(file, "utf8"))));
        });
    } finally {
        process.kill(-child.pid!, "SIGKILL");
        await exited;
        // The script exits first; the engine and its plugins take a moment longer to die, as
        // they would before a cancelled CI job's next run (a zombie is as good as gone).
        await until("every process of the killed deploy to end", 30, () => liveInGroup(child.pid!).length === 0);
    }
}

/** The pids of a process group that are still running (not zombies), from /proc. */
function liveInGroup(pgid: number): number[] {
    const live: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        let stat: string;
        try {
            stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
        } catch {
            continue;
        }
        const [state, , pgrp] = procFields(stat) ?? [];
        if (Number(pgrp) === pgid && state !== "Z" && state !== "X") live.push(Number(entry));
    }
    return live;
}

/**
 * Every secret value in the stack's state (`pulumi stack export --show-secrets` wraps each as
 * {<sig>: ..., plaintext: JSON}), strings of at least 16 characters: the generated passwords, the
 * PSK, the API keys and the Secrets' data.
 */
function stateSecrets(lane: Lane): Set<string> {
    const found = new Set<string>();
    const walk = (value: any): void => {
        if (Array.isArray(value)) return value.forEach(walk);
        if (value === null || typeof value !== "object") return;
        if (typeof value.plaintext === "string") {
            const inner = JSON.parse(value.plaintext);
            if (typeof inner === "string" && inner.length >= 16) found.add(inner);
            else walk(inner);
            return;
        }
        Object.values(value).forEach(walk);
    };
    walk(JSON.parse(lane.pulumiOk(["stack", "export", "--show-secrets"])));
    return found;
}

/** The local stack's lock files in the lane's file backend (tools/stack-lock.ts reads them the same way). */
function lockFiles(lane: Lane): string[] {
    return stackLockFiles(lane.env().PULUMI_BACKEND_URL!.slice("file://".length), "local");
}

/** Every object in the namespace with the program's labels is in the state (nothing orphaned). */
function assertNothingOrphaned(lane: Lane): void {
    const state = JSON.parse(lane.pulumiOk(["stack", "export"]));
    const recorded = new Set(
        (state.deployment.resources ?? [])
            .filter((r: any) => r.type.startsWith("kubernetes:"))
            .map((r: any) => `${r.outputs?.kind}/${r.outputs?.metadata?.name}`),
    );
    const kinds =
        "deployments,statefulsets,services,configmaps,secrets,cronjobs,jobs,networkpolicies,poddisruptionbudgets,horizontalpodautoscalers,serviceaccounts,roles,rolebindings,persistentvolumeclaims,routes,podmonitors,prometheusrules";
    const live = lane
        .getJson([kinds, "-l", "app.kubernetes.io/managed-by"])
        .items.filter((o: any) => !o.metadata.deletionTimestamp && !(o.metadata.ownerReferences ?? []).length);
    assert.ok(live.length >= 20, `${live.length} labelled objects`);
    const orphans = live.map((o: any) => `${o.kind}/${o.metadata.name}`).filter((k: string) => !recorded.has(k));
    assert.deepEqual(orphans, [], "objects in the cluster that the state does not know");
}

/**
 * Registers the steps as tests of the calling suite, in order (a nested describe would run after
 * all of the suite's own tests, not here).
 */
export function describePipeline(lane: Lane): void {
    {
        let matcherCpu: number;

        it("scripts/ci/preview: one more matcher is one Deployment update, no policy violation, and the capacity delta is one matcher pod", async () => {
            const deployment = lane.getJson(["deployment", "clair-matcher"]);
            const replicas = deployment.spec.replicas;
            // One matcher pod's cores: its containers' requests, read from the live Deployment.
            matcherCpu = deployment.spec.template.spec.containers.reduce((a: number, c: any) => a + cores(c.resources.requests.cpu), 0);
            const file = editedConfig(lane, "matcher", (c) => (c["scanning-platform:clair"].matcher.replicas = replicas + 1));
            const r = await lane.timed("scripts/ci/preview (matcher +1)", () => script(lane, "preview", ["local", "--config-file", file]));
            assert.equal(r.status, 0, shown(r));
            const summary = fs.readFileSync(path.join(OUT, "summary.md"), "utf8");
            assert.match(summary, /^### Preview of `local`: 1 to change$/m, summary);
            assert.match(summary, /^\| Deployment \| 0 \| 1 \| 0 \| 0 \| 0 \|$/m, summary);
            assert.match(summary, /^- update `Deployment clair-matcher`: .*`spec\.replicas`/m, summary);
            assert.match(summary, /No policy violations\./);
            const clair = /^\| clair \| (.*) \|$/m.exec(summary);
            assert.ok(clair, summary);
            const [pods, cpu] = clair[1].split(" | ");
            const deltaOf = (cell: string) => Number(/\(([+-][\d.]+)\)$/.exec(cell)?.[1]);
            assert.equal(deltaOf(pods), 1, `pods: ${pods}`);
            assert.ok(Math.abs(deltaOf(cpu) - matcherCpu) < 1e-9, `CPU ${cpu}, one matcher pod is ${matcherCpu}`);
            assert.ok(fs.statSync(path.join(OUT, "plan.json")).size > 0, "a saved plan");
        });

        it("scripts/ci/deploy --plan: applies exactly what was previewed", async () => {
            const previewed = readSteps(parseEvents(fs.readFileSync(path.join(OUT, "events.jsonl"), "utf8"))).changes.map((c) => `${c.op} ${c.type} ${c.name}`);
            const plan = path.join(OUT, "plan.reviewed.json");
            fs.copyFileSync(path.join(OUT, "plan.json"), plan);
            const file = path.join(path.dirname(lane.configFile()), "Pulumi.local.matcher.yaml");
            const r = await lane.timed("scripts/ci/deploy --plan (matcher +1)", () => script(lane, "deploy", ["local", "--plan", plan, "--config-file", file]));
            assert.equal(r.status, 0, shown(r));
            const applied = readSteps(parseEvents(fs.readFileSync(path.join(OUT, "events.jsonl"), "utf8"))).changes.map((c) => `${c.op} ${c.type} ${c.name}`);
            assert.deepEqual(applied, previewed);
            assert.equal(
                lane.getJson(["deployment", "clair-matcher"]).spec.replicas,
                parse(fs.readFileSync(file, "utf8")).config["scanning-platform:clair"].matcher.replicas,
            );
            // Back to the committed stack for the steps after this one.
            const back = script(lane, "deploy", ["local"]);
            assert.equal(back.status, 0, shown(back));
            // What the scripts leave in their folder (a CI artifact: the events, the summary, the
            // plans) holds no secret: the engine's debug events carry them in plaintext.
            const secrets = stateSecrets(lane);
            assert.ok(secrets.size >= 5, `secrets in the state: ${secrets.size}`);
            const files = fs.readdirSync(OUT).filter((f) => fs.statSync(path.join(OUT, f)).isFile());
            assert.ok(files.includes("events.jsonl") && files.includes("summary.md"), files.join(", "));
            for (const f of files) {
                const text = fs.readFileSync(path.join(OUT, f), "utf8");
                for (const secret of secrets) {
                    for (const form of [secret, Buffer.from(secret).toString("base64")])
                        assert.ok(!text.includes(form), `a secret (${form.length} characters) in ${f}`);
                }
            }
            console.log(`      (${secrets.size} secrets checked against ${files.length} files of ci-out/local)`);
        });

        it("scripts/ci/preview: a mandatory policy violation fails it, with the policy named in the summary", async () => {
            const file = editedConfig(lane, "fixed-uids", (c) => (c["scanning-platform:kubernetes"].platform = "kubernetes"));
            const r = await lane.timed("scripts/ci/preview (refused by the pack)", () => script(lane, "preview", ["local", "--config-file", file]));
            assert.notEqual(r.status, 0, shown(r));
            const summary = fs.readFileSync(path.join(OUT, "summary.md"), "utf8");
            assert.match(summary, /refused by \d+ mandatory policy violations?/, summary);
            // A stack policy, reported against each workload it refuses.
            assert.match(summary, /^\| `openshift-namespace-ids` \| mandatory \| Deployment malwar \| Deployment malwar sets runAsUser 1000 \(pod\)/m, summary);
        });

        it("scripts/ci/drift: 0 on the clean stack; a field Pulumi owns edited with kubectl is named; 0 again for a change left to the autoscaler", async () => {
            const clean = await lane.timed("scripts/ci/drift (clean)", () => script(lane, "drift", ["local"]));
            assert.equal(clean.status, 0, shown(clean));
            assert.match(fs.readFileSync(path.join(OUT, "summary.md"), "utf8"), /Drift in `local`: none/);

            const service = lane.getJson(["service", "malwar"]);
            const port = service.spec.ports[0];
            lane.kubectl([
                "patch",
                "service",
                "malwar",
                "--type",
                "json",
                "-p",
                JSON.stringify([{ op: "replace", path: "/spec/ports/0/targetPort", value: 8123 }]),
            ]);
            const drifted = await lane.timed("scripts/ci/drift (a Service edited)", () => script(lane, "drift", ["local"]));
            assert.notEqual(drifted.status, 0, shown(drifted));
            const summary = fs.readFileSync(path.join(OUT, "summary.md"), "utf8");
            assert.match(summary, /Drift in `local`: 1 resource/, summary);
            assert.match(summary, /^- update `Service malwar`: `spec\.ports\[0\]\.targetPort`$/m, summary);

            const repaired = script(lane, "deploy", ["local"]);
            assert.equal(repaired.status, 0, shown(repaired));
            assert.deepEqual(lane.getJson(["service", "malwar"]).spec.ports[0].targetPort, port.targetPort);

            // The autoscaler owns clamd's count (the local stack: 2..3): above its maximum, the
            // autoscaler brings it back to 3 through the scale subresource, and that count is not
            // drift. (A count set by hand with kubectl scale stays under kubectl's field manager
            // and shows as an update of the Deployment: observed, not asserted here.)
            const hpa = lane.getJson(["hpa", "clamav"]);
            lane.kubectl(["scale", "deployment", "clamav", `--replicas=${hpa.spec.maxReplicas + 2}`]);
            await until(
                "the autoscaler to bring clamd to its maximum",
                180,
                () => lane.getJson(["deployment", "clamav"]).spec.replicas === hpa.spec.maxReplicas,
            );
            // Read mid-scale, clamd is not ready and the engine proposes an update of it with no
            // field changed (the summary says so): the drift of fields is checked once it settles.
            await until("clamd to settle at its maximum", 180, () => deploymentSettled(lane.getJson(["deployment", "clamav"])));
            const scaled = await lane.timed("scripts/ci/drift (autoscaled count)", () => script(lane, "drift", ["local"]));
            assert.equal(scaled.status, 0, shown(scaled));
        });

        it("scripts/ci refuses a shared stack whose secrets a passphrase encrypts, naming the KMS command", () => {
            // A stack named stage in a throwaway file backend, created the way a team without a KMS key would.
            const backend = fs.mkdtempSync(path.join(os.tmpdir(), "ci-backend-"));
            const project = fs.mkdtempSync(path.join(os.tmpdir(), "ci-project-"));
            fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: scanning-platform\nruntime: nodejs\n");
            const env: NodeJS.ProcessEnv = {
                ...lane.env(),
                PULUMI_BACKEND_URL: `file://${backend}`,
                PULUMI_CONFIG_PASSPHRASE: "not-for-a-shared-backend",
                SSCAN_PULUMI: lane.env().SSCAN_PULUMI_BIN,
            };
            delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
            try {
                const init = spawnSync(
                    env.SSCAN_PULUMI!,
                    ["stack", "init", "stage", "--secrets-provider", "passphrase", "--non-interactive", "--cwd", project],
                    { env, encoding: "utf8" },
                );
                assert.equal(init.status, 0, init.stderr);
                const r = spawnSync("bash", [path.join(ROOT, "scripts/ci/preview"), "stage"], { cwd: ROOT, env, encoding: "utf8" });
                assert.equal(r.status, 2, r.stderr);
                assert.match(
                    r.stderr,
                    /stack stage encrypts its secrets with a passphrase; .*pulumi stack change-secrets-provider --stack stage "awskms:\/\/alias\/scanning-platform-stage\?region=us-east-1"/,
                );
            } finally {
                fs.rmSync(backend, { recursive: true, force: true });
                fs.rmSync(project, { recursive: true, force: true });
            }
        });

        it("pulumi up stops while the stack lists placeholders, naming the key and value, and changes nothing; pulumi preview goes on", () => {
            const file = editedConfig(lane, "placeholders", (c) => (c["scanning-platform:placeholders"] = ["kubernetes:context"]));
            const cli = (args: string[]) =>
                spawnSync(lane.env().SSCAN_PULUMI_BIN!, [...args, "--stack", "local", "--non-interactive", "--config-file", file], {
                    cwd: ROOT,
                    env: lane.env(),
                    encoding: "utf8",
                    maxBuffer: 1 << 26,
                });
            const preview = cli(["preview", "--expect-no-changes"]);
            assert.equal(preview.status, 0, preview.stdout.slice(-3000) + preview.stderr);
            const before = lane.pulumiOk(["stack", "export"]);
            const up = cli(["up", "--yes", "--skip-preview"]);
            assert.notEqual(up.status, 0);
            assert.match(up.stdout + up.stderr, /kubernetes:context = sscan-local: an example value \(listed in scanning-platform:placeholders\)/);
            const after = JSON.parse(lane.pulumiOk(["stack", "export"]));
            const kubernetes = (state: any) =>
                state.deployment.resources.filter((r: any) => r.type.startsWith("kubernetes:")).map((r: any) => [r.urn, r.modified ?? null]);
            assert.ok(kubernetes(after).length >= 20);
            assert.deepEqual(kubernetes(after), kubernetes(JSON.parse(before)), "no Kubernetes resource changed");
        });

        it("scripts/ci/deploy never breaks a live lock: a second deploy while one runs is refused, naming the holder", async () => {
            const file = editedConfig(
                lane,
                "notifier",
                (c) => (c["scanning-platform:clair"].notifier = { ...(c["scanning-platform:clair"].notifier ?? {}), replicas: 2 }),
            );
            fs.rmSync(path.join(OUT, "events.jsonl"), { force: true });
            const first = spawn("bash", [path.join(ROOT, "scripts/ci/deploy"), "local", "--config-file", file], {
                cwd: ROOT,
                env: lane.env(),
                stdio: "ignore",
            });
            const firstExit = new Promise<number>((resolve) => first.once("exit", (code) => resolve(code ?? -1)));
            await until("the first deploy to take the lock", 120, () => lockFiles(lane).length > 0);
            const second = script(lane, "deploy", ["local", "--recover"]);
            assert.equal(second.status, 3, shown(second));
            assert.match(second.stderr, /LIVE lock .*held by pid \d+ of \S+@\S+ since .*is running/, second.stderr);
            assert.equal(await firstExit, 0, "the first deploy finished");
            assert.deepEqual(lockFiles(lane), [], "and released its lock");
            assert.equal(script(lane, "deploy", ["local"]).status, 0);
        });

        it("scripts/ci/deploy recovers from an engine killed while it updates existing objects: the next deploy names the stale lock, --recover converges", async () => {
            const file = editedConfig(lane, "two", (c) => {
                c["scanning-platform:clair"].matcher.replicas += 1;
                c["scanning-platform:clair"].notifier = { ...(c["scanning-platform:clair"].notifier ?? {}), replicas: 2 };
            });
            const claim = lane.getJson(["pvc", "malwar-data"]).metadata.uid;
            await lane.timed("deploy killed mid-update", () =>
                killDeployWhen(lane, ["local", "--config-file", file], (s) => s.changes.some((c) => c.op === "update")),
            );
            assert.equal(lockFiles(lane).length, 1, "the killed engine left its lock");
            const refused = script(lane, "deploy", ["local", "--config-file", file]);
            assert.equal(refused.status, 4, shown(refused));
            assert.match(refused.stderr, /STALE lock .*that process is gone[\s\S]*--recover/, refused.stderr);
            // What it was doing: the operations the killed engine recorded as begun (the engine
            // records one just after it announces the step, so a kill in between leaves none).
            assert.match(refused.stderr, /the update (had begun (updating|creating|deleting) |recorded no operation in progress)/, refused.stderr);
            const recovered = await lane.timed("deploy --recover (after mid-update kill)", () =>
                script(lane, "deploy", ["local", "--recover", "--config-file", file]),
            );
            assert.equal(recovered.status, 0, shown(recovered));
            assert.deepEqual(lockFiles(lane), []);
            assert.equal(lane.getJson(["deployment", "clair-notifier"]).spec.replicas, 2);
            const back = script(lane, "deploy", ["local"]);
            assert.equal(back.status, 0, shown(back));
            const drift = script(lane, "drift", ["local"]);
            assert.equal(drift.status, 0, shown(drift));
            assertNothingOrphaned(lane);
            assert.equal(lane.getJson(["pvc", "malwar-data"]).metadata.uid, claim, "Malwar's claim is the same object");
        });
    }
}

/**
 * The up after `pulumi destroy` creates almost every object again: the engine is killed in the
 * middle of it, the next deploy names the stale lock, and scripts/ci/deploy --recover deletes
 * what the killed update made but the state does not record, clears its pending creates and
 * completes the update, with nothing orphaned.
 */
export async function killCreateAndRecover(lane: Lane): Promise<void> {
    const creates = (s: ReturnType<typeof readSteps>) => s.changes.filter((c) => c.op === "create" && c.type.startsWith("kubernetes:")).length;
    await lane.timed("deploy killed mid-create", () => killDeployWhen(lane, ["local"], (s) => creates(s) >= 17));
    assert.equal(lockFiles(lane).length, 1, "the killed engine left its lock");
    const refused = script(lane, "deploy", ["local"]);
    assert.equal(refused.status, 4, shown(refused));
    assert.match(refused.stderr, /STALE lock .*that process is gone[\s\S]*--recover/, refused.stderr);
    const recovered = await lane.timed("deploy --recover (after mid-create kill)", () => script(lane, "deploy", ["local", "--recover"]));
    assert.equal(recovered.status, 0, shown(recovered));
    assert.deepEqual(lockFiles(lane), []);
    const said = (pattern: RegExp) => recovered.stderr.split("\n").filter((l) => pattern.test(l)).length;
    console.log(
        `      (recovery: ${said(/pending operation: clear/)} pending creates cleared, ${said(/stack-lock: local: deleted /)} objects deleted that the state did not record as resources, ${said(/took the finished write/)} unrenamed checkpoint write taken)`,
    );
    assert.equal(said(/LEFT /), 0, recovered.stderr);
    assertNothingOrphaned(lane);
}
