/**
 * Clair's startup window (clair.startupMinutes) through the real program under the mocks: the
 * startup probe of every serving container covers it, and nothing else in the probes moves.
 */
import { strict as assert } from "assert";
import { runProgram, unwrapSecrets, type MockRun } from "../tools/mock-run";

const SERVING: [string, string][] = [
    ["kubernetes:apps/v1:StatefulSet", "clair-indexer"],
    ["kubernetes:apps/v1:Deployment", "clair-matcher"],
    ["kubernetes:apps/v1:Deployment", "clair-notifier"],
];

function clairContainers(run: MockRun) {
    return SERVING.map(([type, name]) => {
        const found = run.resources.filter((r) => r.type === type && unwrapSecrets(r.inputs).metadata.name === name);
        assert.equal(found.length, 1, name);
        return { name, container: unwrapSecrets(found[0].inputs).spec.template.spec.containers.find((c: any) => c.name === "clair") };
    });
}

/** Seconds the kubelet waits before the first failure counts against liveness: period x threshold. */
const window = (probe: any) => probe.periodSeconds * probe.failureThreshold;

describe("clair.startupMinutes: the startup probe allows a first start's migrations", function () {
    this.timeout(600_000);

    it("by default allows 50 minutes, Quay's operator's 300 tries every 10 s (3000 s)", async () => {
        for (const { name, container } of clairContainers(await runProgram("prod"))) {
            assert.equal(window(container.startupProbe), 300 * 10, name);
            assert.equal(container.startupProbe.httpGet.path, "/readyz", name);
            // Liveness and readiness keep their own short timing.
            assert.equal(window(container.livenessProbe), 30 * 3, name);
            assert.equal(window(container.readinessProbe), 10 * 3, name);
        }
    });

    it("follows the setting, rounding up to whole tries (67 minutes = 4020 s = 402 tries)", async () => {
        for (const { name, container } of clairContainers(await runProgram("stage", { sets: { "clair.startupMinutes": "67" } }))) {
            assert.equal(container.startupProbe.periodSeconds, 10, name);
            assert.equal(container.startupProbe.failureThreshold, 402, name);
        }
    });

    it("refuses 0 and a fraction, naming the key and value", async () => {
        await assert.rejects(
            runProgram("prod", { sets: { "clair.startupMinutes": "0" } }),
            /scanning-platform:clair\.startupMinutes = 0: must be at least 1 \(minutes\)/,
        );
        await assert.rejects(
            runProgram("prod", { sets: { "clair.startupMinutes": "2.5" } }),
            /scanning-platform:clair\.startupMinutes = 2\.5: must be a whole number of minutes/,
        );
    });
});
