/**
 * The cluster lane: the local stack's objects, as the program renders them, against a real
 * Kubernetes 1.33 control plane (etcd, kube-apiserver with TLS and RBAC, controller-manager,
 * scheduler, kwok nodes) built from Go modules by scripts/toolchain.sh.
 *
 * What it cannot do here: run the Pulumi engine itself. The Go module proxy this machine
 * reaches refuses the Node.js language host and the Kubernetes provider (scripts/toolchain/
 * TIMINGS.md), so objects are applied with kubectl server-side apply instead of `pulumi up`.
 */
import { strict as assert } from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse, stringify } from "yaml";
import { renderStack } from "../../tools/render";
import { ROOT } from "../../tools/mock-run";

const run = promisify(execFile);
const NS = "scanning-local";
const SA = `system:serviceaccount:${NS}:refresh-clamav-db`;
const KUBECONFIG = path.join(process.env.SSCAN_STATE_DIR ?? path.join(ROOT, ".state"), "kubeconfig");
const timings: Record<string, number> = {};

function toolchainPath(): string {
    const cache = process.env.SSCAN_TOOLCHAIN_DIR ?? path.join(os.homedir(), ".cache", "sscan-toolchain");
    return execFileSync("bash", ["-c", 'source "$1" >/dev/null && printf %s "$PATH"', "_", path.join(cache, "env.sh")], { encoding: "utf8" });
}

let env: NodeJS.ProcessEnv;
function kubectl(args: string[], options: { as?: string; input?: string } = {}): string {
    const full = ["--kubeconfig", KUBECONFIG, "-n", NS, ...(options.as ? ["--as", options.as] : []), ...args];
    return execFileSync("kubectl", full, { env, encoding: "utf8", input: options.input, stdio: ["pipe", "pipe", "pipe"] });
}
function kubectlFails(args: string[], options: { as?: string; input?: string } = {}): string {
    try {
        kubectl(args, options);
    } catch (err) {
        return String((err as { stderr?: string }).stderr ?? err);
    }
    assert.fail(`kubectl ${args.join(" ")} succeeded`);
}

async function timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const started = Date.now();
    try {
        return await fn();
    } finally {
        timings[name] = (Date.now() - started) / 1000;
        console.log(`      (${name}: ${timings[name].toFixed(1)} s)`);
    }
}

