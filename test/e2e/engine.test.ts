/**
 * The end-to-end lane: the real Pulumi engine (CLI, Node.js language host, Kubernetes and random
 * providers, the policy pack) deploys the local stack to a real Kubernetes 1.33 control plane
 * (etcd, kube-apiserver with TLS and RBAC, controller-manager, scheduler) on this machine.
 *
 * kwok fakes the nodes and pods: pods turn Ready at once (init containers and probes never run),
 * so readiness here proves the objects and the provider's await logic, not the images; and the
 * volumes are hostPath directories that the lane writes itself, since no container runs.
 *
 * The steps depend on each other and run in order; the first failure stops the lane.
 */
import { strict as assert } from "assert";
import { execFile, execFileSync, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse, stringify } from "yaml";
import { ROOT, runProgram } from "../../tools/mock-run";
import { renderStack } from "../../tools/render";
import { signaturesPatchTemplate, SIGNATURES_ANNOTATION } from "../../components/clamav/refresh";
import { deploymentSettled } from "./kube";
import { describePipeline, killCreateAndRecover, type Lane } from "./pipeline";

const runAsync = promisify(execFile);
const NS = "scanning-local";
const SA = `system:serviceaccount:${NS}:refresh-clamav-db`;
const STATE = process.env.SSCAN_STATE_DIR ?? path.join(ROOT, ".state");
const POLICY = ["--policy-pack", path.join(ROOT, "policy"), "--policy-pack-config", path.join(ROOT, "policy/config.local.json")];
const timings: Record<string, number> = {};

let env: NodeJS.ProcessEnv;
let configFile: string;

