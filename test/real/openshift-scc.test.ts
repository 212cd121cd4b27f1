/**
 * What OpenShift would admit, judged by OpenShift's own SCC admission code (tools/openshift-scc,
 * built from openshift/apiserver-library-go by scripts/openshift-scc.sh) with the default SCCs a
 * cluster ships, in a namespace annotated 1000680000/10000 as OpenShift's namespace controller
 * annotates a new one. Expected values come from restricted-v2 itself: runAsUser MustRunAsRange
 * assigns the range's first UID, fsGroup MustRunAs its first group.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { runSccCheck, sccRequest, type SccVerdict } from "../../tools/openshift-scc";
import { runProgram, unwrapSecrets, type RunOptions } from "../../tools/mock-run";
import { skipOutsideCi, UNAVAILABLE_STATUS } from "../host-tools";

const ROOT = path.resolve(__dirname, "..", "..");
const RANGE_START = 1000680000;
const RANGE_END = RANGE_START + 10000 - 1;

/** The script cannot provide the command here; the message names what to install. */
class SccToolUnavailable extends Error {}

/** scripts/openshift-scc.sh: builds the command on first use (about 75 s on 2 cores), then its cache. */
function provide(): Promise<{ bin: string; manifests: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [path.join(ROOT, "scripts/openshift-scc.sh")], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => {
            err += d;
            process.stderr.write(d);
        });
        child.on("close", (code) => {
            const [bin, manifests] = out.trim().split("\n");
            const error = err.match(/\[openshift-scc\] ERROR: (.*)/)?.[1];
            if (code === UNAVAILABLE_STATUS) return reject(new SccToolUnavailable(error ?? "scripts/openshift-scc.sh cannot provide it here"));
            if (code === 0 && bin && manifests) resolve({ bin, manifests });
            else reject(new Error(`scripts/openshift-scc.sh failed (exit ${code})${error ? `: ${error}` : ""}`));
        });
    });
}

/** The program's Kubernetes objects of a stack, as the engine would send them. */
async function objectsOf(stack: string, options: RunOptions = {}): Promise<any[]> {
    const run = await runProgram(stack, options);
    return run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:pulumi"))
        .map((r) => unwrapSecrets(r.inputs));
}

describe("OpenShift's SCC admission code judges every pod template", function () {
    this.timeout(600000);
    let tool: { bin: string; manifests: string };
    const judge = (objects: any[]): Promise<SccVerdict[]> => {
        const namespace = objects.find((o) => o.kind === "Namespace")?.metadata.name ?? "ns";
        return runSccCheck(tool.bin, sccRequest(objects, tool.manifests, namespace));
    };
    before(async function () {
        try {
            tool = await provide();
        } catch (err) {
            if (err instanceof SccToolUnavailable) skipOutsideCi(this, err.message);
            throw err;
        }
    });

    const PODS: Record<string, number> = { stage: 10, prod: 10, local: 14 };
    for (const stack of ["stage", "prod", "local"]) {
        it(`${stack}: restricted-v2 admits all ${PODS[stack]} pods, assigning the range's first uid and fsGroup`, async () => {
            const verdicts = await judge(await objectsOf(stack));
            assert.equal(verdicts.length, PODS[stack]);
            for (const v of verdicts) {
                assert.equal(v.admittedBy, "restricted-v2", `${v.name}: ${JSON.stringify(v.refusals)}`);
                // Every authenticated account may use restricted-v2 and restricted-v3 (the shipped bindings); restricted-v2 is tried first.
                assert.deepEqual(v.usableSCCs, ["restricted-v2", "restricted-v3"], v.name);
                assert.equal(v.podSecurityContext?.fsGroup, RANGE_START, v.name);
                for (const [container, sc] of Object.entries(v.containerSecurityContexts ?? {})) {
                    assert.equal(sc.runAsUser, RANGE_START, `${v.name} ${container}`);
                    assert.ok(sc.runAsUser >= RANGE_START && sc.runAsUser <= RANGE_END);
                    assert.equal(sc.allowPrivilegeEscalation, false);
                    assert.deepEqual(sc.capabilities?.drop, ["ALL"]);
                }
            }
        });
    }

    it("a fixed runAsUser put back into one pod is refused with OpenShift's own message, the others still admitted", async () => {
        const objects = await objectsOf("stage");
        const malwar = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "malwar");
        malwar.spec.template.spec.containers[0].securityContext.runAsUser = 1000;
        const verdicts = await judge(objects);
        const refused = verdicts.filter((v) => !v.admittedBy);
        assert.deepEqual(
            refused.map((v) => v.name),
            ["Deployment/malwar"],
        );
        const message = refused[0].refusals.find((r) => r.scc === "restricted-v2")?.message ?? "";
        assert.match(
            message,
            new RegExp(`restricted-v2\\.containers\\[0\\]\\.runAsUser: Invalid value: 1000: must be in the ranges: \\[${RANGE_START}, ${RANGE_END}\\]`),
        );
    });

    it("kubernetes.openshiftScc nonroot-v2: the program's RoleBinding lets nonroot-v2 admit the fixed IDs; without it restricted-v2 refuses them", async () => {
        const objects = await objectsOf("prod", { sets: { "kubernetes.openshiftScc": "nonroot-v2" } });
        const granted = await judge(objects);
        assert.equal(granted.length, 10);
        for (const v of granted) {
            assert.equal(v.admittedBy, "nonroot-v2", `${v.name}: ${JSON.stringify(v.refusals)}`);
            assert.ok(v.usableSCCs.includes("nonroot-v2"), v.name);
        }
        const withoutBinding = await judge(objects.filter((o) => !(o.kind === "RoleBinding" && o.roleRef?.name === "system:openshift:scc:nonroot-v2")));
        for (const v of withoutBinding) {
            assert.equal(v.admittedBy, "", v.name);
            assert.match(v.refusals[0].message, /runAsUser: Invalid value: \d+: must be in the ranges/);
        }
    });

    it("platform kubernetes (the images' own uids) would be refused on OpenShift without a grant", async () => {
        const verdicts = await judge(await objectsOf("local", { sets: { "kubernetes.platform": "kubernetes" } }));
        assert.equal(verdicts.length, 14);
        for (const v of verdicts) assert.equal(v.admittedBy, "", v.name);
    });
});
