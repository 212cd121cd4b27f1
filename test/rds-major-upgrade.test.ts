/**
 * A PostgreSQL major-version change on the Clair RDS instances (clair.database.rds.engineVersion
 * with allowMajorVersionUpgrade): the resources the program registers before and after, under
 * Pulumi's mocks. RDS facts: a parameter group's family is fixed at creation and must match the
 * engine's major version (postgres16, postgres17); ModifyDBInstance refuses a new major version
 * without AllowMajorVersionUpgrade.
 */
import { strict as assert } from "assert";
import { runProgram, type MockRun } from "../tools/mock-run";
import { AWS, ofType } from "./helpers";

const MODES = ["indexer", "matcher", "notifier"];

function databases(run: MockRun) {
    return MODES.map((mode) => {
        const instance = ofType(run, AWS.instance).find((r) => r.inputs.identifier === `clair-${mode}-prod`);
        assert.ok(instance, `clair-${mode}-prod is registered`);
        const groups = ofType(run, AWS.parameterGroup).filter((r) => r.inputs.name === instance.inputs.parameterGroupName);
        assert.equal(groups.length, 1, `one parameter group named by clair-${mode}-prod`);
        return { mode, instance: instance.inputs, group: groups[0] };
    });
}

describe("a PostgreSQL major-version upgrade of the Clair RDS instances", () => {
    let sixteen: ReturnType<typeof databases>;
    let seventeen: ReturnType<typeof databases>;

    before(async () => {
        sixteen = databases(await runProgram("prod"));
        seventeen = databases(
            await runProgram("prod", { sets: { "clair.database.rds.engineVersion": "17.2", "clair.database.rds.allowMajorVersionUpgrade": "true" } }),
        );
    });

    it("leaves major upgrades off by default: RDS would refuse a new major version", () => {
        for (const db of sixteen) {
            assert.equal(db.instance.engineVersion, "16.4");
            assert.equal(db.instance.allowMajorVersionUpgrade, false, db.mode);
            assert.equal(db.instance.applyImmediately, undefined, `${db.mode}: changes wait for the maintenance window`);
        }
    });

    it("asks RDS for the new version with the flag, applied during the update", () => {
        for (const db of seventeen) {
            assert.equal(db.instance.engineVersion, "17.2");
            assert.equal(db.instance.allowMajorVersionUpgrade, true, db.mode);
            assert.equal(db.instance.applyImmediately, true, db.mode);
        }
    });

    it("gives each instance a parameter group of the new family, under a name the old group does not hold", () => {
        for (const [i, db] of seventeen.entries()) {
            assert.equal(sixteen[i].group.inputs.family, "postgres16");
            assert.equal(db.group.inputs.family, "postgres17");
            // The same resource (its family changes, so it is replaced); created before the old one is
            // deleted, while the instance still uses the old, so the names must differ.
            assert.equal(db.group.name, sixteen[i].group.name);
            assert.notEqual(db.group.inputs.name, sixteen[i].group.inputs.name);
            assert.equal(db.group.deleteBeforeReplace, false, `${db.mode}: the old group is deleted after the instance moved off it`);
        }
    });

    it("keeps everything else the parameter group sets: TLS forced and the same max_connections", () => {
        for (const [i, db] of seventeen.entries()) assert.deepEqual(db.group.inputs.parameters, sixteen[i].group.inputs.parameters);
    });

    it("keeps the instances themselves: same identifiers, class, storage, backups and protection", () => {
        const kept = ({
            engineVersion: _v,
            allowMajorVersionUpgrade: _a,
            applyImmediately: _i,
            parameterGroupName: _p,
            password: _pw,
            ...rest
        }: Record<string, unknown>) => rest;
        for (const [i, db] of seventeen.entries()) assert.deepEqual(kept(db.instance), kept(sixteen[i].instance));
    });

    it("refuses a flag that is not true or false", async () => {
        await assert.rejects(
            runProgram("prod", { sets: { "clair.database.rds.allowMajorVersionUpgrade": "yes" } }),
            /clair\.database\.rds\.allowMajorVersionUpgrade = "yes": must be true or false/,
        );
    });
});