/** The engine's environment, as scripts/engine.sh sets it up (builds the toolchain if needed). */
function engineEnvironment(): NodeJS.ProcessEnv {
    const out = execFileSync("bash", ["-c", 'eval "$(bash scripts/engine.sh env)" && env -0'], {
        cwd: ROOT,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 1 << 24,
    });
    const parsed: NodeJS.ProcessEnv = {};
    for (const entry of out.split("\0")) {
        const eq = entry.indexOf("=");
        if (eq > 0) parsed[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return parsed;
}

interface Result {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs the Pulumi CLI on the local stack (the stack-file copy as --config-file). */
function pulumi(args: string[], options: { cwd?: string; stack?: string; configFile?: string | null } = {}): Result {
    const command = args[0];
    const extra = ["--stack", options.stack ?? "local", "--non-interactive"];
    const cfg = options.configFile === undefined ? configFile : options.configFile;
    if (cfg && ["up", "preview", "destroy", "refresh", "config"].includes(command)) extra.push("--config-file", cfg);
    const r = spawnSync(env.SSCAN_PULUMI_BIN!, [...args, ...extra], { cwd: options.cwd ?? ROOT, env, encoding: "utf8", maxBuffer: 1 << 28 });
    return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function pulumiOk(args: string[], options: Parameters<typeof pulumi>[1] = {}): string {
    const r = pulumi(args, options);
    if (r.status !== 0) assert.fail(`pulumi ${args.join(" ")} exited ${r.status}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`);
    return r.stdout;
}

function kubectl(args: string[], options: { as?: string; input?: string; namespace?: string | null } = {}): string {
    const ns = options.namespace === null ? [] : ["-n", options.namespace ?? NS];
    return execFileSync("kubectl", [...ns, ...(options.as ? ["--as", options.as] : []), ...args], {
        env,
        encoding: "utf8",
        input: options.input,
        stdio: ["pipe", "pipe", "pipe"],
        maxBuffer: 1 << 26,
    });
}
function kubectlFails(args: string[], options: Parameters<typeof kubectl>[1] = {}): string {
    try {
        kubectl(args, options);
    } catch (err) {
        return String((err as { stderr?: string }).stderr ?? err);
    }
    return assert.fail(`kubectl ${args.join(" ")} succeeded`);
}
const getJson = (args: string[]): any => JSON.parse(kubectl(["get", ...args, "-o", "json"]));

async function timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const started = Date.now();
    try {
        return await fn();
    } finally {
        timings[name] = (Date.now() - started) / 1000;
        console.log(`      (${name}: ${timings[name].toFixed(1)} s)`);
    }
}

function cluster(command: string): void {
    execFileSync("bash", [path.join(ROOT, "scripts/local-cluster.sh"), command], { stdio: ["ignore", "inherit", "inherit"], env });
}

/** Every Deployment and StatefulSet of the namespace, with whether it is Ready right now. */
function workloads(): { name: string; ready: boolean }[] {
    const items = [...getJson(["deployments"]).items, ...getJson(["statefulsets"]).items];
    return items.map((w: any) => {
        const want = w.spec.replicas ?? 1;
        const s = w.status ?? {};
        const ready =
            s.observedGeneration >= w.metadata.generation &&
            (s.readyReplicas ?? 0) === want &&
            (s.updatedReplicas ?? 0) === want &&
            (w.kind === "StatefulSet" ? s.currentRevision === s.updateRevision : (s.availableReplicas ?? 0) === want);
        return { name: `${w.kind}/${w.metadata.name}`, ready };
    });
}

interface WatchEvent {
    type: string;
    name: string;
    resourceVersion: number;
    rest: string;
}

/**
 * Records the watch events of one kind in the namespace from now until stop(): each event's type,
 * object name, resourceVersion and the rest of the given jsonpath line (after those three).
 */
function watchEvents(kind: string, jsonpath: string): { events: WatchEvent[]; stop: () => Promise<void> } {
    const events: WatchEvent[] = [];
    const child = spawn("kubectl", ["-n", NS, "get", kind, "--watch-only", "--output-watch-events", "-o", `jsonpath=${jsonpath}{"\\n"}`], {
        env,
        stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
            const [type, name, rv, ...rest] = line.split(" ");
            if (type && name && rv) events.push({ type, name, resourceVersion: Number(rv), rest: rest.join(" ") });
        }
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return {
        events,
        // A moment for the last events in flight, then the watch ends.
        stop: async () => {
            await new Promise((r) => setTimeout(r, 1000));
            child.kill();
            await exited;
        },
    };
}

/** `pulumi stack export --show-secrets` wraps each secret as {<sig>: <secret sig>, plaintext: JSON}. */
function reveal(value: any): any {
    if (value && typeof value === "object" && value["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") {
        return reveal(JSON.parse(value.plaintext));
    }
    if (Array.isArray(value)) return value.map(reveal);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

/** The steps of a `pulumi preview --json` that change something, as "op type name". */
function changes(previewJson: string): string[] {
    const preview = JSON.parse(previewJson);
    return (preview.steps ?? [])
        .filter((s: any) => s.op !== "same" && s.op !== "read")
        .map((s: any) => `${s.op} ${s.urn.split("::")[2].split("$").pop()} ${s.urn.split("::")[3]}`);
}

describe("the local stack deployed by the real Pulumi engine", function () {
    let rendered: string;
    let renderedFiles: string[];

    before(async function () {
        // Builds (cold) or reuses the toolchain: control plane, CLI, language host, providers.
        env = await timed("toolchain (scripts/engine.sh env)", () => engineEnvironment());
        configFile = env.SSCAN_PULUMI_CONFIG_FILE!;
        console.log(`      engine: ${env.SSCAN_PULUMI_BIN} ${execFileSync(env.SSCAN_PULUMI_BIN!, ["version"], { env, encoding: "utf8" }).trim()}`);
        rendered = fs.mkdtempSync(path.join(os.tmpdir(), "local-render-"));
        renderedFiles = await renderStack("local", rendered);
    });

    after(function () {
        console.log(`      timings (s): ${JSON.stringify(timings)}`);
        if (timings["kubectl apply + wait (baseline)"] && timings["pulumi up (first)"]) {
            console.log(`      pulumi up / kubectl apply+wait: ${(timings["pulumi up (first)"] / timings["kubectl apply + wait (baseline)"]).toFixed(2)}`);
        }
        fs.mkdirSync(STATE, { recursive: true });
        fs.writeFileSync(path.join(STATE, "e2e-timings.json"), JSON.stringify(timings, null, 2));
        if (process.env.KEEP_CLUSTER) return;
        try {
            cluster("down");
        } catch (err) {
            console.log(`      control plane down failed: ${err}`);
        }
    });

    it("baseline: kubectl server-side apply and wait of the same rendered objects on a fresh control plane", async () => {
        await timed("control plane up (fresh)", () => {
            cluster("reset");
            cluster("up");
        });
        await timed("kubectl apply + wait (baseline)", () => {
            kubectl(["apply", "--server-side", "--field-manager=e2e-baseline", "-f", renderedFiles.find((f) => path.basename(f).startsWith("namespace-"))!], {
                namespace: null,
            });
            kubectl(["apply", "--server-side", "--field-manager=e2e-baseline", "-f", rendered], { namespace: null });
            for (const w of workloads()) kubectl(["rollout", "status", w.name.toLowerCase(), "--timeout=300s"]);
            kubectl(["wait", "--for=jsonpath={.status.phase}=Bound", "pvc", "--all", "--timeout=120s"]);
        });
        assert.ok(workloads().every((w) => w.ready));
        // The engine starts from nothing: a fresh control plane and a fresh stack.
        await timed("control plane up (fresh, for the engine)", () => {
            cluster("reset");
            cluster("up");
        });
        fs.rmSync(path.join(STATE, "pulumi"), { recursive: true, force: true });
        env = engineEnvironment();
        configFile = env.SSCAN_PULUMI_CONFIG_FILE!;
    });

    it("pulumi up with the policy pack deploys every rendered object (each found live by kind, name and namespace), and the provider's await logic leaves every workload Ready", async () => {
        // A configured secret as well as the generated ones, for the state check below.
        pulumiOk(["config", "set", "--secret", "scanning-platform:malwarWebhookSecret", `whsec-e2e-${randomBytes(12).toString("hex")}`]);
        const out = await timed("pulumi up (first)", () => pulumiOk(["up", "--yes", "--skip-preview", ...POLICY]));
        assert.match(out, /Policies:[\s\S]*scanning-platform/, "the policy pack ran");
        // Exactly what the program registers: every resource of the same program under Pulumi's
        // mocks (its explicit provider included), plus the stack itself. The default providers the
        // engine adds for resources without an explicit one are not counted in the summary.
        const mocked = (await runProgram("local")).resources;
        const created = Number((out.match(/(\d+) created/) ?? [])[1]);
        console.log(`      (${created} resources created: ${mocked.length} registered and the stack)`);
        assert.equal(created, mocked.length + 1, `created ${created}; the program registers ${mocked.length}, + the stack`);
        // Every rendered object is in the cluster, by kind, name and namespace (one kubectl get of them all).
        const live = kubectl(["get", "-o", "name", ...renderedFiles.flatMap((f) => ["-f", f])], { namespace: null })
            .trim()
            .split("\n");
        assert.equal(live.length, renderedFiles.length, `live objects: ${live.join(", ")}`);
        // Checked at once, without waiting: `up` returned only after the provider saw them Ready.
        const states = workloads();
        assert.ok(states.length >= 8, JSON.stringify(states));
        assert.deepEqual(
            states.filter((w) => !w.ready),
            [],
        );
        const claims = getJson(["pvc"]).items;
        assert.ok(claims.length >= 2, `claims: ${claims.map((c: any) => c.metadata.name).join(", ")}`);
        for (const claim of claims) assert.equal(claim.status.phase, "Bound", claim.metadata.name);
    });

    it("previews no change right after, reading the live objects (pulumi preview --refresh --expect-no-changes)", async () => {
        await timed("pulumi preview (no change)", () => pulumiOk(["preview", "--refresh", "--expect-no-changes", ...POLICY]));
    });

    it("validates Routes through the CRD schema: a path without a leading slash is refused", () => {
        const route = getJson(["route", "clair-indexer"]);
        const edited = {
            apiVersion: route.apiVersion,
            kind: route.kind,
            metadata: { name: route.metadata.name, namespace: NS },
            spec: { ...route.spec, path: "indexer" },
        };
        assert.match(kubectlFails(["apply", "--dry-run=server", "-f", "-"], { input: stringify(edited) }), /spec\.path/);
    });

    it("holds the monitoring objects the Prometheus Operator's CRDs accept, and refuses a malformed one", () => {
        const names = (kind: string) =>
            getJson([kind])
                .items.map((o: any) => o.metadata.name)
                .sort();
        assert.deepEqual(names("podmonitors.monitoring.coreos.com"), ["clair", "clamav"]);
        assert.deepEqual(names("prometheusrules.monitoring.coreos.com"), ["clair", "clamav"]);
        const monitor = getJson(["podmonitors.monitoring.coreos.com", "clair"]);
        const edited = {
            apiVersion: monitor.apiVersion,
            kind: monitor.kind,
            metadata: { name: monitor.metadata.name, namespace: NS },
            spec: { ...monitor.spec, podMetricsEndpoints: [{ port: "introspection", interval: "30 seconds" }] },
        };
        assert.match(kubectlFails(["apply", "--dry-run=server", "-f", "-"], { input: stringify(edited) }), /interval/);
    });

    it("refreshes ClamAV as the refresh CronJob's ServiceAccount: new mirror versions roll it with never fewer ready endpoints than replicas - maxUnavailable, the same versions roll nothing, and a refreshed preview sees no drift after", async () => {
        const selector = "app.kubernetes.io/name=clamav,app.kubernetes.io/component=clamd";
        const podsBefore = new Set(getJson(["pods", "-l", selector]).items.map((p: any) => p.metadata.name));
        assert.equal(podsBefore.size, 2);
        const readyEndpoints = async (): Promise<number> => {
            const { stdout } = await runAsync("kubectl", ["-n", NS, "get", "endpointslices", "-l", "kubernetes.io/service-name=clamav", "-o", "json"], { env });
            return JSON.parse(stdout)
                .items.flatMap((s: any) => s.endpoints ?? [])
                .filter((e: any) => e.conditions?.ready === true).length;
        };
        // The CronJob's own command, with the CronJob's own identity, on the patch its init
        // container writes (the script's substitution, done here: kwok runs no container).
        const cronJob = getJson(["cronjob", "refresh-clamav-db"]);
        const command = cronJob.spec.jobTemplate.spec.template.spec.containers[0].command as string[];
        assert.deepEqual(command.slice(0, 4), ["kubectl", "patch", "deployment/clamav", "--type=strategic"]);
        const patchFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "refresh-")), "patch.json");
        const refresh = (versions: string) => {
            fs.writeFileSync(patchFile, signaturesPatchTemplate().replace("@VERSIONS@", versions));
            return kubectl([...command.slice(1, 4), `--patch-file=${patchFile}`], { as: SA });
        };
        const deployment = getJson(["deployment", "clamav"]);
        const maxUnavailable = deployment.spec.strategy.rollingUpdate.maxUnavailable;
        assert.equal(typeof maxUnavailable, "number", "maxUnavailable as a count");
        const floor = deployment.spec.replicas - maxUnavailable;
        assert.ok(floor >= 1, `floor ${floor}`);
        await timed("clamav refresh rollout", async () => {
            refresh("main-62.daily-27820.bytecode-339");
            const samples: number[] = [];
            let done = false;
            const rollout = runAsync("kubectl", ["-n", NS, "rollout", "status", "deployment/clamav", "--timeout=180s"], { env }).finally(() => {
                done = true;
            });
            while (!done) {
                samples.push(await readyEndpoints());
                await new Promise((r) => setTimeout(r, 250));
            }
            await rollout;
            samples.push(await readyEndpoints());
            console.log(`      (ready endpoints sampled ${samples.length} times: min ${Math.min(...samples)}, max ${Math.max(...samples)})`);
            assert.ok(samples.length >= 3, "sampled through the rollout");
            // The rollout's promise: never fewer ready pods than replicas - maxUnavailable.
            assert.ok(
                Math.min(...samples) >= floor,
                `ready endpoints fell below ${floor} (replicas ${deployment.spec.replicas}, maxUnavailable ${deployment.spec.strategy.rollingUpdate.maxUnavailable}): ${samples.join(",")}`,
            );
        });
        const podsAfter = getJson(["pods", "-l", selector])
            .items.filter((p: any) => !p.metadata.deletionTimestamp)
            .map((p: any) => p.metadata.name);
        assert.equal(podsAfter.length, 2);
        for (const pod of podsAfter) assert.ok(!podsBefore.has(pod), "every pod was replaced");
        // The same versions again: the API server sees no change, so no new ReplicaSet and no rollout.
        const generation = getJson(["deployment", "clamav"]).metadata.generation;
        const replicaSets = getJson(["replicasets", "-l", selector]).items.length;
        assert.match(refresh("main-62.daily-27820.bytecode-339"), /no change/);
        assert.equal(getJson(["deployment", "clamav"]).metadata.generation, generation, "unchanged versions changed the Deployment");
        assert.equal(getJson(["replicasets", "-l", selector]).items.length, replicaSets);
        // The patch left the annotation under kubectl's own field manager: Pulumi's server-side
        // apply must neither fight nor drop it.
        const annotations = getJson(["deployment", "clamav"]).spec.template.metadata.annotations;
        assert.equal(annotations[SIGNATURES_ANNOTATION], "main-62.daily-27820.bytecode-339");
        await timed("pulumi preview (no change, after the refresh)", () => pulumiOk(["preview", "--refresh", "--expect-no-changes", ...POLICY]));
    });

    it("lets the refresh ServiceAccount get and patch the ClamAV Deployment and nothing else", () => {
        const can = (verb: string, resource: string) => {
            try {
                return kubectl(["auth", "can-i", verb, resource], { as: SA }).trim() === "yes";
            } catch {
                return false; // can-i exits 1 on "no"
            }
        };
        assert.ok(can("get", "deployment/clamav"));
        assert.ok(can("patch", "deployment/clamav"));
        for (const [verb, resource] of [
            ["delete", "deployment/clamav"],
            ["update", "deployment/clamav"],
            ["get", "deployment/malwar"],
            ["patch", "deployment/clair-matcher"],
            ["list", "deployments"],
            ["get", "secrets"],
            ["list", "pods"],
            ["create", "pods"],
            ["create", "jobs"],
            ["patch", "cronjob/refresh-clamav-db"],
        ]) {
            assert.ok(!can(verb, resource), `${verb} ${resource} must be denied`);
        }
        assert.match(kubectlFails(["rollout", "restart", "deployment/malwar"], { as: SA }), /forbidden/);
    });

    it("refreshes by hand with kubectl create job --from=cronjob/refresh-clamav-db", () => {
        kubectl(["create", "job", "manual-refresh", "--from=cronjob/refresh-clamav-db"]);
        const pod = getJson(["job", "manual-refresh"]).spec.template.spec;
        assert.equal(pod.serviceAccountName, "refresh-clamav-db");
        assert.deepEqual(pod.containers[0].command.slice(0, 3), ["kubectl", "patch", "deployment/clamav"]);
        assert.deepEqual(
            pod.initContainers.map((c: any) => c.name),
            ["mirror-versions"],
        );
        kubectl(["delete", "job", "manual-refresh", "--wait=false"]);
    });

    it("keeps every generated and configured secret out of `pulumi stack export`, in every encoding", () => {
        const plain = pulumiOk(["stack", "export"]);
        const revealed = reveal(JSON.parse(pulumiOk(["stack", "export", "--show-secrets"])));
        const resources: any[] = revealed.deployment.resources;
        const secrets = new Set<string>();
        for (const r of resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword")) secrets.add(r.outputs.result);
        const webhook = parse(fs.readFileSync(configFile, "utf8")).config["scanning-platform:malwarWebhookSecret"];
        assert.ok(webhook?.secure, "the configured secret is encrypted in the stack file copy");
        for (const r of resources.filter((x) => x.type === "kubernetes:core/v1:Secret")) {
            for (const value of Object.values<string>(r.outputs.data ?? {})) {
                const text = Buffer.from(value, "base64").toString("utf8");
                if (r.outputs.metadata.name !== "malwar-secrets") continue;
                if (text.startsWith("[")) JSON.parse(text).forEach((k: string) => secrets.add(k));
                else secrets.add(text);
            }
        }
        const clairConfig = parse(
            Buffer.from(
                resources.find((x) => x.type === "kubernetes:core/v1:Secret" && x.outputs.metadata.name === "clair-config").outputs.data["config.yaml"],
                "base64",
            ).toString("utf8"),
        );
        secrets.add(clairConfig.auth.psk.key);
        const configured = [...secrets].filter((s) => s.startsWith("whsec-e2e-"));
        assert.equal(configured.length, 1, "the configured webhook secret reached Malwar's Secret");
        assert.ok(secrets.size >= 7, `generated and configured secrets found: ${secrets.size}`);
        let checked = 0;
        for (const secret of secrets) {
            assert.ok(secret.length >= 16, "a real secret");
            const forms: Record<string, string> = {
                raw: secret,
                base64: Buffer.from(secret).toString("base64"),
                base64url: Buffer.from(secret).toString("base64url"),
                hex: Buffer.from(secret).toString("hex"),
                "JSON-escaped": JSON.stringify(JSON.stringify(secret)).slice(3, -3),
                "base64-decoded": Buffer.from(secret, "base64").toString("latin1"),
            };
            for (const [encoding, form] of Object.entries(forms)) {
                if (form.length < 16) continue;
                assert.ok(!plain.includes(form), `a secret appears in the state ${encoding}`);
                checked++;
            }
        }
        console.log(`      (${secrets.size} secrets, ${checked} forms checked against ${plain.length} bytes of state)`);
    });

    it("applies one more matcher as an in-place update of only the matcher Deployment", async () => {
        const before = getJson(["deployment", "clair-matcher"]);
        // Edit the stack-file copy, as `pulumi config set --path` would (the CLI's --config flag
        // on preview replaces the whole structured key instead of one path in it).
        const copy = parse(fs.readFileSync(configFile, "utf8"));
        const replicasBefore = copy.config["scanning-platform:clair"].matcher.replicas;
        assert.equal(replicasBefore, 1);
        copy.config["scanning-platform:clair"].matcher.replicas = replicasBefore + 1;
        fs.writeFileSync(configFile, stringify(copy));
        const preview = await timed("pulumi preview (matcher +1)", () => pulumiOk(["preview", "--json", ...POLICY]));
        assert.deepEqual(changes(preview), ["update kubernetes:apps/v1:Deployment clair-matcher"]);
        await timed("pulumi up (matcher +1)", () => pulumiOk(["up", "--yes", "--skip-preview", ...POLICY]));
        const after = getJson(["deployment", "clair-matcher"]);
        assert.equal(after.metadata.uid, before.metadata.uid, "updated in place, not replaced");
        assert.equal(after.spec.replicas, 2);
        assert.equal(after.status.readyReplicas, 2);
        assert.deepEqual(after.spec.template, before.spec.template, "no rollout of the pods");
    });

    it("leaves clamd's replica count to its autoscaler through preview and up, and takes it back when autoscaling is turned off", async () => {
        const hpa = (name: string) => getJson(["hpa", name]).spec;
        // Pulumi.local.yaml: the indexer 1..2, clamd 2..3.
        assert.deepEqual(
            getJson(["hpa"])
                .items.map((h: any) => h.metadata.name)
                .sort(),
            ["clair-indexer", "clamav"],
        );
        assert.deepEqual([hpa("clamav").minReplicas, hpa("clamav").maxReplicas, hpa("clamav").scaleTargetRef.name], [2, 3, "clamav"]);
        assert.deepEqual([hpa("clair-indexer").minReplicas, hpa("clair-indexer").maxReplicas, hpa("clair-indexer").scaleTargetRef.kind], [1, 2, "StatefulSet"]);
        const replicas = () => getJson(["deployment", "clamav"]).spec.replicas as number;
        const replicasOwners = () =>
            (JSON.parse(kubectl(["get", "deployment", "clamav", "-o", "json", "--show-managed-fields"])).metadata.managedFields as any[])
                .filter((f) => f.fieldsV1?.["f:spec"]?.["f:replicas"] !== undefined)
                .map((f) => `${f.manager}${f.subresource ? `/${f.subresource}` : ""}`);
        // Above the maximum: kube-controller-manager's autoscaler brings it to 3 through the scale
        // subresource (no metrics are needed for that; kwok's pods report none).
        kubectl(["scale", "deployment/clamav", "--replicas=5"]);
        await timed("autoscaler brings clamd to its maximum", async () => {
            const deadline = Date.now() + 120_000;
            while (replicas() !== 3) {
                assert.ok(Date.now() < deadline, `clamd still at ${replicas()} replicas`);
                await new Promise((r) => setTimeout(r, 2000));
            }
            // Until the scale has settled, a refresh reads clamd as not ready and the engine
            // proposes an update with no field changed (seen in CI): that is not what is checked here.
            while (!deploymentSettled(getJson(["deployment", "clamav"]))) {
                assert.ok(Date.now() < deadline, `clamd not settled: ${JSON.stringify(getJson(["deployment", "clamav"]).status)}`);
                await new Promise((r) => setTimeout(r, 1000));
            }
        });
        assert.deepEqual(replicasOwners(), ["kube-controller-manager/scale"]);
        await timed("pulumi preview (no change, after the autoscaler)", () => pulumiOk(["preview", "--refresh", "--expect-no-changes", ...POLICY]));
        // A change to the Deployment makes the provider apply it again: the count must stay the autoscaler's.
        const copy = parse(fs.readFileSync(configFile, "utf8"));
        const clamav = copy.config["scanning-platform:clamav"];
        clamav.pod = { annotations: { "example.com/e2e": "autoscaled" } };
        fs.writeFileSync(configFile, stringify(copy));
        await timed("pulumi up (clamd changed, autoscaled)", () => pulumiOk(["up", "--yes", "--skip-preview", ...POLICY]));
        const changed = getJson(["deployment", "clamav"]);
        assert.equal(changed.spec.template.metadata.annotations["example.com/e2e"], "autoscaled", "the change was applied");
        assert.equal(changed.spec.replicas, 3, "pulumi up kept the autoscaler's count");
        // Off again, at 2: the autoscaler goes, and Pulumi takes the count back from kube-controller-manager.
        clamav.autoscaling = { enabled: false };
        fs.writeFileSync(configFile, stringify(copy));
        const preview = await timed("pulumi preview (autoscaling off)", () => pulumiOk(["preview", "--json", ...POLICY]));
        assert.deepEqual(changes(preview).sort(), [
            "delete kubernetes:autoscaling/v2:HorizontalPodAutoscaler clamav",
            "update kubernetes:apps/v1:Deployment clamav",
        ]);
        await timed("pulumi up (autoscaling off)", () => pulumiOk(["up", "--yes", "--skip-preview", ...POLICY]));
        assert.deepEqual(
            getJson(["hpa"]).items.map((h: any) => h.metadata.name),
            ["clair-indexer"],
        );
        assert.equal(replicas(), 2);
        assert.ok(
            replicasOwners().some((m) => m.startsWith("pulumi-kubernetes")),
            `spec.replicas owners: ${replicasOwners().join(", ")}`,
        );
        await timed("pulumi preview (no change, autoscaling off)", () => pulumiOk(["preview", "--refresh", "--expect-no-changes", ...POLICY]));
    });

    it("runs clairctl's Jobs in order: on the first up, and around a Clair version change (pre before the new pods, post after), nothing else again", async () => {
        // kwok runs no container: its pod-complete stage marks Job pods Succeeded, so this checks
        // the orchestration (names, ordering, replacement), not what clairctl does.
        const complete = (job: any) => (job.status?.conditions ?? []).some((c: any) => c.type === "Complete" && c.status === "True");
        const clairJobs = () => getJson(["jobs"]).items.filter((j: any) => /^clair-(pre|post|import)-/.test(j.metadata.name));
        const first = clairJobs();
        const importJob = first.find((j: any) => j.metadata.name.startsWith("clair-import-"));
        assert.deepEqual(
            first
                .map((j: any) => j.metadata.name)
                .filter((n: string) => !n.startsWith("clair-import-"))
                .sort(),
            ["clair-post-v4-8-0", "clair-pre-v4-8-0"],
        );
        assert.ok(importJob, "the local stack's disconnected import Job");
        for (const job of first) assert.ok(complete(job), `${job.metadata.name} completed`);

        const copy = parse(fs.readFileSync(configFile, "utf8"));
        copy.config["scanning-platform:clair"].image = "quay.io/projectquay/clair:4.9.0";
        fs.writeFileSync(configFile, stringify(copy));
        const preview = changes(await timed("pulumi preview (Clair 4.9.0)", () => pulumiOk(["preview", "--json", ...POLICY])));
        for (const job of ["clair-pre-upgrade", "clair-post-upgrade", "clair-import"])
            assert.ok(
                preview.some((s) => s.endsWith(`kubernetes:batch/v1:Job ${job}`) && /^(replace|create-replacement)/.test(s)),
                `${job} replaced: ${preview.join(", ")}`,
            );
        for (const w of ["StatefulSet clair-indexer", "Deployment clair-matcher", "Deployment clair-notifier"])
            assert.ok(
                preview.some((s) => s.startsWith("update ") && s.endsWith(w.split(" ")[1]) && s.includes(w.split(" ")[0])),
                `${w} updated: ${preview.join(", ")}`,
            );
        // The control plane's own order: a watch on Jobs and one on pods during the up. This
        // control plane stores every object in one etcd, whose revision is the resourceVersion of
        // every write, so resourceVersions of events compare across kinds.
        const jobEvents = watchEvents(
            "jobs",
            '{.type} {.object.metadata.name} {.object.metadata.resourceVersion} {.object.status.conditions[?(@.type=="Complete")].status}',
        );
        const podEvents = watchEvents("pods", "{.type} {.object.metadata.name} {.object.metadata.resourceVersion} {.object.spec.containers[0].image}");
        try {
            await timed("pulumi up (Clair 4.9.0)", () => pulumiOk(["up", "--yes", "--skip-preview", ...POLICY]));
        } finally {
            await Promise.all([jobEvents.stop(), podEvents.stop()]);
        }

        const pre = getJson(["job", "clair-pre-v4-9-0"]);
        const post = getJson(["job", "clair-post-v4-9-0"]);
        assert.ok(complete(pre) && complete(post), "both completed");
        assert.match(pre.spec.template.spec.containers[0].command[2], /clairctl admin pre v4\.9\.0/);
        for (const old of ["clair-pre-v4-8-0", "clair-post-v4-8-0"]) assert.match(kubectlFails(["get", "job", old]), /NotFound/, `${old} deleted`);
        // `up` returns once the new pods are ready; the old ones leave a moment later (the
        // Deployment controller scales the old ReplicaSet down after minReadySeconds): wait for that.
        for (const w of ["statefulset/clair-indexer", "deployment/clair-matcher", "deployment/clair-notifier"])
            kubectl(["rollout", "status", w, "--timeout=120s"]);
        const newPods = getJson(["pods", "-l", "app.kubernetes.io/name=clair"]).items.filter(
            (p: any) => /^clair-(indexer|matcher|notifier)/.test(p.metadata.name) && !p.metadata.deletionTimestamp,
        );
        assert.ok(newPods.length >= 3, newPods.map((p: any) => p.metadata.name).join(", "));
        for (const pod of newPods) assert.equal(pod.spec.containers[0].image, "quay.io/projectquay/clair:4.9.0", pod.metadata.name);
        // In the watches' order: the pre Job completes, then every 4.9.0 Clair pod is created,
        // then the post Job is created.
        const preComplete = jobEvents.events.find((e) => e.name === "clair-pre-v4-9-0" && e.rest === "True");
        const postCreated = jobEvents.events.find((e) => e.name === "clair-post-v4-9-0" && e.type === "ADDED");
        const podsCreated = podEvents.events.filter(
            (e) => e.type === "ADDED" && /^clair-(indexer|matcher|notifier)/.test(e.name) && e.rest === "quay.io/projectquay/clair:4.9.0",
        );
        assert.ok(preComplete && postCreated, `job events: ${jobEvents.events.map((e) => `${e.type} ${e.name} ${e.resourceVersion}`).join(", ")}`);
        assert.ok(podsCreated.length >= newPods.length, `4.9.0 pods created during the up: ${podsCreated.map((e) => e.name).join(", ")}`);
        const rv = (e: WatchEvent) => e.resourceVersion;
        for (const pod of podsCreated) {
            assert.ok(
                rv(pod) > rv(preComplete),
                `${pod.name} created (rv ${pod.resourceVersion}) after the pre Job completed (rv ${preComplete.resourceVersion})`,
            );
        }
        // Before the post Job, each workload had created a 4.9.0 pod. Not yet asserted: that its
        // rollout was done. Known defect (docs/operations.md: Upgrading Clair): in two fresh-clone CI runs the post
        // Job was created while the two-pod matcher had created only its first 4.9.0 pod.
        const late: string[] = [];
        for (const workload of ["clair-indexer", "clair-matcher", "clair-notifier"]) {
            const running = newPods.filter((p: any) => p.metadata.name.startsWith(`${workload}-`)).length;
            const before = podsCreated.filter((e) => e.name.startsWith(`${workload}-`) && rv(e) < rv(postCreated));
            assert.ok(running >= 1, `${workload}: running 4.9.0 pods`);
            assert.ok(
                before.length >= 1,
                `${workload}: no 4.9.0 pod created before the post Job (rv ${postCreated.resourceVersion}): ${podsCreated.map((e) => `${e.name} ${e.resourceVersion}`).join(", ")}`,
            );
            if (before.length < running) late.push(`${workload}: ${before.length} of ${running} pods before the post Job`);
        }
        if (late.length) console.log(`      (known defect, post Job before the rollout ended: ${late.join("; ")})`);
        await timed("pulumi preview (no change, after 4.9.0)", () => pulumiOk(["preview", "--refresh", "--expect-no-changes", ...POLICY]));
    });

    it("refuses a program whose requests differ from its limits, at preview and at up, and creates nothing", async function () {
        const fixture = path.join(STATE, "e2e-fixture");
        fs.rmSync(fixture, { recursive: true, force: true });
        fs.cpSync(path.join(ROOT, "test/e2e/fixtures/unequal-resources"), fixture, { recursive: true });
        const opts = { cwd: fixture, stack: "e2e", configFile: null };
        execFileSync(env.SSCAN_PULUMI_BIN!, ["stack", "init", "e2e", "--secrets-provider", "passphrase", "--non-interactive"], {
            cwd: fixture,
            env,
            stdio: ["ignore", "ignore", "inherit"],
        });
        for (const command of [["preview"], ["up", "--yes"]]) {
            const r = await timed(`fixture ${command[0]} (refused)`, () => pulumi([...command, ...POLICY], opts));
            const output = r.stdout + r.stderr;
            assert.notEqual(r.status, 0, output);
            assert.match(output, /requests-equal-limits/, output);
            assert.match(output, /mandatory/, output);
        }
        const state = JSON.parse(pulumiOk(["stack", "export"], opts));
        const created = (state.deployment.resources ?? []).filter((r: any) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"));
        assert.deepEqual(
            created.map((r: any) => r.urn),
            [],
        );
        assert.match(kubectlFails(["get", "deployment", "policy-fixture-unequal"], { namespace: "default" }), /NotFound/);
        pulumiOk(["stack", "rm", "--yes", "--force"], opts);
    });

    it("admits every pod through OpenShift's SCC code: the namespace has its ranges, each pod restricted-v2's IDs; a fixed runAsUser is refused at once with OpenShift's message", async () => {
        // scripts/local-cluster.sh's openshift-scc webhook set the ranges when the namespace was created.
        const annotations = JSON.parse(kubectl(["get", "namespace", NS, "-o", "json"], { namespace: null })).metadata.annotations ?? {};
        const range = /^(\d+)\/10000$/.exec(annotations["openshift.io/sa.scc.uid-range"] ?? "");
        assert.ok(range, `namespace ${NS} annotations: ${JSON.stringify(annotations)}`);
        const first = Number(range[1]);
        const pods = getJson(["pods"]).items;
        assert.ok(pods.length >= 10, `${pods.length} pods`);
        for (const pod of pods) {
            const where = `pod ${pod.metadata.name}`;
            assert.equal(pod.metadata.annotations?.["openshift.io/scc"], "restricted-v2", where);
            // restricted-v2: the range's first uid for every container, its first group as fsGroup.
            assert.equal(pod.spec.securityContext.fsGroup, first, where);
            for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers])
                assert.equal(c.securityContext.runAsUser, first, `${where} ${c.name}`);
        }
        // The images' own uids again (platform kubernetes), in the stack-file copy as `pulumi
        // config set --path` would write it: the pack refuses them at preview...
        const committed = fs.readFileSync(configFile, "utf8");
        const copy = parse(committed);
        assert.equal(copy.config["scanning-platform:kubernetes"].platform, "openshift");
        copy.config["scanning-platform:kubernetes"].platform = "kubernetes";
        fs.writeFileSync(configFile, stringify(copy));
        try {
            const previewed = await timed("preview with fixed uids (refused by the pack)", () => pulumi(["preview", ...POLICY]));
            assert.notEqual(previewed.status, 0);
            assert.match(previewed.stdout + previewed.stderr, /openshift-namespace-ids/);
            // ...and without the pack, OpenShift's admission refuses the first workload at once, not after the await timeout.
            const started = Date.now();
            const refused = await timed("up with fixed uids (refused by the SCC webhook)", () => pulumi(["up", "--yes", "--skip-preview"]));
            const seconds = (Date.now() - started) / 1000;
            assert.notEqual(refused.status, 0);
            assert.match(refused.stdout + refused.stderr, /unable to validate against any security context constraint/);
            assert.match(refused.stdout + refused.stderr, /runAsUser: Invalid value: \d+: must be in the ranges: \[\d+, \d+\]/);
            assert.ok(seconds < 120, `refused after ${seconds} s`);
        } finally {
            fs.writeFileSync(configFile, committed);
        }
        // Nothing of it stuck: the stack as committed is what runs, with no change left to make.
        await timed("up after the refused change", () => pulumiOk(["up", "--yes", "--skip-preview", ...POLICY]));
        pulumiOk(["preview", "--refresh", "--expect-no-changes", ...POLICY]);
        const podsAfter = getJson(["pods"]).items;
        assert.ok(podsAfter.length >= 10, `${podsAfter.length} pods`);
        for (const pod of podsAfter) assert.equal(pod.metadata.annotations?.["openshift.io/scc"], "restricted-v2", pod.metadata.name);
    });

    const lane: Lane = {
        env: () => env,
        configFile: () => configFile,
        getJson,
        kubectl: (args) => kubectl(args),
        pulumiOk: (args) => pulumiOk(args),
        timed,
        workloads,
    };
    describePipeline(lane);

    it("destroys everything but the data CONTRIBUTING.md says it keeps; the next deploy, killed while it creates, recovers with --recover and re-attaches Malwar's claim with its data", async () => {
        const claim = getJson(["pvc", "malwar-data"]);
        const volume = JSON.parse(kubectl(["get", "pv", claim.spec.volumeName, "-o", "json"], { namespace: null }));
        // kwok runs no container: write Malwar's data into the volume's host directory ourselves.
        const dataDir = volume.spec.hostPath.path;
        fs.mkdirSync(dataDir, { recursive: true });
        const marker = `malwar.db written ${new Date().toISOString()} ${randomBytes(8).toString("hex")}`;
        fs.writeFileSync(path.join(dataDir, "malwar.db"), marker);

        await timed("pulumi destroy", () => pulumiOk(["destroy", "--yes", "--skip-preview"]));
        const state = JSON.parse(pulumiOk(["stack", "export"]));
        assert.deepEqual(
            (state.deployment.resources ?? []).filter((r: any) => r.type.startsWith("kubernetes:")),
            [],
        );
        // What is left: the namespace and Malwar's claim (the in-cluster databases' claims go
        // with their StatefulSets, through the garbage collector).
        const deadline = Date.now() + 90_000;
        let claims: string[] = [];
        while (Date.now() < deadline) {
            claims = getJson(["pvc"])
                .items.filter((c: any) => !c.metadata.deletionTimestamp)
                .map((c: any) => c.metadata.name);
            if (claims.length === 1) break;
            await new Promise((r) => setTimeout(r, 1000));
        }
        assert.deepEqual(claims, ["malwar-data"]);
        for (const kind of [
            "deployments",
            "statefulsets",
            "services",
            "cronjobs",
            "routes",
            "networkpolicies",
            "poddisruptionbudgets",
            "roles",
            "rolebindings",
        ]) {
            assert.deepEqual(
                getJson([kind]).items.map((i: any) => i.metadata.name),
                [],
                `${kind} left after destroy`,
            );
        }
        assert.deepEqual(
            getJson(["secrets"]).items.map((i: any) => i.metadata.name),
            [],
            "no Secret outlives the stack",
        );
        assert.equal(JSON.parse(kubectl(["get", "namespace", NS, "-o", "json"], { namespace: null })).status.phase, "Active");

        // The engine killed while it creates the objects again; scripts/ci/deploy --recover
        // deletes what it made unrecorded, clears its pending creates, and completes the update.
        await killCreateAndRecover(lane);
        const again = getJson(["pvc", "malwar-data"]);
        assert.equal(again.metadata.uid, claim.metadata.uid, "the same claim object");
        assert.equal(again.spec.volumeName, claim.spec.volumeName, "bound to the same volume");
        assert.equal(fs.readFileSync(path.join(dataDir, "malwar.db"), "utf8"), marker, "with its data");
        assert.deepEqual(
            workloads().filter((w) => !w.ready),
            [],
        );
        await timed("pulumi preview (no change, after re-up)", () => pulumiOk(["preview", "--refresh", "--expect-no-changes", ...POLICY]));
    });
});
