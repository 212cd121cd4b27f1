/**
 * The PodMonitors: in the namespace of the pods they scrape (OpenShift's user-workload
 * monitoring ignores namespace selectors), selecting exactly the workloads meant, on a port
 * those pods name; and switched off with monitoring.podMonitors.
 */
import { strict as assert } from "assert";
import { parseConfig } from "../config/load";
import { podSpecOf } from "../policy/lib/workloads";
import { listStacks, runProgram, stackConfig, unwrapSecrets, type MockRun } from "../tools/mock-run";
import { ofType, stackRun } from "./helpers";

const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";

function podMonitors(run: MockRun): Map<string, any> {
    return new Map(ofType(run, POD_MONITOR).map((r) => [r.inputs.metadata.name, unwrapSecrets(r.inputs)]));
}

/** The workloads whose pod template labels match, with the container ports their pods name. */
function scraped(
    run: MockRun,
    selector: { matchLabels: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] },
): { name: string; ports: string[] }[] {
    return run.resources
        .flatMap((r) => {
            const o = unwrapSecrets(r.inputs);
            const spec = podSpecOf(r.type, o);
            if (!spec || r.type.endsWith(":CronJob")) return [];
            const labels = o.spec.template.metadata?.labels ?? {};
            if (!Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v)) return [];
            for (const e of selector.matchExpressions ?? []) {
                assert.equal(e.operator, "In", "only In is evaluated here");
                if (!e.values.includes(labels[e.key])) return [];
            }
            return [{ name: o.metadata.name, ports: spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name)) }];
        })
        .sort((a, b) => a.name.localeCompare(b.name));
}

for (const stack of listStacks()) {
    describe(`PodMonitors on the ${stack} stack`, () => {
        const namespace = () => parseConfig(stackConfig(stack)).kubernetes.namespace;

        it("Clair's scrapes /metrics on the introspection port of the indexer, matcher and notifier pods, in their namespace", async () => {
            const run = await stackRun(stack);
            const monitor = podMonitors(run).get("clair");
            assert.equal(monitor.metadata.namespace, namespace());
            assert.deepEqual(monitor.spec.podMetricsEndpoints, [{ port: "introspection", path: "/metrics", interval: "30s", scheme: "http" }]);
            const pods = scraped(run, monitor.spec.selector);
            assert.deepEqual(
                pods.map((p) => p.name),
                ["clair-indexer", "clair-matcher", "clair-notifier"],
            );
            for (const p of pods) assert.ok(p.ports.includes("introspection"), `${p.name} names the port`);
        });

        it("ClamAV's scrapes the exporter sidecar's metrics port of the clamd pods, in their namespace", async () => {
            const run = await stackRun(stack);
            const monitor = podMonitors(run).get("clamav");
            assert.equal(monitor.metadata.namespace, namespace());
            assert.deepEqual(monitor.spec.podMetricsEndpoints, [{ port: "metrics", path: "/metrics", interval: "30s", scheme: "http" }]);
            assert.deepEqual(scraped(run, monitor.spec.selector), [{ name: "clamav", ports: ["clamd", "metrics"] }]);
        });

        it("there are no other PodMonitors", async () => {
            assert.deepEqual([...podMonitors(await stackRun(stack)).keys()].sort(), ["clair", "clamav"]);
        });
    });
}

describe("PodMonitors switched off", () => {
    it("monitoring.podMonitors false: no PodMonitor and no exporter sidecar; the rules stay", async () => {
        const run = await runProgram("prod", { sets: { "monitoring.podMonitors": "false" } });
        assert.equal(ofType(run, POD_MONITOR).length, 0);
        assert.deepEqual(scraped(run, { matchLabels: { "app.kubernetes.io/instance": "clamav" } }), [{ name: "clamav", ports: ["clamd"] }]);
        assert.equal(ofType(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").length, 2);
    });
});
