/**
 * The import graph (tools/import-graph-check.ts): the tree has no cycle and no import against
 * the layering, and the check sees both in a graph made here.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { backArrows, cycles, importGraph, problems, type ImportGraph } from "../tools/import-graph-check";

const ROOT = path.resolve(__dirname, "..");

describe("import graph", () => {
    it("has no cycle and no import from lib/ into components/ or config/, nor from components/ into config/", () => {
        const graph = importGraph(ROOT);
        assert.ok(graph.get("config/clair.ts")?.includes("lib/clair-pools.ts"), "the graph holds the tree's imports");
        assert.deepEqual(problems(graph), []);
    });

    it("finds a cycle, and an import that runs against the layering", () => {
        const graph: ImportGraph = new Map([
            ["lib/a.ts", ["components/b.ts"]],
            ["components/b.ts", ["lib/a.ts", "config/c.ts"]],
            ["config/c.ts", ["components/b.ts", "lib/a.ts", "policy/lib/d.ts"]],
            ["policy/lib/d.ts", []],
            ["index.ts", ["config/c.ts"]],
        ]);
        assert.deepEqual(cycles(graph), [["components/b.ts", "config/c.ts", "lib/a.ts"]]);
        assert.deepEqual(backArrows(graph), [
            "components/b.ts -> config/c.ts (components may not import from config)",
            "lib/a.ts -> components/b.ts (lib may not import from components)",
        ]);
    });
});
