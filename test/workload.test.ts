import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "assert";
import { singleReplicaExemptions } from "../components/shared/exemptions";
import { perPodClaimVolume, podTemplate, podVolume, type ContainerDeclaration } from "../components/shared/workload";

const runAs = { user: 10001, group: 10001 };
const digest = "@sha256:" + "a".repeat(64);

function app(overrides: Partial<ContainerDeclaration> = {}): ContainerDeclaration {
    return { name: "app", image: "example/app:1.0", resources: { cpu: "500m", memory: "1Gi" }, ephemeralStorage: "256Mi", ...overrides };
}

describe("the workload helper (one declaration: pod spec, exemptions, capacity)", () => {
    it("reserves what the scheduler reserves: the containers' sum, or the largest init container if bigger", () => {
        const init = (cpu: string, memory: string, name: string) => app({ name, resources: { cpu, memory } });
        const pod = podTemplate({
            runAs,
            containers: [app(), app({ name: "sidecar", resources: { cpu: "250m", memory: "512Mi" } })],
            // 2 cpu > 0.75 cpu of the containers; 1Gi < 1.5Gi of the containers.
            initContainers: [init("2", "1Gi", "first"), init("100m", "128Mi", "second")],
            volumes: [],
        });
        const entry = pod.capacity({ name: "w", app: "a", kind: "Deployment", replicas: 3 });
        assert.equal(entry.cpuPerPod, 2);
        assert.equal(entry.memoryGiBPerPod, 1.5);
        assert.equal(entry.replicas, 3);
    });

    it("changes capacity when an init container is added, with nothing else edited", () => {
        const base = { runAs, containers: [app({ resources: { cpu: "1", memory: "1Gi" } })], volumes: [] };
        const without = podTemplate(base).capacity({ name: "w", app: "a", kind: "Deployment", replicas: 1 });
        const withInit = podTemplate({ ...base, initContainers: [app({ name: "init", resources: { cpu: "3", memory: "4Gi" } })] }).capacity({
            name: "w",
            app: "a",
            kind: "Deployment",
            replicas: 1,
        });
        assert.deepEqual([without.cpuPerPod, without.memoryGiBPerPod], [1, 1]);
        assert.deepEqual([withInit.cpuPerPod, withInit.memoryGiBPerPod], [3, 4]);
        assert.equal(podTemplate({ ...base, initContainers: [app({ name: "init" })] }).spec.initContainers !== undefined, true);
    });

    it("counts per-pod claims per pod and shared claims once, and lists only sourced volumes in the pod", () => {
        const scratch = perPodClaimVolume("scratch", "100Gi");
        const shared = podVolume("data", { persistentVolumeClaim: { claimName: "data" } }, { sharedSize: "1Gi" });
        const tmp = podVolume("tmp", { emptyDir: {} });
        const pod = podTemplate({
            runAs,
            containers: [app({ mounts: [scratch.mount("/s"), shared.mount("/d"), tmp.mount("/tmp")] })],
            volumes: [scratch, shared, tmp],
        });
        const entry = pod.capacity({ name: "w", app: "a", kind: "StatefulSet", replicas: 2 });
        assert.equal(entry.storageGiBPerPod, 100);
        assert.equal(entry.sharedStorageGiB, 1);
        assert.deepEqual(
            (pod.spec.volumes as any[]).map((v) => v.name),
            ["data", "tmp"],
        );
        const templates = pod.claimTemplates({ labels: { a: "b" }, storageClass: "gp2" }) as any[];
        assert.deepEqual(
            templates.map((t) => [t.metadata.name, t.spec.storageClassName, t.spec.resources.requests.storage]),
            [["scratch", "gp2", "100Gi"]],
        );
        assert.deepEqual(
            (pod.spec.containers as any[])[0].volumeMounts.map((m: any) => m.name),
            ["scratch", "data", "tmp"],
        );
    });

    it("refuses a mount of an undeclared volume and a declared volume nobody mounts", () => {
        const tmp = podVolume("tmp", { emptyDir: {} });
        assert.throws(
            () => podTemplate({ runAs, containers: [app({ mounts: [tmp.mount("/tmp")] })], volumes: [] }),
            /mounts volume tmp, which the pod does not declare/,
        );
        assert.throws(() => podTemplate({ runAs, containers: [app()], volumes: [tmp] }), /volume tmp is declared but no container mounts it/);
    });

    it("derives the digest and PriorityClass exemptions from the declaration", () => {
        const checks = (pod: ReturnType<typeof podTemplate>) => pod.exemptions.map((e) => `${e.checker}/${e.check}`);
        assert.deepEqual(checks(podTemplate({ runAs, containers: [app()], volumes: [] })), ["checkov/CKV_K8S_43", "polaris/priorityClassNotSet"]);
        assert.deepEqual(
            checks(podTemplate({ runAs, containers: [app({ image: `example/app${digest}` })], volumes: [], placement: { priorityClassName: "high" } })),
            [],
        );
        // One init container pinned by tag only is enough to need the digest exemption.
        assert.deepEqual(
            checks(
                podTemplate({
                    runAs,
                    containers: [app({ image: `example/app${digest}` })],
                    initContainers: [app({ name: "i" })],
                    volumes: [],
                    placement: { priorityClassName: "high" },
                }),
            ),
            ["checkov/CKV_K8S_43"],
        );
    });

    it("gives every container guaranteed resources, the restricted context and pull Always", () => {
        const c = (podTemplate({ runAs, containers: [app()], volumes: [] }).spec.containers as any[])[0];
        assert.deepEqual(c.resources.requests, c.resources.limits);
        assert.deepEqual(c.resources.limits, { cpu: "500m", memory: "1Gi", "ephemeral-storage": "256Mi" });
        assert.equal(c.imagePullPolicy, "Always");
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(c.securityContext.runAsUser, 10001);
    });

    it("refuses a pod that both spreads out and follows another pod: the two placements contradict", () => {
        assert.throws(
            () => podTemplate({ runAs, containers: [app()], volumes: [], spread: { name: "app", component: "api" }, colocateWith: { app: "db" } }),
            /either spreads out \(spread\) or follows another pod \(colocateWith\), not both/,
        );
    });

    it("adds the cluster's pod labels and annotations, refuses a label that would replace the pod's own, and keeps the pod's own annotation on a shared key", async () => {
        const placement = { podSettings: { labels: { team: "sec" }, annotations: { "example.com/owner": "sec", "checksum/config": "cluster" } } };
        const pod = podTemplate({ runAs, containers: [app()], volumes: [], placement });
        const own = { "app.kubernetes.io/name": "app" };
        const metadata = pod.metadata(own, { "checksum/config": "abc" });
        assert.deepEqual(metadata.labels, { team: "sec", "app.kubernetes.io/name": "app" });
        const annotations = await new Promise((resolve) => pulumi.output(metadata.annotations).apply(resolve));
        assert.deepEqual(annotations, { "example.com/owner": "sec", "checksum/config": "abc" });
        assert.throws(() => pod.metadata({ team: "own" }, undefined), /extra pod labels team would override the pod's own labels/);
        const plain = podTemplate({ runAs, containers: [app()], volumes: [] }).metadata(own, undefined);
        assert.deepEqual(plain, { labels: own }, "no annotations field when nobody gives one");
    });

    it("exempts the replica-count checks for one pod only: two pods already survive a drain of one node", () => {
        const checks = (replicas: number) => singleReplicaExemptions(replicas, "sized so").map((e) => `${e.checker}/${e.check}`);
        assert.ok(checks(1).length >= 1, "one replica: exempted");
        assert.deepEqual(checks(2), [], "two replicas: checked");
        assert.deepEqual(checks(3), []);
    });
});
