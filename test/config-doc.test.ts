/**
 * docs/configuration.md is generated from the schema (tools/config-doc.ts, `npm run config-doc`):
 * the committed file must be what the schema and the stack files give, and every key must carry
 * its description in the schema, so a key added without one, or a description changed without
 * regenerating, fails here.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { configDoc, DOC, undescribedKeys } from "../tools/config-doc";
import { stackConfig } from "../tools/mock-run";

describe("docs/configuration.md, generated from the schema", () => {
    it("every config key has a description in the schema (.describe() or .meta({ description }))", () => {
        assert.deepEqual(undescribedKeys(), []);
    });

    it("is what npm run config-doc writes from the schema and the stack files", () => {
        const expected = configDoc({ stage: stackConfig("stage"), prod: stackConfig("prod") });
        const committed = fs.readFileSync(DOC, "utf8");
        if (committed !== expected) {
            const a = committed.split("\n");
            const b = expected.split("\n");
            const line = a.findIndex((l, i) => l !== b[i]);
            assert.fail(
                `docs/configuration.md differs from the schema from line ${line + 1} (run npm run config-doc):\n  committed: ${a[line]}\n  schema:    ${b[line]}`,
            );
        }
    });
});
