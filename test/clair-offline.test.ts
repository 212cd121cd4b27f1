/**
 * Clair: disconnected mode (the config switch and the updaters import) and the
 * clairctl admin Jobs around a change of Clair's version. Expected values are written here from
 * Clair's own source (cmd/clairctl, config/*.go) and the design, not read from the components.
 * The admin Job's shell script, run by /bin/sh, is in the real-software lane: test/real/clair-offline.test.ts.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { capacityReport } from "../tools/capacity";
import { runProgram, stackConfig, unwrapSecrets, type MockResource, type MockRun, type RunOptions } from "../tools/mock-run";
import { atLeast, K8S, object, ofType, plaintextOf, rawObject, stackRun } from "./helpers";

const JOB = "kubernetes:batch/v1:Job";
const BUNDLE_URL = "http://mirror.internal/clair/updates.json.gz";
const OFFLINE = {
    "clair.disconnected.enabled": "true",
    "clair.disconnected.bundleUrl": BUNDLE_URL,
    "clair.disconnected.rhelMappings.configMap": "clair-rhel-mappings",
};
/**
 * Besides the two switches, disconnected mode names Red Hat's mapping files for the RHEL scanners
 * (claircore v1.5.32 rhel/repositoryscanner.go, rhel/rhcc/scanner.go; where they are mounted is
 * test/clair-rhel-mappings.test.ts).
 */
const MAPPING_FILE_KEYS = [
    "indexer.scanner.package.rhel_containerscanner.name2repos_mapping_file",
    "indexer.scanner.repo.rhel-repository-scanner.repo2cpe_mapping_file",
];
const CONFIG_PATH = "/etc/clair/config.yaml";

/** Runs with seeded mock secrets, so two renders of the same stack hold the same passwords. */
async function seeded(stack: string, options: RunOptions): Promise<MockRun> {
    const before = process.env.SSCAN_MOCK_RANDOM_SEED;
    process.env.SSCAN_MOCK_RANDOM_SEED = "clair-offline-test";
    try {
        return await runProgram(stack, options);
    } finally {
        if (before === undefined) delete process.env.SSCAN_MOCK_RANDOM_SEED;
        else process.env.SSCAN_MOCK_RANDOM_SEED = before;
    }
}

const clairConfigOf = (run: MockRun) => parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);

/** Every leaf path where `a` and `b` differ, with both values (undefined where absent). */
function differences(a: any, b: any, at = ""): { path: string; from: unknown; to: unknown }[] {
    const isObject = (v: unknown): boolean => v !== null && typeof v === "object";
    // A mapping on one side only is compared leaf by leaf too (its leaves are absent on the other).
    if ((isObject(a) || isObject(b)) && (isObject(a) || a === undefined) && (isObject(b) || b === undefined)) {
        const keys: string[] = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort();
        return keys.flatMap((k) => differences(a?.[k], b?.[k], at ? `${at}.${k}` : k));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: at, from: a, to: b }];
}

const jobs = (run: MockRun) => ofType(run, JOB).map((r) => unwrapSecrets(r.inputs));
const jobNamed = (run: MockRun, prefix: string) => {
    const found = jobs(run).filter((j) => j.metadata.name.startsWith(prefix));
    assert.equal(
        found.length,
        1,
        `one Job named ${prefix}*: ${jobs(run)
            .map((j) => j.metadata.name)
            .join(", ")}`,
    );
    return found[0];
};
/** Whether `resource` waits for the Kubernetes object of `type` named `name` (its URN ends in ::<logical name>). */
function waitsFor(run: MockRun, resource: MockResource, type: string, objectName: string): boolean {
    const target = rawObject(run, type, objectName);
    return resource.dependencies.some((urn) => urn.endsWith(`::${target.name}`) && urn.includes(type.split(":").slice(1).join(":")));
}

