/**
 * The in-cluster ClamAV signature mirror, through the real program under the mocks:
 * on by default in stage and prod, clamd fetches from it alone, it updates from the CDN at most
 * hourly and keeps its state on its own claim, the refresh restarts clamd only on new versions,
 * and the disconnected and external-mirror variants.
 */
import { strict as assert } from "assert";
import { runProgram, type MockRun } from "../tools/mock-run";
import { parseConfig } from "../config/load";
import { listStacks, stackConfig } from "../tools/mock-run";
import { K8S, object, ofType, stackRun } from "./helpers";

const MIRROR_URL = "http://clamav-mirror:8080";
const statefulSets = (run: MockRun) => ofType(run, K8S.statefulSet).map((r) => r.inputs.metadata.name);
const confLines = (text: string) => text.trim().split("\n").sort();

describe("ClamAV signature mirror", () => {
    for (const stack of ["stage", "prod"]) {
        it(`is on by default in ${stack}`, async () => {
            assert.equal(stackConfig(stack)["scanning-platform:clamav"]?.includes("mirror"), false, "on by the schema's default, not by the stack file");
            assert.ok(statefulSets(await stackRun(stack)).includes("clamav-mirror"));
        });
    }

    it("every stack file's mirror setting is what the program builds", async () => {
        for (const stack of listStacks()) {
            const on = parseConfig(stackConfig(stack)).clamav.mirror.enabled;
            assert.equal(statefulSets(await stackRun(stack)).includes("clamav-mirror"), on, stack);
        }
    });

    it("clamd's init container fetches whole files from the mirror alone, in one pass", async () => {
        const run = await stackRun("prod");
        assert.deepEqual(
            confLines(object(run, K8S.configMap, "clamav-config").data["freshclam.conf"]),
            confLines(
                // TestDatabases no: the init container has 1Gi (test/freshclam-memory.test.ts).
                [
                    "Foreground yes",
                    "DatabaseDirectory /var/lib/clamav",
                    "LogTime yes",
                    "TestDatabases no",
                    `PrivateMirror ${MIRROR_URL}`,
                    "ScriptedUpdates no",
                ].join("\n"),
            ),
        );
        const pod = object(run, K8S.deployment, "clamav").spec.template.spec;
        assert.deepEqual(
            pod.initContainers.map((c: any) => c.name),
            ["initfreshclam"],
        );
        assert.doesNotMatch(pod.initContainers[0].command[2], /--no-dns/);
    });

    it("updates from the CDN with incremental patches, 12 checks a day (every 2 h, within ClamAV's at most hourly), compressed for clients", async () => {
        const run = await stackRun("prod");
        assert.deepEqual(
            confLines(object(run, K8S.configMap, "clamav-mirror-config").data["freshclam.conf"]),
            confLines(
                [
                    "Foreground yes",
                    "DatabaseDirectory /var/lib/clamav",
                    "LogTime yes",
                    "TestDatabases no",
                    "Checks 12",
                    "CompressLocalDatabase yes",
                    "DatabaseMirror database.clamav.net",
                ].join("\n"),
            ),
        );
        const pod = object(run, K8S.statefulSet, "clamav-mirror").spec.template.spec;
        const updater = pod.containers.find((c: any) => c.name === "freshclam");
        assert.deepEqual(updater.command, ["freshclam", "--daemon", "--config-file=/etc/clamav-mirror/freshclam.conf", "--stdout"]);
    });

    it("keeps the database and freshclam's cool-down state on its own 2 GiB claim, gone with the StatefulSet like every claim but Malwar's", async () => {
        const set = object(await stackRun("prod"), K8S.statefulSet, "clamav-mirror");
        assert.equal(set.spec.replicas, 1);
        assert.deepEqual(
            set.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.accessModes, t.spec.resources.requests.storage]),
            [["database", ["ReadWriteOnce"], "2Gi"]],
        );
        assert.deepEqual(set.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
        const pod = set.spec.template.spec;
        const dbMount = (name: string) => pod.containers.find((c: any) => c.name === name).volumeMounts.find((m: any) => m.mountPath === "/var/lib/clamav");
        assert.deepEqual(dbMount("freshclam"), { name: "database", mountPath: "/var/lib/clamav" });
        // nginx only reads it.
        assert.deepEqual(dbMount("nginx"), { name: "database", mountPath: "/var/lib/clamav", readOnly: true });
    });

    it("serves on 8080 through a headless Service; ready when nginx answers and main and daily are on the claim", async () => {
        const run = await stackRun("prod");
        const service = object(run, K8S.service, "clamav-mirror");
        assert.equal(service.spec.clusterIP, "None");
        assert.deepEqual(service.spec.ports, [{ name: "http", port: 8080, targetPort: "http" }]);
        const pod = object(run, K8S.statefulSet, "clamav-mirror").spec.template.spec;
        const nginx = pod.containers.find((c: any) => c.name === "nginx");
        assert.deepEqual(nginx.readinessProbe.httpGet, { path: "/healthz", port: "http" });
        assert.deepEqual(nginx.command, ["nginx", "-c", "/etc/clamav-mirror/nginx.conf", "-g", "daemon off;"]);
        const ready = pod.containers.find((c: any) => c.name === "freshclam").readinessProbe.exec.command;
        assert.deepEqual(ready.slice(0, 2), ["/bin/sh", "-c"]);
        for (const db of ["main", "daily"])
            assert.match(ready[2], new RegExp(`test -s /var/lib/clamav/${db}\\.cvd \\|\\| test -s /var/lib/clamav/${db}\\.cld`));
        assert.match(object(run, K8S.configMap, "clamav-mirror-config").data["nginx.conf"], /^\s*listen 8080;$/m);
    });

    it("clamd starts after the mirror exists (dependsOn)", async () => {
        const run = await stackRun("prod");
        const deployment = ofType(run, K8S.deployment).find((r) => r.inputs.metadata.name === "clamav")!;
        assert.ok(
            run.resources.some((r) => r.type === "scanning:clamav:Mirror"),
            "a Mirror component",
        );
        assert.ok(
            deployment.dependencies.some((urn) => /::scanning:clamav:Mirror\$kubernetes:apps\/v1:StatefulSet::clamav-mirror$/.test(urn)),
            `clamav depends on ${deployment.dependencies.join(", ")}`,
        );
    });

    it("the refresh job patches clamd's pod template with the mirror's versions instead of restarting unconditionally", async () => {
        const pod = object(await stackRun("prod"), K8S.cronJob, "refresh-clamav-db").spec.jobTemplate.spec.template.spec;
        assert.deepEqual(
            pod.initContainers.map((c: any) => c.name),
            ["mirror-versions"],
        );
        const env = Object.fromEntries(pod.initContainers[0].env.map((e: any) => [e.name, e.value]));
        assert.equal(env.MIRROR_URL, MIRROR_URL);
        assert.deepEqual(JSON.parse(env.PATCH_TEMPLATE), {
            spec: { template: { metadata: { annotations: { "clamav.scanning-platform/signature-versions": "@VERSIONS@" } } } },
        });
        assert.deepEqual(pod.containers[0].command, ["kubectl", "patch", "deployment/clamav", "--type=strategic", `--patch-file=${env.PATCH_FILE}`]);
        assert.equal(
            pod.initContainers[0].image,
            object(await stackRun("prod"), K8S.deployment, "clamav").spec.template.spec.containers[0].image,
            "the clamav image (busybox sh and wget)",
        );
    });

    it("disconnected (upstream none): no updater, no egress beyond DNS, nginx's mount writable for the bundle", async () => {
        const run = await runProgram("prod", { sets: { "clamav.mirror.upstream": "none" } });
        const pod = object(run, K8S.statefulSet, "clamav-mirror").spec.template.spec;
        assert.deepEqual(
            pod.containers.map((c: any) => c.name),
            ["nginx"],
        );
        assert.deepEqual(
            pod.containers[0].volumeMounts.find((m: any) => m.mountPath === "/var/lib/clamav"),
            { name: "database", mountPath: "/var/lib/clamav" },
        );
        const policy = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => r.inputs.metadata.name === "clamav-mirror")!.inputs;
        assert.deepEqual(policy.spec.egress, [{ ports: [{ port: 53, protocol: "UDP" }] }, { ports: [{ port: 53, protocol: "TCP" }] }]);
        assert.deepEqual(Object.keys(object(run, K8S.configMap, "clamav-mirror-config").data), ["nginx.conf"]);
    });

    it("with an external mirror configured too, the in-cluster mirror updates from it (and only it), clamd still from the in-cluster one", async () => {
        const run = await runProgram("prod", { sets: { "clamav.privateMirror": "https://clamav.corp.example:8443/db" } });
        const updater = object(run, K8S.configMap, "clamav-mirror-config").data["freshclam.conf"];
        assert.match(updater, /^PrivateMirror https:\/\/clamav\.corp\.example:8443\/db$/m);
        assert.doesNotMatch(updater, /DatabaseMirror/);
        assert.match(object(run, K8S.configMap, "clamav-config").data["freshclam.conf"], new RegExp(`^PrivateMirror ${MIRROR_URL}$`, "m"));
        const policy = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => r.inputs.metadata.name === "clamav-mirror")!.inputs;
        assert.deepEqual(policy.spec.egress.at(-1), { ports: [{ port: 8443, protocol: "TCP" }] });
    });

    it("counts in the capacity: one pod of nginx 100m/128Mi plus freshclam 500m/1Gi, and its 2 GiB claim", async () => {
        const capacity = (await stackRun("prod")).outputs.capacity as any;
        const row = capacity.workloads.find((w: any) => w.name === "clamav-mirror");
        assert.deepEqual(
            { kind: row.kind, app: row.app, pods: row.pods, cpu: row.cpu, memoryGiB: row.memoryGiB, storageGiB: row.storageGiB },
            { kind: "StatefulSet", app: "clamav", pods: 1, cpu: 0.1 + 0.5, memoryGiB: 128 / 1024 + 1, storageGiB: 2 },
        );
    });

    it("refuses more than 24 checks a day, and fewer than one, with ClamAV's reason", async () => {
        await assert.rejects(
            runProgram("prod", { sets: { "clamav.mirror.checksPerDay": "48" } }),
            /clamav\.mirror\.checksPerDay = 48: must be at most 24: ClamAV asks mirrors to check at most once an hour/,
        );
        await assert.rejects(runProgram("prod", { sets: { "clamav.mirror.checksPerDay": "0" } }), /clamav\.mirror\.checksPerDay = 0: must be at least 1/);
        await assert.rejects(
            runProgram("prod", { sets: { "clamav.mirror.upstream": "cdn" } }),
            /clamav\.mirror\.upstream = "cdn": must be "internet" or "none"/,
        );
    });
});
