/**
 * kubernetes.platform: what OpenShift's restricted-v2 SCC asks of every pod, checked on the whole
 * program under Pulumi's mocks (the verdict of OpenShift's own admission code is in
 * test/real/openshift-scc.test.ts). The requirements are restricted-v2's, as OpenShift ships it
 * (cluster-kube-apiserver-operator, bootkube/scc-manifests): runAsUser MustRunAsRange and fsGroup
 * MustRunAs (the namespace's range: so a pod that sets its own is refused), no privilege
 * escalation, every capability dropped, seccomp runtime/default; plus the program's own rule of a
 * read-only root filesystem.
 */
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config/load";
import { PROJECT } from "../config/platform";
import { fromOpenshiftScc } from "../tools/check-manifests";
import { podTemplatesOf, sccRequest, type SccVerdict } from "../tools/openshift-scc";
import { runProgram, stackConfig, unwrapSecrets, type MockRun } from "../tools/mock-run";
import { K8S, ofType, podSpecs, stackRun } from "./helpers";

const FIXED_ID_FIELDS = ["runAsUser", "runAsGroup", "fsGroup"];

/** Every container of a pod spec with the security context it runs with (its own over the pod's). */
function containers(spec: any): { name: string; pod: any; own: any }[] {
    return [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => ({
        name: c.name,
        pod: spec.securityContext ?? {},
        own: c.securityContext ?? {},
    }));
}

/** The fixed IDs a pod spec sets anywhere, as "container x: runAsUser 1000". */
function fixedIdsOf(spec: any): string[] {
    const found = FIXED_ID_FIELDS.filter((f) => spec.securityContext?.[f] !== undefined).map((f) => `pod: ${f} ${spec.securityContext[f]}`);
    for (const c of containers(spec)) for (const f of FIXED_ID_FIELDS) if (c.own[f] !== undefined) found.push(`container ${c.name}: ${f} ${c.own[f]}`);
    return found;
}

