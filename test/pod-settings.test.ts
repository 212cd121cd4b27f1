/**
 * `<app>.pod` (cluster fit: pull secrets, nodeSelector, tolerations, affinity, extra pod labels
 * and annotations) through the real program under the mocks: each app's settings land on every
 * pod that app creates and on no pod of another app; bad keys stop the program at the config.
 */
import { strict as assert } from "assert";
import { PROJECT } from "../config/platform";
import { podSpecOf } from "../policy/lib/workloads";
import { runProgram, stackConfig, unwrapSecrets, type MockRun, type RunOptions } from "../tools/mock-run";
import { ZOD_WORDING } from "./plain-words";

const key = (k: string) => `${PROJECT}:${k}`;
const APPS = ["clair", "clamav", "malwar"] as const;
type App = (typeof APPS)[number];

/** A distinct `pod` block per app: every value names its app, so a pod carrying another app's is caught. */
function podBlock(app: App) {
    return {
        imagePullSecrets: [`${app}-pull`],
        nodeSelector: { "example.com/pool": app },
        tolerations: [{ key: "example.com/dedicated", operator: "Equal", value: app, effect: "NoSchedule" }],
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: "example.com/zone-group", operator: "In", values: [app] }] }],
                },
            },
        },
        labels: { "example.com/team": `${app}-team`, cost: app },
        annotations: { "example.com/owner": `${app}@example.com` },
    };
}

/** The stack's config with each app's block merged in (whole keys, as the engine passes them). */
function withPodBlocks(stack: string, blocks: Partial<Record<App, object>>, extra: Partial<Record<App, object>> = {}): RunOptions {
    const raw = stackConfig(stack);
    const config: Record<string, string> = {};
    for (const app of APPS) {
        if (!blocks[app] && !extra[app]) continue;
        const current = raw[key(app)] ? JSON.parse(raw[key(app)]) : {};
        config[key(app)] = JSON.stringify({ ...current, ...extra[app], ...(blocks[app] ? { pod: blocks[app] } : {}) });
    }
    return { config };
}

interface Pod {
    owner: string;
    spec: any;
    metadata: any;
}

/** Every workload's pod template in the run: owner (Kind/name), spec and template metadata. */
function pods(run: MockRun): Pod[] {
    return run.resources.flatMap((r) => {
        const o = unwrapSecrets(r.inputs);
        const spec = podSpecOf(r.type, o);
        if (!spec) return [];
        const template = o.kind === "CronJob" ? o.spec.jobTemplate.spec.template : o.spec.template;
        return [{ owner: `${o.kind}/${o.metadata.name}`, spec, metadata: template.metadata ?? {} }];
    });
}

/**
 * Which app each workload belongs to, written out (not derived from the program): a workload
 * added later that none of these patterns names fails the test until it is placed here.
 */
const OWNERS: Record<App, RegExp> = {
    clair: /^(Deployment\/clair-(matcher|notifier)|StatefulSet\/clair-indexer|StatefulSet\/clair-(indexer|matcher|notifier)-db|Job\/clair-(pre|post)-v4-8-0|Job\/clair-import-[a-z0-9-]+|CronJob\/clair-import-updaters)$/,
    clamav: /^(Deployment\/clamav|StatefulSet\/clamav-mirror|CronJob\/refresh-clamav-db)$/,
    malwar: /^(Deployment\/malwar|CronJob\/malwar-backup)$/,
};
const appOf = (owner: string): App => {
    const apps = APPS.filter((a) => OWNERS[a].test(owner));
    assert.equal(apps.length, 1, `${owner} belongs to exactly one app (found ${apps.join(", ") || "none"})`);
    return apps[0];
};

/** Disconnected mode with a schedule: the import Job and CronJob exist too. */
const DISCONNECTED = {
    disconnected: {
        enabled: true,
        bundleUrl: "https://mirror.internal/clair/updates.json.gz",
        importSchedule: "0 3 * * *",
        rhelMappings: { configMap: "clair-rhel-mappings" },
    },
};

