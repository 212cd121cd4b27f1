/**
 * The mutation runs' test lists (.mocharc.stryker.json for lib/ and policy/,
 * .mocharc.stryker-components.json for components/ and config/): a file they name that is gone
 * fails the whole run, and a fast test of the program left out of the components run leaves its
 * mutants surviving for want of a test, which reads as a weak suite.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const specs = (file: string): string[] => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")).spec;

/** Fast tests that reach neither config/ nor components/, so the components run need not take them. */
const NOT_IN_COMPONENTS_RUN: Record<string, string> = {
    "test/ci-summary.test.ts": "tools/ci-summary.ts and tools/stack-lock.ts",
    "test/cli.test.ts": "the commands' flags (tools/cli.ts)",
    "test/component-contract.test.ts": "the components' source text, not their behaviour",
    "test/config-doc.test.ts": "docs/configuration.md against the schema's descriptions, which mutation ignores as static",
    "test/docs.test.ts": "the documents against the tree",
    "test/fast-load.test.ts": "tools/fast-load.js",
    "test/host-tools.test.ts": "test helpers",
    "test/import-graph.test.ts": "the import graph",
    "test/lib.test.ts": "lib/ (the other run)",
    "test/license.test.ts": "LICENSE",
    "test/policy-table.test.ts": "policy/ (the other run)",
    "test/progress.test.ts": "tools/progress.ts",
    "test/workflows.test.ts": "the CI workflows",
    "test/mutation-config.test.ts": "these lists",
    "test/mutation-sample.test.ts": "tools/stryker-sample-checker.mjs and tools/mutation-summary.ts",
};

describe("mutation runs' test lists", () => {
    it("name only test files that exist", () => {
        for (const file of [".mocharc.stryker.json", ".mocharc.stryker-components.json"]) {
            const missing = specs(file).filter((spec) => !fs.existsSync(path.join(ROOT, spec)));
            assert.deepEqual(missing, [], `${file} names files that are gone`);
        }
    });

    it("give the components and config run every fast test, but those listed here with what they test instead", () => {
        const listed = new Set(specs(".mocharc.stryker-components.json"));
        const fast = fs
            .readdirSync(path.join(ROOT, "test"))
            .filter((f) => f.endsWith(".test.ts"))
            .map((f) => `test/${f}`);
        assert.ok(fast.length > 40, `${fast.length} fast test files`);
        assert.deepEqual(
            fast.filter((f) => !listed.has(f) && !(f in NOT_IN_COMPONENTS_RUN)),
            [],
            "fast tests the components run leaves out",
        );
        assert.deepEqual(
            Object.keys(NOT_IN_COMPONENTS_RUN).filter((f) => listed.has(f) || !fs.existsSync(path.join(ROOT, f))),
            [],
            "exclusions that are run anyway or gone",
        );
    });
});