/** Connected and disconnected configs differ in the two offline switches and the two mapping files' paths, nothing else. */
function assertOnlyOfflineKeysDiffer(changed: ReturnType<typeof differences>): void {
    assert.deepEqual(
        changed.filter((d) => !MAPPING_FILE_KEYS.includes(d.path)),
        [
            { path: "indexer.airgap", from: undefined, to: true },
            { path: "matcher.disable_updaters", from: undefined, to: true },
        ],
    );
    assert.deepEqual(
        changed.filter((d) => MAPPING_FILE_KEYS.includes(d.path)).map((d) => [d.path, d.from, typeof d.to]),
        MAPPING_FILE_KEYS.map((k) => [k, undefined, "string"]),
    );
}

describe("Clair disconnected mode: the config switch", () => {
    for (const stack of ["stage", "prod"]) {
        it(`${stack}: the rendered config differs from the connected one in exactly matcher.disable_updaters, indexer.airgap and the two mapping files`, async () => {
            const connected = clairConfigOf(await seeded(stack, {}));
            const disconnected = clairConfigOf(await seeded(stack, { sets: OFFLINE }));
            const changed = differences(connected, disconnected);
            assertOnlyOfflineKeysDiffer(changed);
        });
    }

    it("local (disconnected in its stack file): switching it off removes exactly those keys", async () => {
        const disconnected = clairConfigOf(await seeded("local", {}));
        const clair = JSON.parse(stackConfig("local")["scanning-platform:clair"]);
        const connected = clairConfigOf(
            await seeded("local", { config: { "scanning-platform:clair": JSON.stringify({ ...clair, disconnected: { enabled: false } }) } }),
        );
        const changed = differences(connected, disconnected);
        assertOnlyOfflineKeysDiffer(changed);
    });
});

