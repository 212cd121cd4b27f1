/**
 * Component type tokens are part of every child's URN: a changed token makes Pulumi delete and
 * re-create each child on a deployed stack (the RDS instances and Malwar's kept claim among them)
 * unless the change comes with an alias. So the tokens follow the component contract's form
 * (`scanning:<area>:<Kind>`, CONTRIBUTING.md) and prod's set is pinned here, written by hand.
 */
import { strict as assert } from "assert";
import { listStacks } from "../tools/mock-run";
import { stackRun } from "./helpers";

const TOKEN = /^scanning:(aws|clair|clamav|malwar|monitoring|kubernetes|openshift|postgres):[A-Z][A-Za-z]+$/;

/** prod's components and how many of each: the URNs its deployed resources hang under. */
const PROD_COMPONENTS: Record<string, number> = {
    "scanning:kubernetes:Namespace": 1,
    "scanning:aws:DatabaseNetwork": 1,
    "scanning:aws:RdsPostgres": 3,
    "scanning:clair:Clair": 1,
    "scanning:clair:Databases": 1,
    "scanning:clair:ConfigFile": 1,
    "scanning:clair:Indexer": 1,
    "scanning:clair:Matcher": 1,
    "scanning:clair:Notifier": 1,
    "scanning:clair:Routes": 1,
    "scanning:clair:UpgradeJob": 2,
    "scanning:clamav:Clamav": 1,
    "scanning:clamav:Mirror": 1,
    "scanning:clamav:Refresh": 1,
    "scanning:malwar:Malwar": 1,
    "scanning:malwar:Backup": 1,
    "scanning:monitoring:Dashboard": 1,
};

describe("component type tokens", () => {
    for (const stack of listStacks()) {
        it(`${stack}: every component's token has the contract's form, scanning:<area>:<Kind>`, async () => {
            const components = (await stackRun(stack)).resources.filter((r) => !r.custom);
            assert.ok(components.length >= 10, `${components.length} components`);
            assert.deepEqual(
                components.map((c) => c.type).filter((t) => !TOKEN.test(t)),
                [],
            );
        });
    }

    it("prod keeps the components its deployed resources hang under", async () => {
        const counts: Record<string, number> = {};
        for (const r of (await stackRun("prod")).resources.filter((r) => !r.custom)) counts[r.type] = (counts[r.type] ?? 0) + 1;
        assert.deepEqual(counts, PROD_COMPONENTS);
    });
});
