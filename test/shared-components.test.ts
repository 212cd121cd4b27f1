/**
 * What components/shared promises every object of a stack, checked over the whole program's
 * objects: generated passwords that RDS and connection URLs take as they are, the recommended
 * labels on every Kubernetes object, and a CronJob's Jobs labelled as their CronJob.
 */
import { strict as assert } from "assert";
import { runProgram, unwrapSecrets, type MockRun } from "../tools/mock-run";

const STACKS = ["prod", "local"];

/** Kubernetes objects of a run (not the provider, not component resources). */
const kubernetesObjects = (run: MockRun) =>
    run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes")
        .map((r) => ({ r, o: unwrapSecrets(r.inputs) }));

describe("components/shared over every object of a stack", function () {
    this.timeout(600_000);

    for (const stack of STACKS) {
        it(`${stack}: every generated password is letters and digits only (RDS refuses '/', '@', '"' and spaces; URLs would need escaping)`, async () => {
            const run = await runProgram(stack);
            const passwords = run.resources
                .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
                .map((r) => ({ name: r.name, inputs: unwrapSecrets(r.inputs) }));
            assert.ok(passwords.length >= 2, `${passwords.length} passwords`);
            for (const p of passwords) {
                assert.equal(p.inputs.special, false, `${p.name}: special is ${p.inputs.special}`);
                assert.ok(Number.isInteger(p.inputs.length) && p.inputs.length >= 32, `${p.name}: length ${p.inputs.length}`);
            }
        });

        it(`${stack}: every Kubernetes object says who manages it and what it is part of; the shared namespace is part of no single app`, async () => {
            const run = await runProgram(stack);
            const objects = kubernetesObjects(run).filter(({ o }) => o.metadata !== undefined && o.kind !== undefined);
            assert.ok(objects.length >= 20, `${objects.length} objects`);
            for (const { o } of objects) {
                const labels = o.metadata.labels ?? {};
                const what = `${o.kind}/${o.metadata.name}`;
                assert.equal(labels["app.kubernetes.io/managed-by"], "pulumi", what);
                const partOf = labels["app.kubernetes.io/part-of"];
                assert.ok(typeof partOf === "string" && partOf.length > 0, `${what}: part-of is ${JSON.stringify(partOf)}`);
            }
            const namespaces = objects.filter(({ o }) => o.kind === "Namespace");
            assert.equal(namespaces.length, 1);
            const apps = new Set(objects.map(({ o }) => o.metadata.labels?.["app.kubernetes.io/name"]).filter((n): n is string => n !== undefined));
            for (const app of ["clair", "clamav", "malwar"]) assert.ok(apps.has(app), `no object of ${app}`);
            assert.ok(!apps.has(namespaces[0].o.metadata.labels["app.kubernetes.io/part-of"]), "the namespace holds every app");
        });

        it(`${stack}: a CronJob's Jobs carry its name and component labels, so they are found as that app's`, async () => {
            const run = await runProgram(stack);
            const cronJobs = kubernetesObjects(run).filter(({ o }) => o.kind === "CronJob");
            assert.ok(cronJobs.length >= 1, `${cronJobs.length} CronJobs`);
            for (const { o } of cronJobs) {
                const job = o.spec.jobTemplate.metadata?.labels ?? {};
                for (const k of ["app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"]) {
                    assert.equal(job[k], o.metadata.labels[k], `CronJob/${o.metadata.name}: the Job template's ${k}`);
                }
            }
        });
    }
});
