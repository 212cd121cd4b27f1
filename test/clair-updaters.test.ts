/**
 * Clair's updaters: which sets run (updaters.sets), their settings (updaters.config), and the
 * dedicated updater Deployment (clair.updaters.dedicated) with every matcher on disable_updaters.
 * Set names and the places settings are read come from claircore v1.5.32 (updater/defaults,
 * libvuln/updates) and Clair v4.8.0 (config/updaters.go, config/config.go).
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { clairConnectionPools } from "../policy/clair-connection-pools";
import { checkStack } from "../policy/test/harness";
import { runProgram, stackConfig, type MockRun } from "../tools/mock-run";
import { K8S, object, ofType, rawObject } from "./helpers";
import { parseConnstring } from "./libpq";

const configOf = (run: MockRun, file = "config.yaml") => parse(object(run, K8S.secret, "clair-config").stringData[file]);

/** Runs `stack` with the stack file's Clair block changed by `edit`. */
function withClair(stack: string, edit: (clair: any) => void): Promise<MockRun> {
    const clair = JSON.parse(stackConfig(stack)["scanning-platform:clair"] ?? "{}");
    edit(clair);
    return runProgram(stack, { config: { "scanning-platform:clair": JSON.stringify(clair) } });
}

async function refused(sets: Record<string, string>, message: RegExp): Promise<void> {
    await assert.rejects(runProgram("stage", { sets }), (err: Error) => {
        assert.match(err.message, message);
        return true;
    });
}

describe("Clair updaters: sets and per-updater config", () => {
    it("leaves the updaters section out by default, so Clair runs every set it has", async () => {
        const cfg = configOf(await runProgram("stage"));
        assert.equal(cfg.updaters, undefined);
        assert.equal(cfg.matcher.disable_updaters, undefined);
    });

    it("writes clair.updaters.sets and clair.updaters.config into the updaters section as given", async () => {
        const run = await runProgram("stage", {
            sets: {
                "clair.updaters.sets": '["rhel-vex","ubuntu","clair.cvss"]',
                "clair.updaters.config": '{"rhel-vex":{"url":"https://mirror.internal/vex/"}}',
            },
        });
        assert.deepEqual(configOf(run).updaters, {
            sets: ["rhel-vex", "ubuntu", "clair.cvss"],
            config: { "rhel-vex": { url: "https://mirror.internal/vex/" } },
        });
    });

    it("writes config alone without sets (every set runs, one configured)", async () => {
        const run = await runProgram("stage", {
            sets: { "clair.updaters.config": '{"ubuntu/updater/jammy":{"url":"https://mirror.internal/jammy.oval.xml"}}' },
        });
        assert.deepEqual(configOf(run).updaters, { config: { "ubuntu/updater/jammy": { url: "https://mirror.internal/jammy.oval.xml" } } });
    });

    it("refuses a set name Clair does not register (it would select nothing), naming the value and the sets it has", async () => {
        await refused(
            { "clair.updaters.sets": '["debian","rhel"]' },
            /scanning-platform:clair\.updaters\.sets\.1 = "rhel": is not an updater set Clair 4\.8\.0 has, so it would select nothing without an error; must be one of alpine, aws, clair\.cvss, debian, oracle, osv, photon, rhcc, rhel-vex, suse, ubuntu/,
        );
    });

    it("takes every set claircore v1.5.32 registers", async () => {
        // updater/defaults/defaults.go registers these eleven names.
        const all = ["alpine", "ubuntu", "debian", "osv", "rhel-vex", "aws", "oracle", "photon", "suse", "rhcc", "clair.cvss"];
        const run = await runProgram("stage", { sets: { "clair.updaters.sets": JSON.stringify(all) } });
        assert.deepEqual(configOf(run).updaters.sets, all);
    });

    it("refuses an empty list (no updater at all) and a set listed twice", async () => {
        await refused({ "clair.updaters.sets": "[]" }, /clair\.updaters\.sets = \[\]: is empty, which runs no updater at all/);
        await refused({ "clair.updaters.sets": '["osv","osv"]' }, /clair\.updaters\.sets\.1 = "osv": is listed twice/);
    });

    it("refuses updaters.config.rhel: no updater reads it in Clair 4.8.0, and ignore_unpatched is the rhel matcher's", async () => {
        await refused(
            { "clair.updaters.config": '{"rhel":{"ignore_unpatched":true}}' },
            /clair\.updaters\.config\.rhel = \{"ignore_unpatched":true\}: configures no updater: Clair 4\.8\.0 has no updater named rhel .* set it as clair\.configOverrides\.matchers\.config\.rhel\.ignore_unpatched/,
        );
    });

    it("refuses a settings block that is not a mapping, and one for a set the sets leave out", async () => {
        await refused(
            { "clair.updaters.config": '{"osv":"https://x"}' },
            /clair\.updaters\.config\.osv = "https:\/\/x": must be a mapping of the updater's own settings/,
        );
        await refused(
            { "clair.updaters.sets": '["debian"]', "clair.updaters.config": '{"osv":{"url":"https://mirror.internal/osv/"}}' },
            /clair\.updaters\.config\.osv = \{"url":"https:\/\/mirror\.internal\/osv\/"\}: configures the updater set osv, which clair\.updaters\.sets leaves out/,
        );
    });

    it("refuses every updaters key in disconnected mode, where no pod runs an updater", async () => {
        await assert.rejects(
            runProgram("local", { sets: { "clair.updaters.dedicated": "true" } }),
            /clair\.updaters\.dedicated = true: has no effect in disconnected mode/,
        );
        await assert.rejects(
            runProgram("local", { sets: { "clair.updaters.sets": '["debian"]' } }),
            /clair\.updaters\.sets = \["debian"\]: has no effect in disconnected mode/,
        );
    });
});