describe("Clair disconnected mode: the updaters import", () => {
    it("a Job runs `clairctl import-updaters <URL>` with the config file the matcher mounts, after the matcher", async () => {
        const run = await stackRun("local");
        const job = jobNamed(run, "clair-import-");
        const pod = job.spec.template.spec;
        const [container] = pod.containers;
        // cmd/clairctl/import.go: exactly one argument, a file or an http(s) URL; the config from CLAIR_CONF (main.go).
        assert.deepEqual(container.command, ["/usr/bin/clairctl", "import-updaters", "http://clair-bundles.scanning-local.svc:8081/updates.json.gz"]);
        assert.deepEqual(container.env, [{ name: "CLAIR_CONF", value: CONFIG_PATH }]);
        // The same Secret the matcher mounts, at the same place: matcher.connstring comes from it.
        const matcher = object(run, K8S.deployment, "clair-matcher").spec.template.spec;
        const secretVolume = (spec: any) => spec.volumes.find((v: any) => v.secret)?.secret.secretName;
        assert.equal(secretVolume(pod), "clair-config");
        assert.equal(secretVolume(pod), secretVolume(matcher));
        assert.ok(container.volumeMounts.some((m: any) => m.mountPath === "/etc/clair" && m.readOnly));
        assert.equal(pod.restartPolicy, "Never");
        // Ordering: OfflineImport runs no migrations, so the matcher (which creates the tables) goes first.
        assert.ok(waitsFor(run, rawObject(run, JOB, job.metadata.name), K8S.deployment, "clair-matcher"), "the import Job depends on the matcher Deployment");
        assert.equal(rawObject(run, JOB, job.metadata.name).deleteBeforeReplace, true);
    });

    it("holds no secret in the Job or CronJob: only the Secret's name", async () => {
        const run = await stackRun("local");
        const config = object(run, K8S.secret, "clair-config").stringData["config.yaml"];
        const doc = parse(config);
        const password = /password=(\S+)/.exec(doc.matcher.connstring)![1];
        for (const r of atLeast(
            [...ofType(run, JOB), ...ofType(run, K8S.cronJob).filter((c) => c.inputs.metadata.name.startsWith("clair"))],
            3,
            "clairctl Jobs and CronJobs (pre, post, import)",
        )) {
            const text = plaintextOf(r.inputs);
            assert.doesNotMatch(text, /connstring|password=/, r.inputs.metadata.name);
            assert.ok(!text.includes(password), `${r.inputs.metadata.name} holds the matcher's password`);
            assert.ok(!text.includes(doc.auth.psk.key), `${r.inputs.metadata.name} holds the PSK`);
        }
    });

    it("a CronJob runs the same pod on clair.disconnected.importSchedule", async () => {
        const run = await stackRun("local");
        const cron = object(run, K8S.cronJob, "clair-import-updaters");
        assert.equal(cron.spec.schedule, "30 2 * * *");
        assert.equal(cron.spec.concurrencyPolicy, "Forbid");
        assert.deepEqual(cron.spec.jobTemplate.spec.template.spec, jobNamed(run, "clair-import-").spec.template.spec);
    });

    it("reads a bundle from a claim: mounted read-only, the file's path as the argument", async () => {
        const run = await runProgram("stage", {
            sets: {
                "clair.disconnected.enabled": "true",
                "clair.disconnected.bundleClaim": "clair-bundles",
                "clair.disconnected.bundlePath": "2026/updates.json.zst",
                "clair.disconnected.rhelMappings.configMap": "clair-rhel-mappings",
            },
        });
        const pod = jobNamed(run, "clair-import-").spec.template.spec;
        assert.deepEqual(pod.containers[0].command, ["/usr/bin/clairctl", "import-updaters", "/var/lib/clair-bundle/2026/updates.json.zst"]);
        assert.deepEqual(
            pod.volumes.find((v: any) => v.persistentVolumeClaim),
            { name: "bundle", persistentVolumeClaim: { claimName: "clair-bundles", readOnly: true } },
        );
        assert.ok(pod.containers[0].volumeMounts.some((m: any) => m.name === "bundle" && m.mountPath === "/var/lib/clair-bundle" && m.readOnly));
        assert.equal(ofType(run, K8S.cronJob).filter((c) => c.inputs.metadata.name === "clair-import-updaters").length, 0, "no schedule, no CronJob");
    });

    it("is not there in connected mode; a new bundle place is a new Job, other changes leave it alone", async () => {
        assert.deepEqual(
            jobs(await stackRun("prod"))
                .map((j) => j.metadata.name)
                .filter((n) => n.includes("import")),
            [],
        );
        const first = jobNamed(await runProgram("prod", { sets: OFFLINE }), "clair-import-");
        const moved = jobNamed(
            await runProgram("prod", { sets: { ...OFFLINE, "clair.disconnected.bundleUrl": "http://mirror.internal/clair/updates-2.json.gz" } }),
            "clair-import-",
        );
        const otherChange = jobNamed(
            await runProgram("prod", { sets: { ...OFFLINE, "clair.matcher.period": "12h", "clair.matcher.replicas": "12" } }),
            "clair-import-",
        );
        assert.notEqual(moved.metadata.name, first.metadata.name);
        assert.deepEqual(otherChange, first, "a config change elsewhere does not touch the import Job");
    });

    it("requests equal limits: clair.disconnected.importResources, 1 CPU / 2Gi by default", async () => {
        const job = jobNamed(await runProgram("prod", { sets: OFFLINE }), "clair-import-");
        const expected = { cpu: "1", memory: "2Gi", "ephemeral-storage": "256Mi" };
        assert.deepEqual(job.spec.template.spec.containers[0].resources, { requests: expected, limits: expected });
    });
});

