/**
 * The capacity report (stack output `capacity`) against what the program registers, on every
 * stack: each workload's pods, autoscaler bounds, per-pod CPU and memory (the scheduler's rule:
 * the larger of the containers' sum and the largest init container), claims per pod and shared
 * claims, and each RDS instance's class and storage are recomputed here from the registered
 * objects, with Kubernetes' quantity rules written in the test. A report built from arguments that
 * drifted from the resources fails.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { podSpecOf } from "../policy/lib/workloads";
import { listStacks, unwrapSecrets } from "../tools/mock-run";
import { stackRun } from "./helpers";

/** Kubernetes quantities: decimal (k, M, G) and binary (Ki, Mi, Gi, Ti) suffixes, and milli. */
function quantity(q: string | number): number {
    const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q));
    assert.ok(m, `not a quantity: ${q}`);
    const factor: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
    return Number(m[1]) * factor[m[2] ?? ""];
}
const GiB = (q: string) => quantity(q) / 2 ** 30;
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: report ${a}, registered ${b}`);

type Registered = { type: string; o: any }[];
const requests = (c: any, r: string) => (c.resources?.requests?.[r] !== undefined ? quantity(c.resources.requests[r]) : 0);
/** What the scheduler reserves for one pod: the larger of the containers' sum and the largest init container. */
const perPod = (spec: any, r: "cpu" | "memory") =>
    Math.max(
        (spec.containers ?? []).reduce((a: number, c: any) => a + requests(c, r), 0),
        ...(spec.initContainers ?? []).map((c: any) => requests(c, r)),
    );
/** The HorizontalPodAutoscaler that scales workload `o`, if any. */
const autoscalerOf = (objects: Registered, o: any) =>
    objects.find(({ o: h }) => h.kind === "HorizontalPodAutoscaler" && h.spec.scaleTargetRef.kind === o.kind && h.spec.scaleTargetRef.name === o.metadata.name)
        ?.o;
/** A Job's or a CronJob run's spec, else undefined. */
const jobSpecOf = (o: any) => (o.kind === "CronJob" ? o.spec.jobTemplate.spec : o.kind === "Job" ? o.spec : undefined);
/** Every pod running at once: a Job's or a CronJob run's parallelism (1 when unset), an autoscaler's floor, else the replicas. */
function runningPods(objects: Registered, o: any): number {
    const jobSpec = jobSpecOf(o);
    const hpa = autoscalerOf(objects, o);
    return jobSpec ? (jobSpec.parallelism ?? 1) : hpa ? (hpa.spec.minReplicas ?? 1) : (o.spec.replicas ?? 1);
}

describe("the capacity report equals the figures of the registered resources, on every stack", () => {
    for (const stack of listStacks()) {
        it(stack, async () => {
            const run = await stackRun(stack);
            const report = run.outputs.capacity as any;
            const objects = run.resources.map((r) => ({ type: r.type, o: unwrapSecrets(r.inputs) }));
            const workloads = objects.filter(({ type, o }) => podSpecOf(type, o));
            assert.ok(workloads.length >= 8, `${workloads.length} workloads`);
            assert.deepEqual(
                report.workloads.map((w: any) => `${w.kind}/${w.name}`).sort(),
                workloads.map(({ o }) => `${o.kind}/${o.metadata.name}`).sort(),
                "one report row per registered workload",
            );
            const mountedClaims = new Set<string>();
            for (const { type, o } of workloads) {
                const row = report.workloads.find((w: any) => w.kind === o.kind && w.name === o.metadata.name);
                const what = `${stack} ${o.kind} ${o.metadata.name}`;
                const spec = podSpecOf(type, o)!;
                for (const [resource, field, scale] of [
                    ["cpu", "cpuPerPod", 1],
                    ["memory", "memoryGiBPerPod", 2 ** 30],
                ] as const) {
                    close(row[field], perPod(spec, resource) / scale, `${what} ${field}`);
                }
                const hpa = autoscalerOf(objects, o);
                const jobSpec = jobSpecOf(o);
                const pods = runningPods(objects, o);
                assert.equal(row.replicas, pods, `${what} replicas`);
                assert.equal(row.maxReplicas ?? row.replicas, hpa ? hpa.spec.maxReplicas : pods, `${what} maxReplicas`);
                if (!hpa && !jobSpec) assert.ok(o.spec.replicas !== undefined, `${what}: replicas set`);
                const claimsPerPod = (o.spec.volumeClaimTemplates ?? []).reduce((a: number, t: any) => a + GiB(t.spec.resources.requests.storage), 0);
                close(row.storageGiBPerPod, claimsPerPod, `${what} storage per pod`);
                const claims = (spec.volumes ?? []).filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.persistentVolumeClaim.claimName);
                const shared = claims.reduce((a: number, name: string) => {
                    const pvc = objects.find(({ o: p }) => p.kind === "PersistentVolumeClaim" && p.metadata.name === name);
                    assert.ok(pvc, `${what}: claim ${name} registered`);
                    return a + GiB(pvc.o.spec.resources.requests.storage);
                }, 0);
                // A claim two workloads share (Malwar's data and its backup) is counted once, by one of them.
                assert.ok(
                    Math.abs(row.sharedStorageGiB) < 1e-6 || Math.abs(row.sharedStorageGiB - shared) < 1e-6,
                    `${what} shared storage: report ${row.sharedStorageGiB}, its claims ${shared}`,
                );
                for (const name of claims) mountedClaims.add(name);
            }
            const claimed = objects
                .filter(({ o }) => o.kind === "PersistentVolumeClaim" && mountedClaims.has(o.metadata.name))
                .reduce((a, { o }) => a + GiB(o.spec.resources.requests.storage), 0);
            close(
                report.workloads.reduce((a: number, w: any) => a + w.sharedStorageGiB, 0),
                claimed,
                `${stack}: shared claims, each counted once`,
            );
            const instances = objects.filter(({ type }) => type === "aws:rds/instance:Instance").map(({ o }) => o);
            assert.equal(report.databases.length, instances.length, "one report row per RDS instance");
            for (const db of report.databases) {
                const i = instances.find((x) => x.identifier === db.name);
                assert.ok(i, `${stack}: an RDS instance with identifier ${db.name} registered`);
                assert.equal(db.instanceClass, i.instanceClass, `${db.name} class`);
                assert.equal(db.allocatedStorageGiB, i.allocatedStorage, `${db.name} storage`);
            }
            const sumInstances = instances.reduce((a, i) => a + Number(i.allocatedStorage), 0);
            assert.equal(report.total.rdsStorageGiB, sumInstances, "total RDS storage");
            assert.equal(report.total.rdsInstances, instances.length, "RDS instances");
        });
    }
});

describe("docs/capacity.md's printed TOTAL row", () => {
    it("is prod's registered pods, CPU, memory, claims and RDS instances, summed here from the objects", async () => {
        const row = /^TOTAL\s+(.*)$/m.exec(fs.readFileSync(path.join(__dirname, "..", "docs", "capacity.md"), "utf8"));
        assert.ok(row, "docs/capacity.md prints a TOTAL row");
        const printed = row[1]
            .trim()
            .split(/\s+/)
            .map((n) => Number(n.replace(/,/g, "")));
        assert.equal(printed.length, 6, "pods, CPU, memory, storage, RDS instances, RDS storage");

        const objects: Registered = (await stackRun("prod")).resources.map((r) => ({ type: r.type, o: unwrapSecrets(r.inputs) }));
        let pods = 0;
        let cpu = 0;
        let memoryGiB = 0;
        let storageGiB = 0;
        const claims = new Set<string>();
        const workloads = objects.filter(({ type, o }) => podSpecOf(type, o));
        assert.ok(workloads.length >= 8, `${workloads.length} workloads`);
        for (const { type, o } of workloads) {
            const spec = podSpecOf(type, o)!;
            const n = runningPods(objects, o);
            pods += n;
            cpu += n * perPod(spec, "cpu");
            memoryGiB += (n * perPod(spec, "memory")) / 2 ** 30;
            storageGiB += n * (o.spec.volumeClaimTemplates ?? []).reduce((a: number, t: any) => a + GiB(t.spec.resources.requests.storage), 0);
            for (const v of spec.volumes ?? []) if (v.persistentVolumeClaim) claims.add(v.persistentVolumeClaim.claimName);
        }
        // A claim two workloads mount (Malwar's data and its backup) holds its storage once.
        for (const name of claims)
            storageGiB += GiB(objects.find(({ o }) => o.kind === "PersistentVolumeClaim" && o.metadata.name === name)!.o.spec.resources.requests.storage);
        const instances = objects.filter(({ type }) => type === "aws:rds/instance:Instance").map(({ o }) => o);
        const rdsGiB = instances.reduce((a, i) => a + Number(i.allocatedStorage), 0);
        const round = (x: number) => Math.round(x * 1000) / 1000;
        assert.deepEqual(printed, [pods, round(cpu), round(memoryGiB), round(storageGiB), instances.length, rdsGiB]);
    });
});
