/**
 * Every Clair Deployment tells pulumi-kubernetes to wait for its whole rollout
 * (`pulumi.com/waitFor`), so that the post-upgrade Job, which depends on the Clair workloads,
 * starts only once no old Clair pod is left: the provider's own Deployment await ends at the new
 * ReplicaSet's first ready pod (components/shared/rollout.ts).
 *
 * The expected expressions are written here from the deployment controller's documented
 * "complete" state (kubernetes.io/docs/concepts/workloads/controllers/deployment/#complete-deployment:
 * all replicas updated and available, no old ones running; the Progressing condition then has
 * status True and reason NewReplicaSetAvailable; Available True), not read from the program.
 * That the provider's parser accepts them and what they select on a controller's status is in
 * the real lane (test/real/rollout-wait.test.ts).
 */
import { strict as assert } from "assert";
import { runProgram, type MockRun } from "../tools/mock-run";
import { atLeast, K8S, object, ofType } from "./helpers";

const WAIT_FOR = "pulumi.com/waitFor";
const AVAILABLE = "condition=Available";
const NEW_REPLICA_SET_AVAILABLE = 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}=NewReplicaSetAvailable';
/** Every pod the new ReplicaSet's, all available: the counts a complete rollout shows at `replicas`. */
const allUpdated = (replicas: number) => [
    `jsonpath={.status.updatedReplicas}=${replicas}`,
    `jsonpath={.status.replicas}=${replicas}`,
    `jsonpath={.status.availableReplicas}=${replicas}`,
];

const clairDeployments = (run: MockRun) =>
    ofType(run, K8S.deployment)
        .map((r) => object(run, K8S.deployment, r.inputs.metadata.name))
        .filter((d) => d.metadata.labels["app.kubernetes.io/name"] === "clair");

/** The annotation's expressions: a JSON array of strings, the form the provider reads as "all of these". */
function waitFor(deployment: any): string[] {
    const raw = deployment.metadata.annotations?.[WAIT_FOR];
    assert.equal(typeof raw, "string", `${deployment.metadata.name} has no ${WAIT_FOR}`);
    const parsed = JSON.parse(raw);
    assert.ok(Array.isArray(parsed) && parsed.every((e) => typeof e === "string"), `${deployment.metadata.name}: ${raw} is not a JSON array of strings`);
    return parsed;
}

describe("Clair Deployments: pulumi up waits for the whole rollout (pulumi.com/waitFor)", () => {
    const cases: [string, string, Record<string, string>, string[]][] = [
        ["local", "", {}, ["clair-matcher", "clair-notifier"]],
        ["stage", "", {}, ["clair-matcher", "clair-notifier"]],
        ["prod", "", {}, ["clair-matcher", "clair-notifier"]],
        ["stage", " with the dedicated updater", { "clair.updaters.dedicated": "true" }, ["clair-matcher", "clair-notifier", "clair-updater"]],
        ["prod", " with the dedicated updater", { "clair.updaters.dedicated": "true" }, ["clair-matcher", "clair-notifier", "clair-updater"]],
    ];
    for (const [stack, label, sets, names] of cases) {
        it(`${stack}${label}: every Clair Deployment waits for Available, reason NewReplicaSetAvailable and all its pods updated`, async () => {
            const run = await runProgram(stack, { sets });
            const deployments = atLeast(clairDeployments(run), names.length, `${stack}: Clair Deployments`);
            assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), names);
            for (const d of deployments) {
                assert.equal(typeof d.spec.replicas, "number", d.metadata.name);
                assert.deepEqual(waitFor(d), [AVAILABLE, NEW_REPLICA_SET_AVAILABLE, ...allUpdated(d.spec.replicas)], d.metadata.name);
            }
        });
    }

    it("prod, matcher autoscaled: Available and NewReplicaSetAvailable only, no count the autoscaler may move away from", async () => {
        const run = await runProgram("prod", { sets: { "clair.matcher.autoscaling.enabled": "true", "clair.matcher.autoscaling.maxReplicas": "20" } });
        assert.equal(ofType(run, K8S.hpa).filter((r) => r.inputs.metadata.name === "clair-matcher").length, 1);
        assert.deepEqual(waitFor(object(run, K8S.deployment, "clair-matcher")), [AVAILABLE, NEW_REPLICA_SET_AVAILABLE]);
        // The notifier has no autoscaler: it keeps its count.
        const notifier = object(run, K8S.deployment, "clair-notifier");
        assert.deepEqual(waitFor(notifier), [AVAILABLE, NEW_REPLICA_SET_AVAILABLE, ...allUpdated(notifier.spec.replicas)]);
    });

    it("the indexer StatefulSet keeps the provider's own await (it waits for currentRevision == updateRevision)", async () => {
        const run = await runProgram("prod");
        assert.equal(object(run, K8S.statefulSet, "clair-indexer").metadata.annotations[WAIT_FOR], undefined);
    });

    it("ClamAV's and Malwar's Deployments keep the provider's own await (no upgrade Job waits on them)", async () => {
        const run = await runProgram("prod");
        const others = ofType(run, K8S.deployment)
            .map((r) => object(run, K8S.deployment, r.inputs.metadata.name))
            .filter((d) => d.metadata.labels["app.kubernetes.io/name"] !== "clair");
        atLeast(others, 1, "other Deployments");
        for (const d of others) assert.equal(d.metadata.annotations?.[WAIT_FOR], undefined, d.metadata.name);
    });
});
