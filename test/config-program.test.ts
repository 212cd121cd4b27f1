/**
 * Ten bad inputs, fed through the real program (index.ts under the mocks, as
 * `pulumi preview` would run it): each stops at the config with its message, and registers
 * nothing. The schema's own cases are in test/config.test.ts.
 */
import { strict as assert } from "assert";
import { PROJECT } from "../config/platform";
import { placeholderProblems, valueAt } from "../config/placeholders";
import { runProgram, stackConfig, type RunOptions } from "../tools/mock-run";
import { ZOD_WORDING } from "./plain-words";

const key = (k: string) => `${PROJECT}:${k}`;
const prodClair = () => JSON.parse(stackConfig("prod")[key("clair")]);

/**
 * Runs the real program (index.ts under the mocks) and expects it to stop at the config: the
 * error must match every pattern, and no resource may have been registered.
 */
async function refusedByProgram(stack: string, options: RunOptions, ...expected: RegExp[]): Promise<string> {
    let message = "";
    await assert.rejects(runProgram(stack, options), (err: Error) => {
        message = err.message;
        for (const pattern of expected) assert.match(message, pattern);
        assert.doesNotMatch(message, ZOD_WORDING);
        assert.equal((err as Error & { resourcesRegistered: number }).resourcesRegistered, 0, "nothing registered");
        return true;
    });
    return message;
}

describe("a bad config stops the real program", () => {
    it("fails the program before any resource is registered, naming the --set flag", async () => {
        await refusedByProgram(
            "prod",
            { sets: { "clair.indexer.replicas": "-3" } },
            /--set clair\.indexer\.replicas: scanning-platform:clair\.indexer\.replicas = -3: must be 0 or more/,
        );
    });
});

describe("every stack names its cluster", () => {
    it("stage and prod without kubernetes:context (or a kubeconfig of their own) stop before any resource, naming the key and both ways to set it", async () => {
        for (const stack of ["stage", "prod"]) {
            const { "kubernetes:context": context, ...rest } = stackConfig(stack);
            assert.ok(context, `Pulumi.${stack}.yaml names its cluster's context`);
            await refusedByProgram(
                stack,
                { config: rest, configOnly: true },
                new RegExp(`Pulumi\\.${stack}\\.yaml: kubernetes:context = \\(unset\\): every stack names the cluster it deploys to`),
                /pulumi config set kubernetes:context <name>/,
                /pulumi config set --secret kubernetes:kubeconfig/,
            );
            // A kubeconfig of the stack's own is the other way to name it.
            const listed = JSON.parse(rest[key("placeholders")]).filter((k: string) => k !== "kubernetes:context");
            await runProgram(stack, {
                config: { ...rest, [key("placeholders")]: JSON.stringify(listed), "kubernetes:kubeconfig": "apiVersion: v1\nkind: Config\n" },
                secretKeys: ["kubernetes:kubeconfig"],
                configOnly: true,
            });
        }
    });
});