describe("the local stack on a real Kubernetes 1.33 control plane", function () {
    let dir: string;
    let files: string[];

    before(async function () {
        await timed("toolchain (kubernetes, etcd, kwok)", () => execFileSync("bash", [path.join(ROOT, "scripts/toolchain.sh"), "kubernetes", "etcd", "kwok"], { stdio: "inherit" }));
        env = { ...process.env, PATH: toolchainPath() };
        // A clean control plane every run: state left by an earlier run (released volumes, old
        // pods) has made rollouts stall here.
        await timed("control plane up", () => {
            execFileSync("bash", [path.join(ROOT, "scripts/local-cluster.sh"), "reset"], { stdio: "inherit", env });
            execFileSync("bash", [path.join(ROOT, "scripts/local-cluster.sh"), "up"], { stdio: "inherit", env });
        });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-render-"));
        files = await renderStack("local", dir);
    });

    after(function () {
        if (process.env.KEEP_CLUSTER) return;
        execFileSync("bash", [path.join(ROOT, "scripts/local-cluster.sh"), "down"], { stdio: "inherit", env });
        console.log(`      timings: ${JSON.stringify(timings)}`);
    });

    it("accepts every object the program creates (server-side apply, strict field validation)", async () => {
        const namespaceFile = files.find((f) => path.basename(f).startsWith("namespace-"))!;
        await timed("apply", () => {
            kubectl(["apply", "--server-side", "--field-manager=scanning-e2e", "--validate=strict", "-f", namespaceFile]);
            const out = kubectl(["apply", "--server-side", "--field-manager=scanning-e2e", "--validate=strict", "-f", dir]);
            assert.equal(out.trim().split("\n").length, files.length, out);
        });
    });

    it("brings every workload to Ready", async () => {
        await timed("rollout", () => {
            for (const kind of ["deployment", "statefulset"]) {
                const names = kubectl(["get", kind, "-o", "name"]).trim().split("\n");
                assert.ok(names.length >= 2, kind);
                for (const name of names) {
                    try {
                        kubectl(["rollout", "status", name, "--timeout=300s"]);
                    } catch (err) {
                        console.log(kubectl(["get", "pods", "-o", "wide"]), kubectl(["get", "events", "--sort-by=.lastTimestamp"]));
                        throw err;
                    }
                }
            }
            const claims = JSON.parse(kubectl(["get", "pvc", "-o", "json"])).items;
            assert.ok(claims.length >= 5);
            for (const claim of claims) assert.equal(claim.status.phase, "Bound", claim.metadata.name);
        });
    });

    it("re-applies without a change: the rendered objects are stable under server defaulting", () => {
        // kubectl diff exits 1 when it finds a difference.
        kubectl(["diff", "--server-side", "--field-manager=scanning-e2e", "-f", dir]);
    });

    it("validates Routes through the CRD schema: a path without a leading slash is refused", () => {
        const route = parse(fs.readFileSync(files.find((f) => path.basename(f) === "route-clair-indexer.yaml")!, "utf8"));
        route.spec.path = "indexer";
        const error = kubectlFails(["apply", "--dry-run=server", "-f", "-"], { input: stringify(route) });
        assert.match(error, /spec\.path/);
    });

    it("restarts ClamAV as the CronJob's ServiceAccount while the Service keeps a ready endpoint", async () => {
        const podsBefore = new Set(JSON.parse(kubectl(["get", "pods", "-l", "app.kubernetes.io/name=clamav,app.kubernetes.io/component=clamd", "-o", "json"])).items.map((p: any) => p.metadata.name));
        assert.equal(podsBefore.size, 2);
        const readyEndpoints = async (): Promise<number> => {
            const { stdout } = await run("kubectl", ["--kubeconfig", KUBECONFIG, "-n", NS, "get", "endpointslices", "-l", "kubernetes.io/service-name=clamav", "-o", "json"], { env });
            return JSON.parse(stdout).items.flatMap((s: any) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready === true).length;
        };
        assert.ok((await readyEndpoints()) >= 1, "ready before the restart");

        await timed("clamav refresh rollout", async () => {
            // The CronJob's own command, with the CronJob's own identity.
            kubectl(["rollout", "restart", "deployment/clamav"], { as: SA });
            const samples: number[] = [];
            let done = false;
            const rollout = run("kubectl", ["--kubeconfig", KUBECONFIG, "-n", NS, "rollout", "status", "deployment/clamav", "--timeout=180s"], { env }).finally(() => {
                done = true;
            });
            while (!done) {
                samples.push(await readyEndpoints());
                await new Promise((r) => setTimeout(r, 250));
            }
            await rollout;
            samples.push(await readyEndpoints());
            console.log(`      (ready endpoints sampled ${samples.length} times during the rollout: min ${Math.min(...samples)}, max ${Math.max(...samples)})`);
            assert.ok(samples.length >= 3, "sampled through the rollout");
            assert.ok(Math.min(...samples) >= 1, `the Service lost its last ready endpoint: ${samples.join(",")}`);
        });
        const podsAfter = JSON.parse(kubectl(["get", "pods", "-l", "app.kubernetes.io/name=clamav,app.kubernetes.io/component=clamd", "-o", "json"])).items
            .filter((p: any) => !p.metadata.deletionTimestamp)
            .map((p: any) => p.metadata.name);
        assert.equal(podsAfter.length, 2);
        for (const pod of podsAfter) assert.ok(!podsBefore.has(pod), "every pod was replaced");
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
        for (const [verb, resource] of [["delete", "deployment/clamav"], ["update", "deployment/clamav"], ["get", "deployment/malwar"], ["patch", "deployment/clair-matcher"], ["list", "deployments"], ["get", "secrets"], ["list", "pods"], ["create", "pods"], ["create", "jobs"], ["patch", "cronjob/refresh-clamav-db"]]) {
            assert.ok(!can(verb, resource), `${verb} ${resource} must be denied`);
        }
        const denied = kubectlFails(["rollout", "restart", "deployment/malwar"], { as: SA });
        assert.match(denied, /forbidden/);
    });

    it("refreshes by hand with kubectl create job --from=cronjob/refresh-clamav-db", () => {
        kubectl(["create", "job", "manual-refresh", "--from=cronjob/refresh-clamav-db"]);
        const job = JSON.parse(kubectl(["get", "job", "manual-refresh", "-o", "json"]));
        const pod = job.spec.template.spec;
        assert.equal(pod.serviceAccountName, "refresh-clamav-db");
        assert.deepEqual(pod.containers[0].command, ["kubectl", "rollout", "restart", "deployment/clamav"]);
    });
});