function assertCarries(pod: Pod, app: App) {
    const block = podBlock(app);
    const at = pod.owner;
    assert.deepEqual(pod.spec.imagePullSecrets, [{ name: `${app}-pull` }], `${at} imagePullSecrets`);
    assert.deepEqual(pod.spec.nodeSelector, block.nodeSelector, `${at} nodeSelector`);
    assert.deepEqual(pod.spec.tolerations, block.tolerations, `${at} tolerations`);
    assert.deepEqual(pod.spec.affinity.nodeAffinity, block.affinity.nodeAffinity, `${at} nodeAffinity`);
    // A nodeAffinity alone leaves the program's spreading over nodes in place (spread pods: not Jobs, CronJobs, the backup).
    if (/^(Deployment|StatefulSet)\//.test(at)) {
        assert.equal(
            pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
            "kubernetes.io/hostname",
            `${at} keeps spreading`,
        );
    }
    assert.equal(pod.metadata.labels["example.com/team"], `${app}-team`, `${at} label`);
    assert.equal(pod.metadata.labels.cost, app, `${at} label`);
    assert.equal(pod.metadata.annotations?.["example.com/owner"], `${app}@example.com`, `${at} annotation`);
    // The program's own labels are still there and still say which app.
    const name = pod.metadata.labels["app.kubernetes.io/name"];
    assert.ok(name === app || (app === "clair" && name === "postgres"), `${at} keeps app.kubernetes.io/name (${name})`);
}

describe("<app>.pod: cluster-fit settings on every pod of the app, and only there", function () {
    this.timeout(600_000);

    it("prod (with the disconnected import Job and CronJob): each app's pods carry its own settings", async () => {
        const run = await runProgram(
            "prod",
            withPodBlocks("prod", { clair: podBlock("clair"), clamav: podBlock("clamav"), malwar: podBlock("malwar") }, { clair: DISCONNECTED }),
        );
        const all = pods(run);
        const byApp = Object.fromEntries(
            APPS.map((a) => [
                a,
                all
                    .filter((p) => appOf(p.owner) === a)
                    .map((p) => p.owner)
                    .sort(),
            ]),
        );
        // Counted from the components: Clair 3 serving workloads + pre/post upgrade Jobs + import Job and CronJob;
        // ClamAV clamd, the mirror, the refresh CronJob; Malwar the API and the backup CronJob.
        assert.equal(byApp.clair.length, 7, byApp.clair.join(", "));
        assert.deepEqual(byApp.clamav, ["CronJob/refresh-clamav-db", "Deployment/clamav", "StatefulSet/clamav-mirror"]);
        assert.deepEqual(byApp.malwar, ["CronJob/malwar-backup", "Deployment/malwar"]);
        for (const pod of all) assertCarries(pod, appOf(pod.owner));

        // The program's own annotations stay beside the extra one.
        const clamd = all.find((p) => p.owner === "Deployment/clamav")!;
        assert.match(clamd.metadata.annotations["checksum/clamav-config"], /^[0-9a-f]{64}$/);
        // The backup must still run on the node of Malwar's pod (its ReadWriteOnce claim): the
        // configured affinity is added to that requirement, not put in its place.
        const backup = all.find((p) => p.owner === "CronJob/malwar-backup")!;
        assert.deepEqual(
            backup.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution.map(
                (t: any) => t.labelSelector.matchLabels["app.kubernetes.io/name"],
            ),
            ["malwar"],
        );
        // Token still not mounted anywhere.
        for (const pod of all) assert.equal(pod.spec.automountServiceAccountToken, false, pod.owner);
    });

    it("a configured podAntiAffinity replaces the spreading; a podAffinity joins the backup's requirement", async () => {
        const antiAffinity = {
            requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "example.com/noisy": "true" } } },
            ],
        };
        const podAffinity = {
            preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 10, podAffinityTerm: { topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { cache: "warm" } } } },
            ],
        };
        const run = await runProgram(
            "prod",
            withPodBlocks("prod", { clamav: { affinity: { podAntiAffinity: antiAffinity } }, malwar: { affinity: { podAffinity } } }),
        );
        const all = pods(run);
        const clamd = all.find((p) => p.owner === "Deployment/clamav")!;
        assert.deepEqual(clamd.spec.affinity, { podAntiAffinity: antiAffinity });
        // Zone spreading is topologySpreadConstraints, not affinity: it stays.
        assert.equal(clamd.spec.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        const backup = all.find((p) => p.owner === "CronJob/malwar-backup")!;
        assert.deepEqual(
            backup.spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution,
            podAffinity.preferredDuringSchedulingIgnoredDuringExecution,
        );
        assert.deepEqual(
            backup.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution.map((t: any) => [
                t.topologyKey,
                t.labelSelector.matchLabels["app.kubernetes.io/name"],
            ]),
            [["kubernetes.io/hostname", "malwar"]],
        );
    });

    it("local: Clair's settings reach its in-cluster databases; the other apps' pods get none of them", async () => {
        const run = await runProgram("local", withPodBlocks("local", { clair: podBlock("clair") }));
        const all = pods(run);
        const dbs = all
            .filter((p) => /^StatefulSet\/clair-.*-db$/.test(p.owner))
            .map((p) => p.owner)
            .sort();
        assert.deepEqual(dbs, ["StatefulSet/clair-indexer-db", "StatefulSet/clair-matcher-db", "StatefulSet/clair-notifier-db"]);
        for (const pod of all) {
            if (appOf(pod.owner) === "clair") {
                assertCarries(pod, "clair");
                continue;
            }
            assert.equal(pod.spec.imagePullSecrets, undefined, pod.owner);
            assert.equal(pod.spec.nodeSelector, undefined, pod.owner);
            assert.equal(pod.spec.tolerations, undefined, pod.owner);
            assert.equal(pod.spec.affinity?.nodeAffinity, undefined, pod.owner);
            assert.equal(pod.metadata.labels["example.com/team"], undefined, pod.owner);
            assert.equal(pod.metadata.annotations?.["example.com/owner"], undefined, pod.owner);
        }
    });

    it("without settings, pods carry only the program's labels and annotations and no placement fields", async () => {
        const run = await runProgram("prod");
        for (const pod of pods(run)) {
            for (const field of ["imagePullSecrets", "nodeSelector", "tolerations"]) assert.equal(pod.spec[field], undefined, `${pod.owner} ${field}`);
            assert.deepEqual(
                Object.keys(pod.metadata.labels).filter((k) => !k.startsWith("app.kubernetes.io/")),
                [],
                pod.owner,
            );
            assert.deepEqual(
                Object.keys(pod.metadata.annotations ?? {}).filter((k) => !k.startsWith("checksum/")),
                [],
                pod.owner,
            );
        }
    });
});