describe("Clair upgrade Jobs: clairctl admin pre/post around a version change", () => {
    it("pre and post Jobs named after the image's version run `clairctl admin pre|post v<version>`", async () => {
        const run = await stackRun("prod");
        const pre = object(run, JOB, "clair-pre-v4-8-0");
        const post = object(run, JOB, "clair-post-v4-8-0");
        assert.match(pre.spec.template.spec.containers[0].command[2], /\/usr\/bin\/clairctl admin pre v4\.8\.0 /);
        assert.match(post.spec.template.spec.containers[0].command[2], /\/usr\/bin\/clairctl admin post v4\.8\.0 /);
        const next = await runProgram("prod", { sets: { "clair.image": "quay.io/projectquay/clair:4.9.0" } });
        assert.deepEqual(
            jobs(next)
                .map((j) => j.metadata.name)
                .sort(),
            ["clair-post-v4-9-0", "clair-pre-v4-9-0"],
        );
        assert.equal(
            object(next, JOB, "clair-pre-v4-9-0").spec.template.spec.containers[0].image,
            "quay.io/projectquay/clair:4.9.0",
            "the new version's clairctl",
        );
    });

    it("orders them: every Clair workload waits for the pre Job, the post Job for every Clair workload", async () => {
        const run = await stackRun("prod");
        for (const [type, name] of [
            [K8S.statefulSet, "clair-indexer"],
            [K8S.deployment, "clair-matcher"],
            [K8S.deployment, "clair-notifier"],
        ]) {
            assert.ok(waitsFor(run, rawObject(run, type, name), JOB, "clair-pre-v4-8-0"), `${name} waits for the pre Job`);
            assert.ok(waitsFor(run, rawObject(run, JOB, "clair-post-v4-8-0"), type, name), `the post Job waits for ${name}`);
        }
        assert.ok(!waitsFor(run, rawObject(run, JOB, "clair-pre-v4-8-0"), K8S.deployment, "clair-matcher"), "the pre Job does not wait for the matcher");
        for (const name of ["clair-pre-v4-8-0", "clair-post-v4-8-0"]) assert.equal(rawObject(run, JOB, name).deleteBeforeReplace, true);
    });

    it("does not change on an update that keeps the version (config, replicas): nothing to rerun", async () => {
        const before = await stackRun("prod");
        const after = await runProgram("prod", { sets: { "clair.matcher.period": "12h", "clair.indexer.replicas": "80", "clair.logLevel": "debug" } });
        for (const name of ["clair-pre-v4-8-0", "clair-post-v4-8-0"]) assert.deepEqual(object(after, JOB, name), object(before, JOB, name));
    });

    it("are absent with clair.upgrade.jobs: false; an image without a version tag is refused while they are on", async () => {
        const off = await runProgram("prod", { sets: { "clair.upgrade.jobs": "false", "clair.image": "quay.io/projectquay/clair:nightly" } });
        assert.deepEqual(jobs(off), []);
        await assert.rejects(runProgram("prod", { sets: { "clair.image": "quay.io/projectquay/clair:nightly" } }), (err: Error) => {
            assert.match(
                err.message,
                /--set clair\.image: scanning-platform:clair\.image = "quay\.io\/projectquay\/clair:nightly": has no Clair version in its tag \(name:4\.8\.0, or name:4\.8\.0@sha256:\.\.\.\)/,
            );
            assert.match(err.message, /set clair\.upgrade\.jobs: false/);
            return true;
        });
    });

    it("are counted in capacity under app clairctl, one pod each (the clair row, the Clair v4 deployment overview's figures, unchanged)", async () => {
        const report = await capacityReport("prod", {});
        const clairctl = report.workloads.filter((w) => w.app === "clairctl").map((w) => [w.kind, w.name, w.pods, w.cpu, w.memoryGiB]);
        assert.deepEqual(clairctl, [
            ["Job", "clair-pre-v4-8-0", 1, 0.25, 0.25],
            ["Job", "clair-post-v4-8-0", 1, 0.25, 0.25],
        ]);
        assert.deepEqual([report.apps.clair.cpu, report.apps.clair.memoryGiB, report.apps.clair.storageGiB], [120, 120, 4000]);
        // The platform without the Jobs, plus two pods of 0.25 cores / 0.25 GiB.
        const without = await capacityReport("prod", { "clair.upgrade.jobs": "false" });
        assert.deepEqual(
            [report.total.pods, report.total.cpu, report.total.memoryGiB],
            [without.total.pods + 2, without.total.cpu + 0.5, without.total.memoryGiB + 0.5],
        );
    });
});