describe("Clair updaters in a dedicated Deployment (clair.updaters.dedicated)", () => {
    let run: MockRun;
    before(async () => {
        run = await runProgram("stage", { sets: { "clair.updaters.dedicated": "true", "clair.updaters.sets": '["debian","osv"]' } });
    });

    it("turns the updaters off in every matcher and keeps them on in the updater's own file, which is otherwise the same", async () => {
        const matchers = configOf(run);
        const updater = configOf(run, "updater.yaml");
        assert.equal(matchers.matcher.disable_updaters, true);
        assert.equal(updater.matcher.disable_updaters, undefined);
        assert.deepEqual(updater.updaters, { sets: ["debian", "osv"] });
        const { disable_updaters: _off, ...matcherSection } = matchers.matcher;
        assert.deepEqual({ ...updater, matcher: updater.matcher }, { ...matchers, matcher: matcherSection });
    });

    it("runs one matcher process reading updater.yaml, replaced with Recreate (never two at once), selected by no Service", async () => {
        const deployment = object(run, K8S.deployment, "clair-updater");
        assert.equal(deployment.spec.replicas, 1);
        assert.deepEqual(deployment.spec.strategy, { type: "Recreate" });
        const clair = deployment.spec.template.spec.containers[0];
        const env = Object.fromEntries(clair.env.filter((e: any) => "value" in e).map((e: any) => [e.name, e.value]));
        assert.equal(env.CLAIR_MODE, "matcher");
        assert.equal(env.CLAIR_CONF, "/etc/clair/updater.yaml");
        assert.ok(deployment.spec.template.spec.volumes.some((v: any) => v.secret?.secretName === "clair-config"));
        const podLabels = deployment.spec.template.metadata.labels;
        for (const service of ofType(run, K8S.service).map((r) => object(run, K8S.service, r.inputs.metadata.name))) {
            const selector: Record<string, string> = service.spec.selector ?? {};
            const selects = Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v);
            assert.ok(!selects, `Service ${service.metadata.name} selects the updater's pods`);
        }
        // The matchers' own selector does not take it either.
        const matcherSelector = object(run, K8S.deployment, "clair-matcher").spec.selector.matchLabels;
        assert.ok(!Object.entries(matcherSelector).every(([k, v]) => podLabels[k] === v));
    });

    it("connects to the matcher database with the matchers' pool, and says so in the annotations the pool policy reads", async () => {
        const updater = rawObject(run, K8S.deployment, "clair-updater").inputs.metadata.annotations;
        const matcher = rawObject(run, K8S.deployment, "clair-matcher").inputs.metadata.annotations;
        assert.equal(updater["clair.scanning-platform/database"], "clair-matcher-stage");
        assert.equal(updater["clair.scanning-platform/pool-max-conns"], matcher["clair.scanning-platform/pool-max-conns"]);
    });

    it("counts the extra pod in the capacity report: one more Clair pod at the updater's resources", async () => {
        const without = (await runProgram("stage")).outputs.capacity as any;
        const withUpdater = run.outputs.capacity as any;
        const row = withUpdater.workloads.find((w: any) => w.name === "clair-updater");
        assert.ok(row, "clair-updater is a row of the report");
        assert.deepEqual([row.kind, row.pods, row.cpu, row.memoryGiB], ["Deployment", 1, 2, 2]);
        assert.equal(withUpdater.apps.clair.pods, without.apps.clair.pods + 1);
        assert.equal(withUpdater.apps.clair.cpu, without.apps.clair.cpu + 2);
    });

    it("takes clair.updaters.resources for the updater pod", async () => {
        const r = await runProgram("stage", {
            sets: {
                "clair.updaters.dedicated": "true",
                "clair.updaters.resources.requests.cpu": "500m",
                "clair.updaters.resources.limits.cpu": "500m",
                "clair.updaters.resources.requests.memory": "1Gi",
                "clair.updaters.resources.limits.memory": "1Gi",
            },
        });
        const limits = object(r, K8S.deployment, "clair-updater").spec.template.spec.containers[0].resources.limits;
        assert.deepEqual([limits.cpu, limits.memory], ["500m", "1Gi"]);
    });
});