describe("example values in the stack files (scanning-platform:placeholders)", () => {
    // What the stack files ship as examples: the cluster's context, the network ids, the CIDRs,
    // the OIDC provider ARN in AWS's documentation account (123456789012) and the runbook address.
    const EXAMPLES = [
        "kubernetes:context",
        "network.vpcId",
        "network.subnetIds",
        "network.allowedCidrs",
        "malwar.backup.oidcProviderArn",
        "monitoring.runbookBaseUrl",
    ];

    it("stage and prod list their example values; each listed key is one the stack sets", () => {
        for (const stack of ["stage", "prod"]) {
            const raw = stackConfig(stack);
            assert.deepEqual(JSON.parse(raw[key("placeholders")]), EXAMPLES, stack);
            for (const k of EXAMPLES) assert.notEqual(valueAt(raw, PROJECT, k), undefined, `${stack}: ${k}`);
            assert.match(String(valueAt(raw, PROJECT, "malwar.backup.oidcProviderArn")), /^arn:aws:iam::123456789012:/);
        }
    });

    it("a pulumi up refuses while any is listed, naming each key and its value; a preview goes on", () => {
        const raw = stackConfig("prod");
        const origin = (k: string) => `Pulumi.prod.yaml (${k})`;
        assert.deepEqual(placeholderProblems(raw, PROJECT, EXAMPLES, false, origin), []);
        const refused = placeholderProblems(raw, PROJECT, EXAMPLES, true, origin);
        assert.equal(refused.length, EXAMPLES.length);
        assert.match(
            refused[1],
            /^Pulumi\.prod\.yaml \(network\.vpcId\): scanning-platform:network\.vpcId = vpc-0c1a2b3c4d5e6f701: an example value \(listed in scanning-platform:placeholders\); set your own, then remove network\.vpcId from/,
        );
        assert.match(refused[0], /kubernetes:context = scanning-prod: an example value/);
        assert.match(refused[2], /scanning-platform:network\.subnetIds = \["subnet-0c1a2b3c4d5e6f711","subnet-0c1a2b3c4d5e6f712","subnet-0c1a2b3c4d5e6f713"\]/);
    });

    it("a listed key the stack does not set is refused at preview too (a typo would guard nothing)", async () => {
        await refusedByProgram(
            "prod",
            { config: { [key("placeholders")]: JSON.stringify(["network.vpcid"]) } },
            /scanning-platform:placeholders lists network\.vpcid, which the stack does not set/,
        );
        // Under the mocks (no engine, as in a preview) the committed lists pass.
        await runProgram("prod");
    });
});

