/**
 * URNs: a resource's URN is its stack, its parents' type tokens, its own type and its name, and a
 * changed URN makes Pulumi delete and re-create the resource on a deployed stack (the RDS
 * instances and Malwar's kept claim among them) unless the change comes with an alias. So, as the
 * component contract says (CONTRIBUTING.md): the type tokens have the form `scanning:<area>:<Kind>`
 * and prod's set is pinned here, written by hand; every resource but a provider is a child of a
 * component (`{ parent: this }`), named after it; and every component registers its outputs.
 */
import { strict as assert } from "assert";
import { listStacks, type MockResource } from "../tools/mock-run";
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

    for (const stack of listStacks()) {
        it(`${stack}: every resource but a provider hangs under a component and is named after it, and every component registers outputs`, async () => {
            const resources = (await stackRun(stack)).resources;
            const byUrn = new Map<string, MockResource>(resources.map((r) => [r.urn, r]));
            const custom = resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
            assert.ok(custom.length >= 40, `${custom.length} resources`);
            const orphans = custom.filter((r) => !byUrn.get(r.parent) || byUrn.get(r.parent)!.custom).map((r) => `${r.type} ${r.name}`);
            assert.deepEqual(orphans, [], "resources whose parent is not a component");
            const misnamed = resources
                .filter((r) => r.parent && byUrn.has(r.parent) && !r.name.startsWith(byUrn.get(r.parent)!.name))
                .map((r) => `${r.type} ${r.name} under ${byUrn.get(r.parent)!.name}`);
            assert.deepEqual(misnamed, [], "children not named after their component");
            const silent = resources
                .filter((r) => !r.custom && (!r.registeredOutputs || Object.keys(r.registeredOutputs).length === 0))
                .map((r) => `${r.type} ${r.name}`);
            assert.deepEqual(silent, [], "components that register no outputs");
        });
    }
});