/** Runs the real program and expects it to stop at the config, before any resource, with every pattern in the message. */
async function refused(options: RunOptions, ...expected: RegExp[]) {
    await assert.rejects(runProgram("prod", options), (err: Error) => {
        for (const pattern of expected) assert.match(err.message, pattern);
        assert.doesNotMatch(err.message, ZOD_WORDING);
        assert.equal((err as Error & { resourcesRegistered: number }).resourcesRegistered, 0, "nothing registered");
        return true;
    });
}

describe("<app>.pod: bad settings stop the program at the config", function () {
    this.timeout(600_000);

    it("refuses a label that would override a selector label, naming the key and value", async () => {
        await refused(
            withPodBlocks("prod", { clamav: { labels: { "app.kubernetes.io/name": "other" } } }),
            /scanning-platform:clamav\.pod\.labels\.app\.kubernetes\.io\/name = "other": the key "app\.kubernetes\.io\/name" is one the program sets itself/,
            /select the pods/,
        );
        await refused(
            withPodBlocks("prod", { malwar: { labels: { "app.kubernetes.io/instance": "x" } } }),
            /malwar\.pod\.labels\.app\.kubernetes\.io\/instance = "x": the key .* is one the program sets itself/,
        );
    });

    it("refuses bad label keys and values and bad annotation keys, naming each", async () => {
        await refused(
            withPodBlocks("prod", {
                clair: { labels: { "bad key!": "x", "example.com/ok": "-starts-with-dash", "Bad_Prefix/x": "y" }, annotations: { "a/b/c": "v" } },
            }),
            /clair\.pod\.labels\.bad key! = "x": the key "bad key!" has the name 'bad key!', which may hold only letters, digits/,
            /clair\.pod\.labels\.example\.com\/ok = "-starts-with-dash": may hold only letters, digits, '-', '_' and '\.', and must start and end with a letter or digit; must be a label value/,
            /clair\.pod\.labels\.Bad_Prefix\/x = "y": the key "Bad_Prefix\/x" has the prefix 'Bad_Prefix'/,
            /clair\.pod\.annotations\.a\/b\/c = "v": the key "a\/b\/c" has more than one '\/'/,
        );
        await refused(
            withPodBlocks("prod", { clamav: { nodeSelector: { ["x".repeat(64)]: "y" } } }),
            /clamav\.pod\.nodeSelector\.x{64} = "y": the key "x{64}" has a name of 64 characters, over the limit of 63/,
        );
    });

    it("refuses a bad toleration operator, an Equal without a key and a value with Exists", async () => {
        await refused(
            withPodBlocks("prod", { clair: { tolerations: [{ key: "dedicated", operator: "Maybe", value: "clair" }] } }),
            /scanning-platform:clair\.pod\.tolerations\.0\.operator = "Maybe": must be one of Exists, Equal/,
        );
        await refused(
            withPodBlocks("prod", { malwar: { tolerations: [{ operator: "Equal", value: "x" }] } }),
            /malwar\.pod\.tolerations\.0\.operator = "Equal": must be Exists when key is empty/,
        );
        await refused(
            withPodBlocks("prod", { clamav: { tolerations: [{ key: "k", operator: "Exists", value: "v" }] } }),
            /clamav\.pod\.tolerations\.0\.value = "v": must be empty with operator Exists/,
        );
        await refused(
            withPodBlocks("prod", { clamav: { tolerations: [{ key: "k", effect: "NoLunch" }] } }),
            /clamav\.pod\.tolerations\.0\.effect = "NoLunch": must be one of NoSchedule, PreferNoSchedule, NoExecute/,
        );
    });

    it("refuses a pull secret that is not a Kubernetes name and an unknown affinity field", async () => {
        await refused(withPodBlocks("prod", { clair: { imagePullSecrets: ["Not_A_Name"] } }), /clair\.pod\.imagePullSecrets\.0 = "Not_A_Name":/);
        await refused(withPodBlocks("prod", { clair: { affinity: { nodeAfinity: {} } } }), /clair\.pod\.affinity\.nodeAfinity: unknown key/);
    });
});