describe("Clair disconnected and upgrade settings: mistakes stop the preview with a plain message, nothing registered", () => {
    async function problems(sets: Record<string, string>): Promise<string> {
        try {
            await runProgram("prod", { sets });
        } catch (err) {
            assert.equal((err as { resourcesRegistered?: number }).resourcesRegistered, 0, "nothing registered");
            return (err as Error).message;
        }
        return assert.fail(`accepted ${JSON.stringify(sets)}`);
    }

    it("disconnected without a bundle: the import Job would have nothing to load", async () => {
        assert.match(
            await problems({ "clair.disconnected.enabled": "true" }),
            /clair\.disconnected\.bundleUrl = \(unset\): is required when clair\.disconnected\.enabled is true \(or clair\.disconnected\.bundleClaim\)/,
        );
    });

    it("two bundle sources at once", async () => {
        assert.match(
            await problems({ ...OFFLINE, "clair.disconnected.bundleClaim": "bundles" }),
            /--set clair\.disconnected\.bundleClaim: scanning-platform:clair\.disconnected\.bundleClaim = "bundles": cannot be set together with clair\.disconnected\.bundleUrl/,
        );
    });

    it("a bundle or schedule while connected", async () => {
        const message = await problems({ "clair.disconnected.bundleUrl": BUNDLE_URL, "clair.disconnected.importSchedule": "0 3 * * *" });
        assert.match(
            message,
            /clair\.disconnected\.bundleUrl = "http:\/\/mirror\.internal\/clair\/updates\.json\.gz": is used only in disconnected mode: set clair\.disconnected\.enabled: true, or remove this key/,
        );
        assert.match(message, /clair\.disconnected\.importSchedule = "0 3 \* \* \*": is used only in disconnected mode/);
    });

    it("a bundle path outside the claim, a URL clairctl cannot fetch, a bad schedule", async () => {
        const message = await problems({
            "clair.disconnected.enabled": "true",
            "clair.disconnected.bundleClaim": "bundles",
            "clair.disconnected.bundlePath": "../secrets/x",
            "clair.disconnected.importSchedule": "every night",
        });
        assert.match(message, /clair\.disconnected\.bundlePath = "\.\.\/secrets\/x": has a '\.\.' part; must be a relative path/);
        assert.match(message, /clair\.disconnected\.importSchedule = "every night"/);
        assert.match(
            await problems({ "clair.disconnected.enabled": "true", "clair.disconnected.bundleUrl": "ftp://mirror.internal/u.gz" }),
            /clair\.disconnected\.bundleUrl = "ftp:\/\/mirror\.internal\/u\.gz": uses ftp:, which this setting cannot use; must be an http:\/\/ or https:\/\/ URL/,
        );
    });

    it("import and upgrade resources: requests must equal limits", async () => {
        assert.match(
            await problems({ "clair.upgrade.resources.requests.cpu": "100m", "clair.upgrade.resources.limits.cpu": "250m" }),
            /clair\.upgrade\.resources\.requests\.cpu = "100m": differs from limits\.cpu "250m": requests must equal limits/,
        );
        // A request alone meets the program's default limit: refused as the program's rule, naming that default.
        assert.match(
            await problems({ "clair.upgrade.resources.requests.cpu": "100m" }),
            /clair\.upgrade\.resources\.requests\.cpu = "100m": has no limits\.cpu beside it: .*the program's default limit "250m" would apply/,
        );
    });
});