describe("ten bad inputs, through the real program", () => {
    // Each: before, the program accepted it (or refused a valid value); now it stops at the
    // config with a message, and registers nothing.
    it("1: a storage size without a unit ('100' is 100 bytes)", async () => {
        await refusedByProgram(
            "prod",
            { sets: { "clair.indexer.storageSize": "100" } },
            /--set clair\.indexer\.storageSize: scanning-platform:clair\.indexer\.storageSize = 100: has no unit, so it counts bytes \(100 bytes\); must be a size in bytes with a unit \(Ki, Mi, Gi, Ti or k, M, G, T\) such as 100Gi/,
        );
        // Given in the stack file, the message names the stack file.
        const clair = { ...prodClair(), indexer: { ...prodClair().indexer, storageSize: "100" } };
        await refusedByProgram(
            "prod",
            { config: { [key("clair")]: JSON.stringify(clair) } },
            /Pulumi\.prod\.yaml: scanning-platform:clair\.indexer\.storageSize = "100": has no unit/,
        );
    });

    it("2: a negative storage size", async () => {
        await refusedByProgram(
            "prod",
            { sets: { "clair.indexer.storageSize": "-100Gi" } },
            /scanning-platform:clair\.indexer\.storageSize = "-100Gi": must be more than 0; must be a size in bytes/,
        );
    });

    it("3: CPU -2 or 0, memory 2m", async () => {
        for (const cpu of ["-2", "0"]) {
            await refusedByProgram(
                "prod",
                { sets: { "clair.matcher.resources.requests.cpu": cpu, "clair.matcher.resources.limits.cpu": cpu } },
                new RegExp(
                    `--set clair\\.matcher\\.resources\\.requests\\.cpu: scanning-platform:clair\\.matcher\\.resources\\.requests\\.cpu = ${cpu}: must be more than 0; must be a CPU amount in cores or millicores such as 2 or 500m`,
                ),
                new RegExp(`scanning-platform:clair\\.matcher\\.resources\\.limits\\.cpu = ${cpu}: must be more than 0`),
            );
        }
        await refusedByProgram(
            "prod",
            { sets: { "malwar.resources.requests.memory": "2m", "malwar.resources.limits.memory": "2m" } },
            /scanning-platform:malwar\.resources\.limits\.memory = "2m": is a fraction of a byte: the suffix m means milli- \(for mebibytes write Mi\)/,
        );
    });

    it("4: a ClamAV refresh schedule of 99 99 99 99 99 or a b c d e; @hourly is accepted", async () => {
        await refusedByProgram(
            "prod",
            { sets: { "clamav.refresh.schedule": "99 99 99 99 99" } },
            /scanning-platform:clamav\.refresh\.schedule = "99 99 99 99 99": minute 99 is out of range \(0-59\); must be a Kubernetes CronJob schedule: five fields \(minute hour day-of-month month day-of-week\)/,
        );
        await refusedByProgram(
            "prod",
            { sets: { "clamav.refresh.schedule": "a b c d e" } },
            /clamav\.refresh\.schedule = "a b c d e": 'a' is not a minute \(0-59\)/,
        );
        const run = await runProgram("prod", { sets: { "clamav.refresh.schedule": "@hourly" } });
        const cron = run.resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob" && r.inputs.metadata.name === "refresh-clamav-db");
        assert.deepEqual(
            cron.map((r) => r.inputs.spec.schedule),
            ["@hourly"],
        );
    });

    it("5: an 80-character DNS label as a name or a host part", async () => {
        const long = "a".repeat(80);
        await refusedByProgram(
            "prod",
            { sets: { "kubernetes.namespace": long } },
            new RegExp(`kubernetes\\.namespace = "${long}": is 80 characters long, over the limit of 63`),
        );
        await refusedByProgram(
            "prod",
            { sets: { "clair.host": `${long}.example.com` } },
            /clair\.host = "a{80}\.example\.com": has the part 'a{20}…', which is 80 characters long, over the limit of 63; must be a DNS host name/,
        );
        await refusedByProgram(
            "prod",
            { sets: { "clamav.refresh.name": "r".repeat(53) } },
            /clamav\.refresh\.name = "r{53}": is 53 characters long, over the limit of 52/,
        );
    });

    it("6: the CIDR 999.1.1.1/40", async () => {
        await refusedByProgram(
            "prod",
            { sets: { "network.allowedCidrs": '["999.1.1.1/40"]' } },
            /--set network\.allowedCidrs: scanning-platform:network\.allowedCidrs\.0 = "999\.1\.1\.1\/40": '999\.1\.1\.1' is not an IPv4 address \(four numbers 0-255\); must be an IPv4 network such as 10\.0\.0\.0\/16/,
        );
        await refusedByProgram("prod", { sets: { "network.allowedCidrs": '["10.0.0.0/40"]' } }, /the prefix length \/40 is not 0-32/);
    });

    it("7: a webhook target of ftp:// or mailto:", async () => {
        for (const [target, scheme] of [
            ["ftp://quay.io/notify", "ftp"],
            ["mailto:security@example.com", "mailto"],
        ]) {
            await refusedByProgram(
                "prod",
                { sets: { "clair.notifier.webhookTarget": target } },
                new RegExp(
                    `clair\\.notifier\\.webhookTarget = "${target.replace(/[./]/g, "\\$&")}": uses ${scheme}:, which this setting cannot use; must be an http:// or https:// URL`,
                ),
            );
        }
        await refusedByProgram(
            "stage",
            { sets: { "malwar.webhookUrls": '["ftp://hooks.example.com/a"]' } },
            /malwar\.webhookUrls\.0 = "ftp:\/\/hooks\.example\.com\/a": uses ftp:/,
        );
        await refusedByProgram(
            "stage",
            { sets: { "clamav.privateMirror": "rsync://mirror.example.com" } },
            /clamav\.privateMirror = "rsync:\/\/mirror\.example\.com": uses rsync:/,
        );
    });

    it("8: a typo in the namespace prefix (scaning-platform:clamav)", async () => {
        await refusedByProgram(
            "prod",
            { config: { "scaning-platform:clamav": JSON.stringify({ replicas: 5 }) } },
            /Pulumi\.prod\.yaml: scaning-platform:clamav: unknown namespace 'scaning-platform'; did you mean scanning-platform:clamav\? As written, the program never reads this value and uses its default/,
        );
    });

    it("9: ClamAV memory 1Gi, below clamd's documented 3 GiB; the override key admits it", async () => {
        await refusedByProgram(
            "prod",
            { sets: { "clamav.resources.requests.memory": "1Gi", "clamav.resources.limits.memory": "1Gi" } },
            /scanning-platform:clamav\.resources\.limits\.memory = "1Gi": is below 3Gi, the memory clamd needs to load the full signature set \(ClamAV's documentation: 3 GiB minimum, 4 GiB preferred\); give it more, or set clamav\.allowBelowMinimumMemory: true/,
        );
        const run = await runProgram("prod", {
            sets: { "clamav.resources.requests.memory": "1Gi", "clamav.resources.limits.memory": "1Gi", "clamav.allowBelowMinimumMemory": "true" },
        });
        const clamd = run.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs.metadata.name === "clamav")!.inputs.spec.template.spec
            .containers[0];
        assert.equal(clamd.resources.limits.memory, "1Gi");
        // 3Gi itself is enough: the floor is "at least".
        await runProgram("prod", { sets: { "clamav.resources.requests.memory": "3Gi", "clamav.resources.limits.memory": "3Gi" } });
    });

    it("10: engineVersion 16.4 unquoted in the stack file, or by --set, is accepted as the version", async () => {
        const clair = prodClair();
        clair.database.rds.engineVersion = 16.4; // what YAML makes of an unquoted 16.4
        for (const options of [{ config: { [key("clair")]: JSON.stringify(clair) } }, { sets: { "clair.database.rds.engineVersion": "16.4" } }]) {
            const run = await runProgram("prod", options);
            const versions = run.resources.filter((r) => r.type === "aws:rds/instance:Instance").map((r) => r.inputs.engineVersion);
            assert.deepEqual(versions, ["16.4", "16.4", "16.4"]);
        }
        await refusedByProgram(
            "prod",
            { sets: { "clair.database.rds.engineVersion": "sixteen" } },
            /clair\.database\.rds\.engineVersion = "sixteen": must be a PostgreSQL version such as 16\.4/,
        );
    });
});

