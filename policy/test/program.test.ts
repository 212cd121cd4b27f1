import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { runProgram, type MockResource } from "../../tools/mock-run";
import { policies } from "../policies";
import { checkResource, checkStack, type TestResource } from "./harness";

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

const toTest = (r: MockResource): TestResource => ({ type: r.type, name: r.name, props: r.inputs });

/** Every violation of every policy over the resources, with the level the stack's pack config gives it. */
async function evaluate(resources: MockResource[], stack: string): Promise<{ policy: string; level: string; message: string }[]> {
    const config = packConfig(stack);
    const found: { policy: string; level: string; message: string }[] = [];
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

/** Edits the inputs of the one resource of `type` named `name` (metadata.name or logical name). */
function breakResource(resources: MockResource[], type: string, name: string, edit: (inputs: any) => void): MockResource[] {
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

describe("the real program under the policy pack", function () {
    this.timeout(120000);
    for (const stack of ["stage", "prod", "local"]) {
        describe(stack, () => {
            let resources: MockResource[];
            before(async () => {
                resources = (await runProgram(stack)).resources;
            });

            it("passes every mandatory policy", async () => {
                const mandatory = (await evaluate(resources, stack)).filter((v) => v.level === "mandatory");
                assert.deepEqual(mandatory, []);
            });

            it("fails requests-equal-limits when a cpu limit is doubled", async () => {
                const broken = breakResource(resources, "kubernetes:apps/v1:Deployment", "clair-matcher", (d) => {
                    d.spec.template.spec.containers[0].resources.limits.cpu = stack === "local" ? "500m" : "4";
                });
                const violations = (await evaluate(broken, stack)).filter((v) => v.level === "mandatory");
                assert.deepEqual(violations.map((v) => v.policy), ["requests-equal-limits"]);
                assert.match(violations[0].message, /Deployment clair-matcher, container clair: cpu request "(2|250m)" differs from limit "(4|500m)"/);
            });

            it("fails requests-equal-limits when a memory limit is removed", async () => {
                const broken = breakResource(resources, "kubernetes:batch/v1:CronJob", "refresh-clamav-db", (c) => {
                    delete c.spec.jobTemplate.spec.template.spec.containers[0].resources.limits.memory;
                });
                const violations = (await evaluate(broken, stack)).filter((v) => v.level === "mandatory");
                assert.deepEqual(violations.map((v) => v.policy), ["requests-equal-limits"]);
                assert.match(violations[0].message, /CronJob refresh-clamav-db, container rollout-restart: memory request "128Mi" and limit \(unset\)/);
            });

            if (stack !== "local") {
                it("fails rds-backup-retention when retention drops to 7 days", async () => {
                    const broken = breakResource(resources, "aws:rds/instance:Instance", "clair-notifier-db", (i) => {
                        i.backupRetentionPeriod = 7;
                    });
                    const violations = (await evaluate(broken, stack)).filter((v) => v.level === "mandatory");
                    assert.deepEqual(violations.map((v) => v.policy), ["rds-backup-retention"]);
                    assert.match(violations[0].message, new RegExp(`clair-notifier-${stack}: backupRetentionPeriod 7 is below the minimum of 30 days`));
                });

                it("fails clair-connection-pools when the pool annotation outgrows the database", async () => {
                    const broken = breakResource(resources, "kubernetes:apps/v1:StatefulSet", "clair-indexer", (s) => {
                        s.metadata.annotations["clair.scanning-platform/pool-max-conns"] = "1000";
                    });
                    const violations = (await evaluate(broken, stack)).filter((v) => v.level === "mandatory");
                    assert.deepEqual(violations.map((v) => v.policy), ["clair-connection-pools"]);
                });
            }
        });
    }

    it("stage reports its databases' missing deletion protection as advisory only", async () => {
        const found = await evaluate((await runProgram("stage")).resources, "stage");
        assert.deepEqual([...new Set(found.map((v) => `${v.policy}:${v.level}`))], ["rds-deletion-protection:advisory"]);
        assert.equal(found.length, 3);
    });
});