describe("the connection-pool plan and policy count the dedicated updater pod", () => {
    // In-cluster PostgreSQL with max_connections 20, 5 of them reserved: 15 to share. The matchers
    // (1 replica plus the rolling update's 1 surge pod) share them two ways: floor(15 / 2) = 7;
    // with the updater pod three ways: floor(15 / 3) = 5.
    const small = (dedicated: boolean) =>
        withClair("local", (clair) => {
            clair.disconnected = { enabled: false };
            clair.database.inClusterMaxConnections = 20;
            clair.updaters = { dedicated };
        });
    const poolOf = (run: MockRun) => Number(parseConnstring(configOf(run).matcher.connstring).pool_max_conns);

    it("sizes the matchers' pool for the matchers and the updater pod together", async () => {
        assert.equal(poolOf(await small(false)), 7);
        const run = await small(true);
        assert.equal(poolOf(run), 5);
        assert.equal(Number(parseConnstring(configOf(run, "updater.yaml").matcher.connstring).pool_max_conns), 5);
    });

    it("clair-connection-pools counts the updater pod: the plan fits, and the same pool without the updater pod counted does not", async () => {
        const run = await small(true);
        const resources = run.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
        const fits = await checkStack(clairConnectionPools, resources, { reservedConnections: 5 });
        assert.deepEqual(fits.violations, []);
        // Pool 7 (the plan without the updater pod) on all three pods: 3 x 7 = 21 > 15.
        const seven = resources.map((r) =>
            r.type === K8S.deployment && ["clair-matcher", "clair-updater"].includes(r.props.metadata.name)
                ? {
                      ...r,
                      props: {
                          ...r.props,
                          metadata: { ...r.props.metadata, annotations: { ...r.props.metadata.annotations, "clair.scanning-platform/pool-max-conns": "7" } },
                      },
                  }
                : r,
        );
        const over = await checkStack(clairConnectionPools, seven, { reservedConnections: 5 });
        assert.equal(over.violations.length, 1);
        assert.match(over.violations[0], /^database clair-matcher-db: .* = 21 connections exceed max_connections 20 less 5 reserved$/);
        assert.match(over.violations[0], /clair-matcher 2 pods x 7/);
        assert.match(over.violations[0], /clair-updater 1 pods x 7/);
    });

    it("refuses a database too small for the matchers and the updater pod, saying the updater pod is counted", async () => {
        // 6 matchers: 7 pods at peak share 15 connections 2 each (the minimum); the updater pod makes
        // 8, 1 each.
        const six = (dedicated: boolean) =>
            withClair("local", (clair) => {
                clair.disconnected = { enabled: false };
                clair.database.inClusterMaxConnections = 20;
                clair.matcher.replicas = 6;
                clair.updaters = { dedicated };
            });
        assert.equal(poolOf(await six(false)), 2);
        await assert.rejects(
            six(true),
            /clair\.matcher\.replicas = 6: is too many pods for one database: 8 pods at peak with max_connections 20 \(5 reserved, the dedicated updater pod counted\)/,
        );
    });
});
