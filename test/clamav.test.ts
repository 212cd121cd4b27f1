import { strict as assert } from "assert";
import { runProgram } from "../tools/mock-run";
import { K8S, object, ofType, stackRun } from "./helpers";

describe("ClamAV", () => {
    const NO_MIRROR = { "clamav.mirror.enabled": "false" };

    it("without a mirror, fetches signatures from the CDN as the ClamAV Helm chart README does: freshclam --no-dns, then freshclam, before clamd starts", async () => {
        const run = await runProgram("prod", { sets: NO_MIRROR });
        const pod = object(run, K8S.deployment, "clamav").spec.template.spec;
        assert.match(object(run, K8S.configMap, "clamav-config").data["freshclam.conf"], /^DatabaseMirror database\.clamav\.net$/m);
        assert.deepEqual(
            pod.initContainers.map((c: any) => c.name),
            ["initfreshclam", "init2freshclam"],
        );
        assert.match(pod.initContainers[0].command[2], /^freshclam .*--no-dns/);
        assert.doesNotMatch(pod.initContainers[1].command[2].split("\n")[0], /--no-dns/);
        assert.equal(pod.containers[0].name, "clamd");
        const shared = (c: any) => c.volumeMounts.find((m: any) => m.mountPath === "/var/lib/clamav")?.name;
        assert.ok([...pod.initContainers, pod.containers[0]].every((c: any) => shared(c) === "signatures"));
        assert.ok(pod.volumes.find((v: any) => v.name === "signatures").emptyDir);
    });

    it("serves clamd on 3310 and rolls with maxSurge 100%, maxUnavailable 0", async () => {
        const run = await stackRun("prod");
        const service = object(run, K8S.service, "clamav");
        assert.deepEqual(service.spec.ports, [{ name: "clamd", port: 3310, targetPort: "clamd" }]);
        const deployment = object(run, K8S.deployment, "clamav");
        assert.deepEqual(deployment.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: 0 } });
        const clamd = deployment.spec.template.spec.containers[0];
        assert.ok(clamd.startupProbe.failureThreshold * clamd.startupProbe.periodSeconds >= 300, "startup allows minutes for loading signatures");
        assert.ok(clamd.readinessProbe && clamd.livenessProbe);
        assert.notDeepEqual(clamd.readinessProbe, clamd.livenessProbe);
        assert.equal(clamd.resources.limits.memory, "4Gi", "memory for the full signature set");
    });

    it("keeps serving while the Service drops a stopping pod: a preStop sleep before clamd's SIGTERM, with grace left after it", async () => {
        const spec = object(await stackRun("prod"), K8S.deployment, "clamav").spec.template.spec;
        const clamd = spec.containers.find((c: any) => c.name === "clamd");
        // The kubelet runs preStop before SIGTERM, while the endpoints controller and kube-proxy take the
        // pod out of the Service: connections still arriving in those seconds find clamd up.
        const command: string[] = clamd.lifecycle?.preStop?.exec?.command ?? [];
        const sleep = /^sleep (\d+)$/.exec(command[command.length - 1] ?? "");
        assert.ok(sleep, `clamd's preStop sleeps: ${JSON.stringify(command)}`);
        const seconds = Number(sleep[1]);
        // The grace period counts from the start of preStop: what is left lets clamd finish its scans.
        const grace = spec.terminationGracePeriodSeconds ?? 30;
        assert.ok(seconds >= 5 && grace - seconds >= 10, `preStop ${seconds} s, grace ${grace} s`);
    });

    it("runs non-root on a read-only root filesystem with emptyDirs where it writes", async () => {
        const pod = object(await stackRun("prod"), K8S.deployment, "clamav").spec.template.spec;
        for (const c of [...pod.initContainers, ...pod.containers]) {
            assert.equal(c.securityContext.runAsNonRoot, true);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            assert.equal(c.securityContext.allowPrivilegeEscalation, false);
            if (c.name === "exporter") {
                assert.equal(c.volumeMounts, undefined, "the exporter writes nothing");
                continue;
            }
            const writable = c.volumeMounts
                .filter((m: any) => !m.readOnly)
                .map((m: any) => m.mountPath)
                .sort();
            assert.deepEqual(writable, ["/tmp", "/var/lib/clamav", "/var/log/clamav"]);
        }
        const config = object(await stackRun("prod"), K8S.configMap, "clamav-config").data;
        assert.match(config["clamd.conf"], /^TCPSocket 3310$/m);
        assert.match(config["clamd.conf"], /^Foreground yes$/m);
        assert.match(config["freshclam.conf"], /^DatabaseDirectory \/var\/lib\/clamav$/m);
    });

    it("runs the metrics exporter beside clamd, reading clamd in the same pod, with its own guaranteed resources", async () => {
        const pod = object(await stackRun("prod"), K8S.deployment, "clamav").spec.template.spec;
        assert.deepEqual(
            pod.containers.map((c: any) => c.name),
            ["clamd", "exporter"],
        );
        const exporter = pod.containers[1];
        assert.equal(exporter.image, "sergeymakinen/clamav_exporter:v2.1.4");
        assert.deepEqual(exporter.args, ["--clamav.address=tcp://127.0.0.1:3310", "--clamav.retries=1", "--web.listen-address=:9906"]);
        assert.deepEqual(exporter.ports, [{ name: "metrics", containerPort: 9906 }]);
        assert.deepEqual(exporter.resources.requests, exporter.resources.limits);
        assert.deepEqual({ cpu: exporter.resources.limits.cpu, memory: exporter.resources.limits.memory }, { cpu: "100m", memory: "128Mi" });
        assert.deepEqual(exporter.securityContext.capabilities, { drop: ["ALL"] });
        assert.deepEqual([exporter.readinessProbe.httpGet, exporter.livenessProbe.tcpSocket], [{ path: "/", port: "metrics" }, { port: "metrics" }]);
    });

    it("counts the exporter in ClamAV's capacity: clamd 1 core / 4 GiB + exporter 0.1 / 0.125 GiB per pod", async () => {
        const clamav = ((await stackRun("prod")).outputs.capacity as any).workloads.find((w: any) => w.name === "clamav");
        assert.deepEqual([clamav.cpuPerPod, clamav.memoryGiBPerPod, clamav.pods], [1 + 0.1, 4 + 128 / 1024, 3]);
        const without = ((await runProgram("prod", { sets: { "monitoring.podMonitors": "false" } })).outputs.capacity as any).workloads.find(
            (w: any) => w.name === "clamav",
        );
        assert.deepEqual([without.cpuPerPod, without.memoryGiBPerPod], [1, 4], "no sidecar without PodMonitors");
    });

    it("without the in-cluster mirror, fetches from a configured external mirror only: whole files, one pass", async () => {
        const run = await runProgram("stage", { sets: { ...NO_MIRROR, "clamav.privateMirror": "http://clamav-mirror.internal" } });
        const conf = object(run, K8S.configMap, "clamav-config").data["freshclam.conf"];
        assert.match(conf, /^PrivateMirror http:\/\/clamav-mirror\.internal$/m);
        assert.match(conf, /^ScriptedUpdates no$/m);
        assert.doesNotMatch(conf, /DatabaseMirror/);
        const pod = object(run, K8S.deployment, "clamav").spec.template.spec;
        assert.deepEqual(
            pod.initContainers.map((c: any) => c.name),
            ["initfreshclam"],
        );
        assert.equal(ofType(run, K8S.statefulSet).filter((r) => r.inputs.metadata.name === "clamav-mirror").length, 0);
    });

    it("restarts the Deployment from a CronJob whose account may only get and patch it", async () => {
        const run = await runProgram("prod", { sets: NO_MIRROR });
        const cron = object(run, K8S.cronJob, "refresh-clamav-db");
        assert.equal(cron.spec.concurrencyPolicy, "Forbid");
        assert.equal(cron.spec.schedule, "0 */6 * * *");
        const pod = cron.spec.jobTemplate.spec.template.spec;
        assert.equal(pod.serviceAccountName, "refresh-clamav-db");
        assert.deepEqual(pod.containers[0].command, ["kubectl", "rollout", "restart", "deployment/clamav"]);
        const role = object(run, K8S.role, "refresh-clamav-db");
        assert.deepEqual(role.rules, [{ apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["clamav"], verbs: ["get", "patch"] }]);
        const binding = object(run, K8S.roleBinding, "refresh-clamav-db");
        assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "refresh-clamav-db", namespace: "clair-production" }]);
        assert.equal(binding.roleRef.name, "refresh-clamav-db");
    });

    it("gives the API credentials to the kubectl container only, as a declared volume instead of the automatic mount", async () => {
        const pod = object(await stackRun("prod"), K8S.cronJob, "refresh-clamav-db").spec.jobTemplate.spec.template.spec;
        const kubectl = pod.containers[0].name;
        assert.equal(pod.automountServiceAccountToken, false);
        // kubectl's in-cluster config reads token, ca.crt and namespace from this directory.
        const dir = "/var/run/secrets/kubernetes.io/serviceaccount";
        const mounts = [...(pod.initContainers ?? []), ...pod.containers].flatMap((c: any) =>
            (c.volumeMounts ?? []).filter((m: any) => m.mountPath === dir).map((m: any) => ({ container: c.name, ...m })),
        );
        assert.equal(mounts.length, 1);
        assert.equal(mounts[0].container, kubectl);
        assert.ok(pod.containers[0].command[0] === "kubectl");
        assert.equal(mounts[0].readOnly, true);
        const sources = pod.volumes.find((v: any) => v.name === mounts[0].name).projected.sources;
        const token = sources.find((s: any) => s.serviceAccountToken).serviceAccountToken;
        assert.equal(token.path, "token");
        // At least the API server's minimum (600 s), at most an hour: it outlives the job's 600 s deadline only by the kubelet's renewal.
        assert.ok(token.expirationSeconds >= 600 && token.expirationSeconds <= 3600, String(token.expirationSeconds));
        assert.deepEqual(sources.find((s: any) => s.configMap).configMap, { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] });
        assert.deepEqual(sources.find((s: any) => s.downwardAPI).downwardAPI.items, [
            { path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
        ]);
    });

    it("takes the CronJob's schedule from config", async () => {
        const run = await runProgram("stage", { sets: { "clamav.refresh.schedule": "30 2 * * *" } });
        assert.equal(object(run, K8S.cronJob, "refresh-clamav-db").spec.schedule, "30 2 * * *");
    });
});
