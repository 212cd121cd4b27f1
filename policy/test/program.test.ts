/**
 * The real program (index.ts under Pulumi's mocks, through the repository's tools/mock-run.ts)
 * checked by the pack. This is the one test of the pack that reaches outside policy/: the root
 * `npm test` runs it (the root .mocharc.json includes policy/test); the pack's own `npm test`
 * leaves it out (policy/.mocharc.json), since the pack is published and tested without the
 * program. Run anywhere else without the program, it is skipped and says why.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { openshiftNamespaceIds } from "../openshift-namespace-ids";
import { pinnedImages } from "../pinned-images";
import { policies } from "../policies";
import { requestsEqualLimits } from "../requests-equal-limits";
import { runAsNonRoot } from "../run-as-non-root";
import { checkResource, checkStack, type TestResource } from "./harness";

/** What this test reads of a resource of tools/mock-run.ts's run: typed here, so the pack type-checks without the program. */
interface ProgramResource {
    type: string;
    name: string;
    /** Inputs as the engine receives them (secrets wrapped). */
    inputs: Record<string, any>;
}
type RunProgram = (stack: string) => Promise<{ resources: ProgramResource[] }>;

const ROOT = path.resolve(__dirname, "..", "..");

/** The program's runProgram, or why it cannot run here. */
function loadProgram(): { runProgram: RunProgram } | { missing: string } {
    const mockRun = path.join(ROOT, "tools", "mock-run.ts");
    if (!fs.existsSync(mockRun) || !fs.existsSync(path.join(ROOT, "index.ts"))) return { missing: `the program (${mockRun}) is not beside the pack` };
    try {
        require.resolve("@pulumi/pulumi", { paths: [ROOT] });
    } catch {
        return { missing: `the program's dependencies are not installed (run npm ci in ${ROOT})` };
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module path known only at run time
    return { runProgram: require(mockRun).runProgram as RunProgram };
}

type PackConfig = Record<string, string | { enforcementLevel?: string; [key: string]: unknown }>;

function packConfig(stack: string): PackConfig {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", `config.${stack}.json`), "utf8"));
}

function levelAndConfig(config: PackConfig, name: string, fallback: string): { level: string; values: Record<string, unknown> } {
    const entry = config[name];
    if (typeof entry === "string") return { level: entry, values: {} };
    const { enforcementLevel, ...values } = entry ?? {};
    return { level: enforcementLevel ?? fallback, values };
}

const toTest = (r: ProgramResource): TestResource => ({ type: r.type, name: r.name, props: r.inputs });

interface Found {
    policy: string;
    level: string;
    message: string;
}

/** Every violation of every policy over the resources, with the level the stack's pack config gives it. */
async function evaluate(resources: ProgramResource[], stack: string): Promise<Found[]> {
    const config = packConfig(stack);
    const found: Found[] = [];
    for (const policy of policies) {
        const { level, values } = levelAndConfig(config, policy.name, policy.enforcementLevel ?? "advisory");
        if ("validateStack" in policy) {
            const outcome = await checkStack(policy as StackValidationPolicy, resources.map(toTest), values);
            assert.equal(outcome.unknown, undefined);
            for (const message of outcome.violations) found.push({ policy: policy.name, level, message });
        } else {
            for (const r of resources) {
                const outcome = await checkResource(policy as ResourceValidationPolicy, toTest(r), values);
                assert.equal(outcome.unknown, undefined);
                for (const message of outcome.violations) found.push({ policy: policy.name, level, message });
            }
        }
    }
    return found;
}

const mandatory = async (resources: ProgramResource[], stack: string) => (await evaluate(resources, stack)).filter((v) => v.level === "mandatory");

/** Edits the inputs of the one resource of `type` named `name` (metadata.name or logical name). */
function breakResource(resources: ProgramResource[], type: string, name: string, edit: (inputs: any) => void): ProgramResource[] {
    let edited = 0;
    const copy = resources.map((r) => {
        if (r.type !== type || (r.inputs.metadata?.name !== name && r.name !== name)) return r;
        const inputs = JSON.parse(JSON.stringify(r.inputs));
        edit(inputs);
        edited++;
        return { ...r, inputs };
    });
    assert.equal(edited, 1, `${type} ${name} found once`);
    return copy;
}

/**
 * The program's workloads, from the documentation (docs/architecture.md, README.md) rather than from the pack: Clair's indexer
 * StatefulSet, matcher and notifier Deployments, ClamAV's Deployment and refresh CronJob,
 * Malwar's Deployment, its backup CronJob on stage and prod, and on the local stack one in-cluster
 * PostgreSQL per Clair node type.
 */
function expectedWorkloads(stack: string): string[] {
    const common = [
        "StatefulSet clair-indexer",
        "Deployment clair-matcher",
        "Deployment clair-notifier",
        // clairctl admin pre/post around a change of Clair's version, named after it.
        "Job clair-pre-v4-8-0",
        "Job clair-post-v4-8-0",
        "Deployment clamav",
        "CronJob refresh-clamav-db",
        "StatefulSet clamav-mirror",
        "Deployment malwar",
    ];
    // The local stack runs PostgreSQL in the cluster and Clair disconnected (the updaters import Job and CronJob).
    const inCluster = [
        "StatefulSet clair-indexer-db",
        "StatefulSet clair-matcher-db",
        "StatefulSet clair-notifier-db",
        "Job clair-import-32d9412a",
        "CronJob clair-import-updaters",
    ];
    return (stack === "local" ? [...common, ...inCluster] : [...common, "CronJob malwar-backup"]).sort();
}

/** Pulumi types of Kubernetes objects that carry a pod template, and where it is: written out here, not taken from the pack. */
const POD_TEMPLATE_AT: Record<string, (inputs: any) => any> = {
    "kubernetes:apps/v1:Deployment": (o) => o.spec.template.spec,
    "kubernetes:apps/v1:StatefulSet": (o) => o.spec.template.spec,
    "kubernetes:apps/v1:DaemonSet": (o) => o.spec.template.spec,
    "kubernetes:apps/v1:ReplicaSet": (o) => o.spec.template.spec,
    "kubernetes:batch/v1:Job": (o) => o.spec.template.spec,
    "kubernetes:batch/v1:CronJob": (o) => o.spec.jobTemplate.spec.template.spec,
    "kubernetes:core/v1:Pod": (o) => o.spec,
};

interface ContainerAt {
    resource: ProgramResource;
    /** "Deployment clamav", as the policies name it. */
    owner: string;
    role: "initContainer" | "container";
    index: number;
    name: string;
}

function containersAt(resources: ProgramResource[]): ContainerAt[] {
    const found: ContainerAt[] = [];
    for (const resource of resources) {
        const locate = POD_TEMPLATE_AT[resource.type];
        if (!locate) continue;
        const spec = locate(resource.inputs);
        const owner = `${resource.inputs.kind} ${resource.inputs.metadata.name}`;
        (spec.initContainers ?? []).forEach((c: any, index: number) => found.push({ resource, owner, role: "initContainer", index, name: c.name }));
        (spec.containers ?? []).forEach((c: any, index: number) => found.push({ resource, owner, role: "container", index, name: c.name }));
    }
    return found;
}

/** The resource with one container edited (a deep copy; the run is left as it was). */
function withContainer(at: ContainerAt, edit: (container: any) => void): TestResource {
    const inputs = JSON.parse(JSON.stringify(at.resource.inputs));
    edit(POD_TEMPLATE_AT[at.resource.type](inputs)[at.role === "initContainer" ? "initContainers" : "containers"][at.index]);
    return { type: at.resource.type, name: at.resource.name, props: inputs };
}

const program = loadProgram();

/** Every stack file of the program (Pulumi.<stack>.yaml): a new stack is checked without an edit here. */
const STACKS = fs.existsSync(ROOT)
    ? fs
          .readdirSync(ROOT)
          .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
          .filter((s): s is string => !!s)
          .sort()
    : [];

describe("the real program under the policy pack", function () {
    this.timeout(120000);
    before(function () {
        if ("missing" in program) {
            console.log(`    skipped: ${program.missing}; run npm test at the repository root`);
            this.skip();
        }
    });
    const run = (stack: string) => (program as { runProgram: RunProgram }).runProgram(stack);

    it("has a pack config for every stack file, and none for a stack that does not exist", () => {
        const configs = fs
            .readdirSync(path.join(__dirname, ".."))
            .map((f) => /^config\.(.+)\.json$/.exec(f)?.[1])
            .filter((s): s is string => !!s)
            .sort();
        assert.deepEqual(configs, STACKS);
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            let resources: ProgramResource[];
            before(async function () {
                if ("missing" in program) this.skip();
                resources = (await run(stack)).resources;
            });

            it("passes every mandatory policy", async () => {
                assert.deepEqual(await mandatory(resources, stack), []);
            });

            if (levelAndConfig(packConfig(stack), openshiftNamespaceIds.name, "disabled").level === "mandatory") {
                // OpenShift's restricted-v2 refuses any uid outside the namespace's range (1000680000/10000 on
                // a typical cluster): a pod that sets one must be refused at preview, each workload kind alike.
                it("openshift-namespace-ids refuses a fixed runAsUser or fsGroup in any pod, unless a RoleBinding grants nonroot-v2", async () => {
                    const workloads = resources.filter((r) => POD_TEMPLATE_AT[r.type]);
                    assert.ok(workloads.length >= 10, `${workloads.length} workloads`);
                    for (const w of workloads) {
                        const withUid = breakResource(resources, w.type, w.inputs.metadata.name, (o) => {
                            POD_TEMPLATE_AT[w.type](o).containers[0].securityContext.runAsUser = 1000;
                        });
                        const outcome = await checkStack(openshiftNamespaceIds, withUid.map(toTest));
                        assert.equal(outcome.violations.length, 1, `${w.inputs.kind} ${w.inputs.metadata.name}: ${outcome.violations.join("; ")}`);
                        assert.match(outcome.violations[0], /runAsUser 1000 \(container /);
                        const withGroup = breakResource(resources, w.type, w.inputs.metadata.name, (o) => {
                            POD_TEMPLATE_AT[w.type](o).securityContext.fsGroup = 1000;
                        });
                        assert.match((await checkStack(openshiftNamespaceIds, withGroup.map(toTest))).violations.join(), /fsGroup 1000 \(pod\)/);
                        const sa = POD_TEMPLATE_AT[w.type](w.inputs).serviceAccountName;
                        const namespace = w.inputs.metadata.namespace;
                        const grant: TestResource = {
                            type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
                            name: "grant",
                            props: {
                                metadata: { name: "scc-nonroot-v2", namespace },
                                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:openshift:scc:nonroot-v2" },
                                subjects: [{ kind: "ServiceAccount", name: sa, namespace }],
                            },
                        };
                        assert.deepEqual((await checkStack(openshiftNamespaceIds, [...withUid.map(toTest), grant])).violations, [], `granted to ${sa}`);
                        const otherAccount = { ...grant, props: { ...grant.props, subjects: [{ kind: "ServiceAccount", name: `not-${sa}`, namespace }] } };
                        assert.equal(
                            (await checkStack(openshiftNamespaceIds, [...withUid.map(toTest), otherAccount])).violations.length,
                            1,
                            "a grant to another account does not count",
                        );
                    }
                });
            }

            it("has the workloads the documentation lists, and no other pod template", () => {
                const workloads = resources.filter((r) => POD_TEMPLATE_AT[r.type]).map((r) => `${r.inputs.kind} ${r.inputs.metadata.name}`);
                assert.deepEqual(workloads.sort(), expectedWorkloads(stack));
            });

            // Each of these breaks one container at a time, for every container of every workload,
            // so a container, init container or workload kind the policies skip would show.
            it("requests-equal-limits reaches every container and init container", async () => {
                const containers = containersAt(resources);
                assert.ok(
                    containers.some((c) => c.role === "initContainer"),
                    "the program has init containers",
                );
                for (const at of containers) {
                    let requests: Record<string, unknown> = {};
                    const broken = withContainer(at, (c) => {
                        requests = c.resources.requests;
                        c.resources.limits.cpu = "999";
                        c.resources.limits.memory = "999Gi";
                    });
                    const where = `${at.owner}, ${at.role} ${at.name}`;
                    assert.deepEqual((await checkResource(requestsEqualLimits, broken)).violations, [
                        `${where}: cpu request ${JSON.stringify(requests.cpu)} differs from limit "999"`,
                        `${where}: memory request ${JSON.stringify(requests.memory)} differs from limit "999Gi"`,
                    ]);
                }
            });

            it("pinned-images reaches every container and init container", async () => {
                for (const at of containersAt(resources)) {
                    let image = "";
                    const broken = withContainer(at, (c) => {
                        // The repository without its tag, then with the moving tag: both unpinned.
                        image = c.image.replace(/:[\w][\w.-]*$/, "");
                        assert.notEqual(image, c.image, `${at.owner} ${at.name}: image ${c.image} has a tag`);
                        c.image = at.role === "initContainer" ? image : `${image}:latest`;
                    });
                    const shown = at.role === "initContainer" ? image : `${image}:latest`;
                    assert.deepEqual((await checkResource(pinnedImages, broken)).violations, [
                        `${at.owner}, ${at.role} ${at.name}: image ${JSON.stringify(shown)} is not pinned to a tag or digest`,
                    ]);
                }
            });

            it("run-as-non-root reaches every container and init container", async () => {
                for (const at of containersAt(resources)) {
                    const where = `${at.owner}, ${at.role} ${at.name}`;
                    const root = withContainer(at, (c) => {
                        c.securityContext = { ...c.securityContext, runAsUser: 0 };
                    });
                    assert.deepEqual((await checkResource(runAsNonRoot, root)).violations, [`${where}: runAsUser is 0 (root)`]);
                    const mayBeRoot = withContainer(at, (c) => {
                        c.securityContext = { ...c.securityContext, runAsNonRoot: false };
                    });
                    assert.deepEqual((await checkResource(runAsNonRoot, mayBeRoot)).violations, [`${where}: runAsNonRoot is not true`]);
                }
            });

            it("fails requests-equal-limits when a cpu limit is doubled", async () => {
                const broken = breakResource(resources, "kubernetes:apps/v1:Deployment", "clair-matcher", (d) => {
                    d.spec.template.spec.containers[0].resources.limits.cpu = stack === "local" ? "500m" : "4";
                });
                const violations = await mandatory(broken, stack);
                assert.deepEqual(
                    violations.map((v) => v.policy),
                    ["requests-equal-limits"],
                );
                assert.match(violations[0].message, /Deployment clair-matcher, container clair: cpu request "(2|250m)" differs from limit "(4|500m)"/);
            });

            it("fails requests-equal-limits when a memory limit is removed", async () => {
                const broken = breakResource(resources, "kubernetes:batch/v1:CronJob", "refresh-clamav-db", (c) => {
                    delete c.spec.jobTemplate.spec.template.spec.containers[0].resources.limits.memory;
                });
                const violations = await mandatory(broken, stack);
                assert.deepEqual(
                    violations.map((v) => v.policy),
                    ["requests-equal-limits"],
                );
                assert.match(
                    violations[0].message,
                    /CronJob refresh-clamav-db, container (rollout-restart|patch-if-newer): memory request "128Mi" and limit \(unset\)/,
                );
            });

            it("fails pinned-images, and only it, when a ClamAV init container moves to latest", async () => {
                const broken = breakResource(resources, "kubernetes:apps/v1:Deployment", "clamav", (d) => {
                    d.spec.template.spec.initContainers[0].image = "clamav/clamav:latest";
                });
                const violations = await mandatory(broken, stack);
                assert.deepEqual(
                    violations.map((v) => v.policy),
                    ["pinned-images"],
                );
                assert.match(
                    violations[0].message,
                    /^Deployment clamav, initContainer [\w-]+: image "clamav\/clamav:latest" is not pinned to a tag or digest$/,
                );
            });

            it("fails run-as-non-root (and on OpenShift stacks openshift-namespace-ids), only these, when Malwar's container runs as uid 0", async () => {
                const broken = breakResource(resources, "kubernetes:apps/v1:Deployment", "malwar", (d) => {
                    d.spec.template.spec.containers[0].securityContext.runAsUser = 0;
                });
                const violations = await mandatory(broken, stack);
                const openshift = levelAndConfig(packConfig(stack), openshiftNamespaceIds.name, "disabled").level === "mandatory";
                assert.deepEqual(
                    violations.map((v) => v.policy),
                    ["run-as-non-root", ...(openshift ? [openshiftNamespaceIds.name] : [])],
                );
                assert.equal(violations[0].message, "Deployment malwar, container malwar: runAsUser is 0 (root)");
            });

            if (stack !== "local") {
                it("fails rds-backup-retention when retention drops to 7 days", async () => {
                    const broken = breakResource(resources, "aws:rds/instance:Instance", "clair-notifier-db", (i) => {
                        i.backupRetentionPeriod = 7;
                    });
                    const violations = await mandatory(broken, stack);
                    assert.deepEqual(
                        violations.map((v) => v.policy),
                        ["rds-backup-retention"],
                    );
                    assert.match(violations[0].message, new RegExp(`clair-notifier-${stack}: backupRetentionPeriod 7 is below the minimum of 30 days`));
                });

                it("fails clair-connection-pools when the pool annotation outgrows the database", async () => {
                    const broken = breakResource(resources, "kubernetes:apps/v1:StatefulSet", "clair-indexer", (s) => {
                        s.metadata.annotations["clair.scanning-platform/pool-max-conns"] = "1000";
                    });
                    const violations = await mandatory(broken, stack);
                    assert.deepEqual(
                        violations.map((v) => v.policy),
                        ["clair-connection-pools"],
                    );
                });
            }
        });
    }

    it("stage reports its databases' missing deletion protection as advisory only", async () => {
        const found = await evaluate((await run("stage")).resources, "stage");
        assert.deepEqual([...new Set(found.map((v) => `${v.policy}:${v.level}`))], ["rds-deletion-protection:advisory"]);
        assert.equal(found.length, 3);
    });
});
