/**
 * docs/architecture.md's policy table against the pack, in both directions and in every column: each
 * policy has a row and each row a policy, and the "level (stage / prod)" column is what
 * policy/config.<stack>.json (or the policy's own default) gives.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../policy/policies";

const DOC = path.join(__dirname, "..", "docs", "architecture.md");

function policyRows(): { name: string; stack: boolean; levels: string[] }[] {
    const lines = fs.readFileSync(DOC, "utf8").split("\n");
    const header = lines.indexOf("| policy | level (stage / prod) | checks |");
    assert.ok(header > 0, "docs/architecture.md: policy table header");
    const rows = [];
    for (let i = header + 2; i < lines.length && lines[i].startsWith("|"); i++) {
        const [, name, levels] = lines[i].split("|").map((c) => c.trim());
        const m = /^`([a-z0-9-]+)`( \(stack\))?$/.exec(name);
        assert.ok(m, `docs/architecture.md policy row: ${lines[i]}`);
        rows.push({ name: m![1], stack: !!m![2], levels: levels.split(" / ") });
    }
    return rows;
}

function levelOn(stack: string, name: string, fallback: string): string {
    const config = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policy", `config.${stack}.json`), "utf8"));
    const entry = config[name] ?? config.all;
    if (typeof entry === "string") return entry;
    return entry?.enforcementLevel ?? fallback;
}

describe("docs/architecture.md policy table", () => {
    it("has a row for every policy of the pack and no other, stack policies marked", () => {
        const rows = policyRows();
        assert.deepEqual(rows.map((r) => r.name).sort(), policies.map((p) => p.name).sort());
        for (const p of policies) assert.equal(rows.find((r) => r.name === p.name)!.stack, "validateStack" in p, `${p.name}: (stack) marks a stack policy`);
    });

    it("states each policy's level on stage and prod as the pack config sets it", () => {
        for (const row of policyRows()) {
            const policy = policies.find((p) => p.name === row.name)!;
            const expected = ["stage", "prod"].map((stack) => levelOn(stack, row.name, policy.enforcementLevel ?? "advisory"));
            assert.deepEqual(row.levels, expected, row.name);
        }
    });
});