/** What restricted-v2 (and Pod Security "restricted") still ask of a container whatever its IDs. */
function restrictedProblems(spec: any): string[] {
    const problems: string[] = [];
    for (const c of containers(spec)) {
        const at = (f: string) => c.own[f] ?? c.pod[f];
        if (at("runAsNonRoot") !== true) problems.push(`${c.name}: runAsNonRoot not true`);
        if (c.own.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation not false`);
        if (JSON.stringify(c.own.capabilities?.drop) !== JSON.stringify(["ALL"])) problems.push(`${c.name}: capabilities not drop [ALL]`);
        if ((c.own.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE")) problems.push(`${c.name}: adds a capability`);
        if (at("seccompProfile")?.type !== "RuntimeDefault") problems.push(`${c.name}: seccomp not RuntimeDefault`);
        if (c.own.readOnlyRootFilesystem !== true) problems.push(`${c.name}: root filesystem writable`);
        if (c.own.privileged === true) problems.push(`${c.name}: privileged`);
    }
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push("host namespaces");
    for (const v of spec.volumes ?? []) if (v.hostPath) problems.push(`volume ${v.name}: hostPath`);
    return problems;
}

describe("OpenShift: kubernetes.platform", function () {
    this.timeout(120000);

    // The workloads docs/architecture.md lists: Clair's three, its two clairctl Jobs, clamd, the mirror, the refresh
    // CronJob and Malwar on every stack; the backup CronJob on stage and prod; on local the three
    // in-cluster PostgreSQL StatefulSets and the updaters import Job and CronJob.
    const PODS: Record<string, number> = { stage: 10, prod: 10, local: 14 };
    for (const stack of ["stage", "prod", "local"]) {
        describe(`${stack} (platform openshift)`, () => {
            let run: MockRun;
            before(async () => {
                run = await stackRun(stack);
            });
            it("is an OpenShift stack in its stack file", () => {
                assert.equal(parseConfig(stackConfig(stack)).kubernetes.platform, "openshift");
            });
            it("no pod or container sets runAsUser, runAsGroup or fsGroup (restricted-v2 assigns them from the namespace's range)", () => {
                const pods = podSpecs(run);
                assert.equal(pods.length, PODS[stack], pods.map((p) => p.owner).join(", "));
                for (const { owner, spec } of pods) assert.deepEqual(fixedIdsOf(spec), [], owner);
            });
            it("every container still meets the rest of restricted-v2: non-root, no escalation, no capabilities, RuntimeDefault seccomp, read-only root", () => {
                for (const { owner, spec } of podSpecs(run)) assert.deepEqual(restrictedProblems(spec), [], owner);
            });
            it("binds no SCC: restricted-v2 needs no grant", () => {
                const bindings = ofType(run, K8S.roleBinding).map((r) => unwrapSecrets(r.inputs));
                assert.deepEqual(
                    bindings.filter((b) => String(b.roleRef.name).startsWith("system:openshift:scc:")),
                    [],
                );
            });
            it("the SCC checker is handed every pod template, with the namespace's OpenShift ranges", () => {
                const objects = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:")).map((r) => unwrapSecrets(r.inputs));
                const request = sccRequest(objects, "/scc", "ns");
                assert.deepEqual(
                    request.pods.map((p) => p.name).sort(),
                    podSpecs(run)
                        .map((p) => p.owner)
                        .sort(),
                );
                assert.equal(request.namespace.metadata.annotations["openshift.io/sa.scc.uid-range"], "1000680000/10000");
            });
        });
    }

    describe("platform kubernetes", () => {
        it("keeps the images' own users: every container runs with a fixed non-zero uid and gid, and meets Pod Security restricted", async () => {
            const run = await runProgram("local", { sets: { "kubernetes.platform": "kubernetes" } });
            const uids = new Set<number>();
            for (const { owner, spec } of podSpecs(run)) {
                for (const c of containers(spec)) {
                    const uid = c.own.runAsUser ?? c.pod.runAsUser;
                    assert.ok(Number.isInteger(uid) && uid > 0, `${owner} ${c.name}: uid ${uid}`);
                    // Without runAsGroup the process keeps the image's primary group, often root's (0).
                    const gid = c.own.runAsGroup ?? c.pod.runAsGroup;
                    assert.ok(Number.isInteger(gid) && gid > 0, `${owner} ${c.name}: gid ${gid}`);
                    uids.add(uid);
                }
                assert.deepEqual(restrictedProblems(spec), [], owner);
            }
            // The images' own users: Clair (nobody), ClamAV, Malwar (the deployment guide's), the refresh Job (distroless nonroot), PostgreSQL.
            assert.deepEqual(
                [...uids].sort((a, b) => a - b),
                [100, 999, 1000, 65532, 65534],
            );
        });
    });

    describe("kubernetes.openshiftScc: nonroot-v2 (fixed IDs on OpenShift)", () => {
        const sets = { "kubernetes.openshiftScc": "nonroot-v2" };
        let run: MockRun;
        before(async () => {
            run = await runProgram("prod", { sets });
        });
        it("keeps the images' own uids in every pod", () => {
            for (const { owner, spec } of podSpecs(run)) assert.notDeepEqual(fixedIdsOf(spec), [], owner);
        });
        it("binds every ServiceAccount a pod runs as, and no other, to OpenShift's ClusterRole system:openshift:scc:nonroot-v2", () => {
            const bindings = ofType(run, K8S.roleBinding)
                .map((r) => unwrapSecrets(r.inputs))
                .filter((b) => b.roleRef.name === "system:openshift:scc:nonroot-v2");
            assert.equal(bindings.length, 1);
            const [binding] = bindings;
            assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:openshift:scc:nonroot-v2" });
            const namespace = parseConfig(stackConfig("prod")).kubernetes.namespace;
            assert.equal(binding.metadata.namespace, namespace);
            const podAccounts = [...new Set(podSpecs(run).map((p) => p.spec.serviceAccountName ?? "default"))].sort();
            assert.deepEqual(binding.subjects.map((s: any) => s.name).sort(), podAccounts);
            for (const s of binding.subjects) assert.deepEqual({ kind: s.kind, namespace: s.namespace }, { kind: "ServiceAccount", namespace });
        });
        it("creates the binding before any workload, so the first pod is already admitted", () => {
            const binding = ofType(run, K8S.roleBinding).find((r) => unwrapSecrets(r.inputs).metadata.name === "scc-nonroot-v2")!;
            assert.ok(binding);
            const workloadTypes = [K8S.deployment, K8S.statefulSet, "kubernetes:batch/v1:Job", K8S.cronJob];
            const workloads = run.resources.filter((r) => workloadTypes.includes(r.type));
            assert.equal(workloads.length, podSpecs(run).length);
            for (const w of workloads) {
                assert.ok(
                    w.dependencies.some((urn) => urn.endsWith(`$${K8S.roleBinding}::${binding.name}`)),
                    `${w.type} ${w.name} does not wait for the SCC grant: ${w.dependencies.join(", ")}`,
                );
            }
        });
    });

    describe("config mistakes stop the preview with the key, the value and what is allowed", () => {
        const problem = (kubernetes: Record<string, unknown>): string => {
            const raw = { ...stackConfig("prod"), [`${PROJECT}:kubernetes`]: JSON.stringify({ namespace: "clair-production", ...kubernetes }) };
            try {
                parseConfig(raw, [], () => "Pulumi.prod.yaml");
            } catch (err) {
                assert.ok(err instanceof ConfigError);
                return err.message;
            }
            return "accepted";
        };
        it("an unknown platform", () => {
            assert.match(
                problem({ platform: "okd" }),
                /Pulumi\.prod\.yaml: scanning-platform:kubernetes\.platform = "okd": must be 'kubernetes' or 'openshift'/,
            );
        });
        it("an SCC the program does not offer", () => {
            assert.match(
                problem({ platform: "openshift", openshiftScc: "anyuid" }),
                /kubernetes\.openshiftScc = "anyuid": must be 'restricted-v2' \(the namespace's IDs, no grant\) or 'nonroot-v2'/,
            );
        });
        it("an SCC on a stack that is not OpenShift", () => {
            assert.match(
                problem({ platform: "kubernetes", openshiftScc: "nonroot-v2" }),
                /kubernetes\.openshiftScc = "nonroot-v2": applies only with kubernetes\.platform: openshift/,
            );
            assert.equal(problem({ platform: "openshift", openshiftScc: "nonroot-v2" }), "accepted");
        });
    });

    describe("check:manifests' openshift-scc findings", () => {
        const verdict = (name: string, admittedBy: string, message = ""): SccVerdict => ({
            name,
            serviceAccount: "clair",
            usableSCCs: ["restricted-v2", "restricted-v3"],
            admittedBy,
            refusals: admittedBy
                ? []
                : [
                      { scc: "restricted-v2", message },
                      { scc: "restricted-v3", message: "hostUsers must be false" },
                  ],
        });
        const refusal = "restricted-v2.containers[0].runAsUser: Invalid value: 1000: must be in the ranges: [1000680000, 1000689999]";
        it("a pod no usable SCC admits is a finding with OpenShift's own message for each SCC tried", () => {
            const { findings, note } = fromOpenshiftScc([verdict("Deployment/a", "restricted-v2"), verdict("Deployment/b", "", refusal)], true);
            assert.equal(note, "1/2 pods admitted (1 by restricted-v2)");
            assert.equal(findings.length, 1);
            assert.equal(findings[0].object, "Deployment/b");
            assert.ok(findings[0].message.includes(refusal) && findings[0].message.includes("hostUsers must be false"), findings[0].message);
        });
        it("on a stack that is not OpenShift, refusals are only counted in the note", () => {
            const { findings, note } = fromOpenshiftScc([verdict("Deployment/b", "", refusal)], false);
            assert.deepEqual(findings, []);
            assert.match(note, /not openshift.*0\/1 pods admitted/);
        });
        it("finds the pod template of every workload kind", () => {
            const spec = { containers: [{ name: "c" }] };
            const objects = [
                { kind: "Deployment", metadata: { name: "d" }, spec: { template: { spec } } },
                { kind: "CronJob", metadata: { name: "c" }, spec: { jobTemplate: { spec: { template: { spec } } } } },
                { kind: "Pod", metadata: { name: "p" }, spec },
                { kind: "Service", metadata: { name: "s" }, spec: {} },
            ];
            assert.deepEqual(
                podTemplatesOf(objects).map((p) => p.name),
                ["Deployment/d", "CronJob/c", "Pod/p"],
            );
        });
    });
});