describe("every pod runs as its own app's ServiceAccount, with no token", function () {
    this.timeout(600_000);

    /** Written out: the account each workload must use (the refresh and backup CronJobs keep theirs, which carry their own permissions). */
    const ACCOUNT: [RegExp, string][] = [
        [OWNERS.clair, "clair"],
        [/^(Deployment\/clamav|StatefulSet\/clamav-mirror)$/, "clamav"],
        [/^CronJob\/refresh-clamav-db$/, "refresh-clamav-db"],
        [/^Deployment\/malwar$/, "malwar"],
        [/^CronJob\/malwar-backup$/, "malwar-backup"],
    ];

    for (const stack of ["stage", "prod", "local"]) {
        it(`${stack}: no pod uses the namespace's default account; every account it names exists and mounts no token`, async () => {
            const run = await runProgram(stack, withPodBlocks(stack, {}, { clair: DISCONNECTED }));
            const accounts = new Map(
                run.resources
                    .filter((r) => r.type === "kubernetes:core/v1:ServiceAccount")
                    .map((r) => {
                        const o = unwrapSecrets(r.inputs);
                        return [o.metadata.name, o];
                    }),
            );
            const all = pods(run);
            assert.ok(all.length >= 8, `${all.length} workloads`);
            for (const pod of all) {
                const expected = ACCOUNT.filter(([pattern]) => pattern.test(pod.owner)).map(([, account]) => account);
                assert.equal(expected.length, 1, `${pod.owner}: one expected account`);
                assert.equal(pod.spec.serviceAccountName, expected[0], pod.owner);
                assert.equal(pod.spec.automountServiceAccountToken, false, pod.owner);
                const account = accounts.get(expected[0]);
                assert.ok(account, `${pod.owner}: ServiceAccount ${expected[0]} is created`);
                assert.equal(account.automountServiceAccountToken, false, `ServiceAccount ${expected[0]}`);
            }
        });
    }
});
