/**
 * Malwar 0.4.0 serves no metrics (test/real/malwar-metrics.test.ts reads the release's
 * own source for that), so no PodMonitor or ServiceMonitor of the program selects it.
 */
import { strict as assert } from "assert";
import { listStacks } from "../tools/mock-run";
import { ofType, stackRun } from "./helpers";

describe("Malwar 0.4.0 serves no metrics, so the program scrapes none", function () {
    for (const stack of listStacks()) {
        it(`${stack}: no PodMonitor or ServiceMonitor selects Malwar`, async () => {
            const run = await stackRun(stack);
            const monitors = [
                ...ofType(run, "kubernetes:monitoring.coreos.com/v1:PodMonitor"),
                ...ofType(run, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"),
            ];
            assert.ok(monitors.length > 0, "the stack has monitors (monitoring.podMonitors is on)");
            for (const m of monitors) assert.doesNotMatch(JSON.stringify(m.inputs.spec.selector), /malwar/, m.inputs.metadata.name);
        });
    }
});