describe("each class of bad input, through the real program", () => {
    it("keys: a nested typo names the key meant; a namespace named like our key names the path", async () => {
        await refusedByProgram(
            "prod",
            { sets: { "clair.indexr.replicas": "3" } },
            /--set clair\.indexr\.replicas: scanning-platform:clair\.indexr: unknown key; did you mean clair\.indexer\?/,
        );
        await refusedByProgram(
            "prod",
            { config: { "clamav:replicas": "3" } },
            /Pulumi\.prod\.yaml: clamav:replicas: unknown namespace 'clamav'; did you mean scanning-platform:clamav\.replicas/,
        );
    });

    it("floors: the in-cluster Clair database below 5G", async () => {
        await refusedByProgram(
            "local",
            { sets: { "clair.database.inClusterStorageSize": "1Gi" } },
            /--set clair\.database\.inClusterStorageSize: scanning-platform:clair\.database\.inClusterStorageSize = "1Gi": is below 5G/,
        );
    });

    it("types: a block where a number belongs, null, a quoted number, an unset required value", async () => {
        const clair = prodClair();
        await refusedByProgram(
            "prod",
            { config: { [key("clair")]: JSON.stringify({ ...clair, indexer: 40 }) } },
            /Pulumi\.prod\.yaml: scanning-platform:clair\.indexer = 40: must be a block of keys \(replicas, autoscaling, resources/,
        );
        await refusedByProgram(
            "prod",
            { config: { [key("clair")]: JSON.stringify({ ...clair, notifier: null }) } },
            /scanning-platform:clair\.notifier = null: is empty \(null\)/,
        );
        await refusedByProgram(
            "prod",
            { config: { [key("clamav")]: JSON.stringify({ replicas: "3" }) } },
            /scanning-platform:clamav\.replicas = "3": must be a whole number: the quotes make "3" text/,
        );
        await refusedByProgram(
            "prod",
            {
                config: {
                    [key("network")]: JSON.stringify({ subnetIds: ["subnet-0c1a2b3c4d5e6f711", "subnet-0c1a2b3c4d5e6f712"], allowedCidrs: ["10.128.0.0/14"] }),
                },
            },
            /Pulumi\.prod\.yaml: scanning-platform:network\.vpcId = \(unset\): is required when a database runs on RDS/,
        );
    });

    it("secrets: a malformed one is masked, a plaintext one refused, neither echoed", async () => {
        const message = await refusedByProgram(
            "prod",
            { config: { [key("clairPsk")]: "short-and-plain" } },
            /scanning-platform:clairPsk: holds a secret in plaintext/,
            /scanning-platform:clairPsk = \[secret\]: must be base64 of at least 32 random bytes/,
        );
        assert.ok(!message.includes("short-and-plain"));
    });
});
