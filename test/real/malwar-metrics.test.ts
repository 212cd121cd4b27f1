/**
 * A monitor of Malwar only if it exposes metrics. Malwar 0.4.0 does not: this reads
 * the release's own source (the sha256-pinned wheel of scripts/python-tools.sh) with Python's
 * parser and finds no metrics route and no metrics library. So the program scrapes nothing of
 * Malwar, and a Malwar release that adds one fails this test until a monitor follows it. (That no
 * monitor selects Malwar, under Pulumi's mocks: test/malwar-metrics.test.ts.)
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { pythonTools, PYTHON_TOOLS_TIMEOUT_MS } from "./python-tools";

interface ServedPaths {
    routes: string[];
    prefixes: string[];
    mounts: string[];
    imports: string[];
    requires: string[];
}

/** Python modules that serve Prometheus or OpenTelemetry metrics from an ASGI app. */
const METRICS_LIBRARIES = [
    "prometheus_client",
    "prometheus_fastapi_instrumentator",
    "starlette_exporter",
    "starlette_prometheus",
    "opentelemetry",
    "aioprometheus",
];

describe("Malwar 0.4.0 serves no metrics, so the program scrapes none", function () {
    this.timeout(PYTHON_TOOLS_TIMEOUT_MS);
    let served: ServedPaths;

    before(() => {
        const tools = pythonTools();
        const wheel = path.dirname(path.dirname(path.dirname(tools.malwarConfigPy)));
        served = JSON.parse(execFileSync(tools.python, [path.join(__dirname, "malwar_routes.py"), wheel], { encoding: "utf8" }));
    });

    it("reads the routes it serves (the health and readiness routes under /api/v1 among them)", () => {
        assert.ok(served.routes.includes("/health") && served.routes.includes("/ready"), served.routes.join(" "));
        assert.ok(served.prefixes.includes("/api/v1"));
        assert.ok(served.routes.length >= 20, `${served.routes.length} routes`);
    });

    it("has no route, prefix or mount for metrics, imports no metrics library and requires none", () => {
        const all = [...served.routes, ...served.prefixes, ...served.mounts];
        assert.deepEqual(
            all.filter((p) => /metric|prometheus/i.test(p)),
            [],
        );
        assert.deepEqual(
            served.imports.filter((m) => METRICS_LIBRARIES.includes(m)),
            [],
        );
        assert.deepEqual(
            served.requires.filter((r) => METRICS_LIBRARIES.some((lib) => r.toLowerCase().replace(/-/g, "_").startsWith(lib))),
            [],
        );
    });
});
