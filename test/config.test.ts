import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { configKeys } from "../config/keys";
import { ConfigError, parseConfig } from "../config/load";
import { PROJECT } from "../config/platform";
import { listStacks, ROOT, stackConfig, stackConfigFromYaml } from "../tools/mock-run";
import { ZOD_WORDING } from "./plain-words";

const key = (k: string) => `${PROJECT}:${k}`;

/** Parses prod's committed config with whole keys replaced; returns the error text. */
function problemsWith(overrides: Record<string, unknown>, secretKeys: string[] = []): string {
    const raw = { ...stackConfig("prod") };
    for (const [k, v] of Object.entries(overrides)) raw[k.includes(":") ? k : key(k)] = typeof v === "string" ? v : JSON.stringify(v);
    try {
        parseConfig(raw, secretKeys.map(key), () => "Pulumi.prod.yaml");
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
    }
    assert.fail(`expected a config error for ${JSON.stringify(overrides)}`);
}

const prodClair = () => JSON.parse(stackConfig("prod")[key("clair")]);
const prodNetwork = () => JSON.parse(stackConfig("prod")[key("network")]);

describe("stack config validation", () => {
    it("accepts every stack file in the repository and fills the defaults", () => {
        const stacks = listStacks();
        // The stacks this repository ships; a new stack file is picked up here without an edit.
        for (const expected of ["stage", "prod", "local"]) assert.ok(stacks.includes(expected), expected);
        for (const stack of stacks) {
            const cfg = parseConfig(stackConfig(stack));
            assert.equal(cfg.clair.database.rds.backupRetentionDays, 30, stack);
            assert.equal(cfg.clamav.refresh.name, "refresh-clamav-db", stack);
        }
    });

    const cases: [string, Record<string, unknown>, RegExp][] = [
        [
            "negative replicas",
            { clair: { ...prodClair(), indexer: { replicas: -1 } } },
            /Pulumi\.prod\.yaml: scanning-platform:clair\.indexer\.replicas = -1: must be 0 or more/,
        ],
        [
            "non-integer replicas",
            { clair: { ...prodClair(), matcher: { replicas: 1.5 } } },
            /scanning-platform:clair\.matcher\.replicas = 1\.5: must be a whole number, not the number 1\.5/,
        ],
        [
            "replicas as text",
            { clair: { ...prodClair(), notifier: { replicas: "ten" } } },
            /clair\.notifier\.replicas = "ten": must be a whole number, not the text "ten"/,
        ],
        [
            "'2 cores'",
            { clair: { ...prodClair(), indexer: { resources: { limits: { cpu: "2 cores" } } } } },
            /clair\.indexer\.resources\.limits\.cpu = "2 cores": is not a Kubernetes quantity; must be a CPU amount in cores or millicores such as 2 or 500m/,
        ],
        [
            "'2GB'",
            { clair: { ...prodClair(), indexer: { resources: { requests: { memory: "2GB" } } } } },
            /clair\.indexer\.resources\.requests\.memory = "2GB": is not a Kubernetes quantity; must be a size in bytes with a unit/,
        ],
        [
            "requests that differ from limits",
            { clamav: { resources: { requests: { cpu: "500m" }, limits: { cpu: "1" } } } },
            /clamav\.resources\.requests\.cpu = "500m": differs from limits\.cpu "1": requests must equal limits/,
        ],
        [
            "backup retention below 30 days",
            { clair: { ...prodClair(), database: { rds: { backupRetentionDays: 7 } } } },
            /clair\.database\.rds\.backupRetentionDays = 7: must be at least 30 days/,
        ],
        [
            "a typo in a nested key",
            { clair: { ...prodClair(), indexr: { replicas: 3 } } },
            /Pulumi\.prod\.yaml: scanning-platform:clair\.indexr: unknown key; did you mean clair\.indexer\? allowed here: image, host/,
        ],
        [
            "a swapped pair of letters",
            { clair: { ...prodClair(), indexer: { replcias: 3 } } },
            /scanning-platform:clair\.indexer\.replcias: unknown key; did you mean clair\.indexer\.replicas\?/,
        ],
        [
            "an unknown top-level key",
            { clairr: { host: "x" } },
            /scanning-platform:clairr: unknown key; did you mean clair\? allowed here: kubernetes, network, clair/,
        ],
        ["an unknown key far from any", { clair: { ...prodClair(), flavour: "x" } }, /scanning-platform:clair\.flavour: unknown key; allowed here: image/],
        [
            "SQLite Malwar with two replicas",
            { malwar: { replicas: 2 } },
            /malwar\.replicas = 2: must be 0 or 1 \(SQLite on a ReadWriteOnce volume allows one writer/,
        ],
        // Malwar has no autoscaler: any key of the block is refused with the reason, even enabled: false.
        [
            "SQLite Malwar with autoscaling",
            { malwar: { autoscaling: { enabled: true } } },
            /Pulumi\.prod\.yaml: scanning-platform:malwar\.autoscaling = \{"enabled":true\}: is not a setting: Malwar runs at most one pod \(SQLite on a ReadWriteOnce volume allows one writer.*remove the key \(malwar\.replicas is 0 or 1\)/,
        ],
        [
            "a Malwar autoscaler turned off",
            { malwar: { autoscaling: { enabled: false } } },
            /scanning-platform:malwar\.autoscaling = \{"enabled":false\}: is not a setting: Malwar runs at most one pod/,
        ],
        [
            "a Malwar autoscaler's CPU target",
            { malwar: { autoscaling: { targetCPUUtilizationPercentage: 50 } } },
            /scanning-platform:malwar\.autoscaling = \{"targetCPUUtilizationPercentage":50\}: is not a setting/,
        ],
        [
            "Malwar on PostgreSQL",
            { malwar: { database: { backend: "postgres" } } },
            /malwar\.database\.backend = "postgres": is not offered; allowed: 'sqlite'\. Malwar 0\.4\.0's API serves from SQLite only/,
        ],
        ["an unpinned image", { clamav: { image: "clamav/clamav:latest" } }, /clamav\.image = "clamav\/clamav:latest": must not use the moving tag 'latest'/],
        ["an untagged image", { clamav: { image: "clamav/clamav" } }, /clamav\.image = "clamav\/clamav": must pin a version/],
        [
            "an unknown instance class",
            { clair: { ...prodClair(), database: { rds: { instanceClass: "db.huge" } } } },
            /instanceClass = "db\.huge": must be an RDS instance class: db\.<type>\.<size>, such as db\.m6g\.large/,
        ],
        [
            "a one-word schedule",
            { clamav: { refresh: { schedule: "hourly" } } },
            /clamav\.refresh\.schedule = "hourly": has 1 field, not 5; must be a Kubernetes CronJob schedule/,
        ],
        [
            "too many pods for the database",
            { clair: { ...prodClair(), indexer: { replicas: 500 }, database: { rds: { instanceClass: "db.t4g.micro" } } } },
            /clair\.indexer\.replicas = 500: is too many pods for one database/,
        ],
        ["RDS without subnets", { network: { ...prodNetwork(), subnetIds: [] } }, /network\.subnetIds = \[\]: must list at least two subnets/],
        ["PodMonitors switched by text", { monitoring: { podMonitors: "yes" } }, /monitoring\.podMonitors = "yes": must be true or false/],
        [
            "a scraper namespace that is no DNS label",
            { monitoring: { scraper: { namespace: "Monitoring_NS" } } },
            /monitoring\.scraper\.namespace = "Monitoring_NS": may hold only lower-case letters, digits and '-'.*must be a DNS label/,
        ],
        [
            "a scraper label key with a space",
            { monitoring: { scraper: { podLabels: { "app name": "prometheus" } } } },
            /monitoring\.scraper\.podLabels\.app name = "prometheus": is not a label key/,
        ],
        [
            "a dashboard label value with a space",
            { monitoring: { dashboardLabels: { grafana_dashboard: "yes please" } } },
            /monitoring\.dashboardLabels\.grafana_dashboard = "yes please": is not a label value/,
        ],
        [
            "a signature age of 0 hours",
            { monitoring: { clamavDatabaseMaxAgeHours: 0 } },
            /monitoring\.clamavDatabaseMaxAgeHours = 0: must be 1 or more \(hours\)/,
        ],
        [
            "a runbook address over http",
            { monitoring: { runbookBaseUrl: "http://git.example.com/sre/scanning/blob/main/README.md" } },
            /Pulumi\.prod\.yaml: scanning-platform:monitoring\.runbookBaseUrl = "http:\/\/git\.example\.com\/sre\/scanning\/blob\/main\/README\.md": uses http:, which this setting cannot use; must be an https:\/\/ URL such as https:\/\/github\.com\/<org>\/<repo>\/blob\/main\/docs\/operations\.md/,
        ],
        [
            "a relative runbook address",
            { monitoring: { runbookBaseUrl: "README.md" } },
            /monitoring\.runbookBaseUrl = "README\.md": is not a URL; must be an https:\/\/ URL/,
        ],
        [
            "a runbook address with an anchor",
            { monitoring: { runbookBaseUrl: "https://git.example.com/sre/scanning/blob/main/README.md#runbooks" } },
            /monitoring\.runbookBaseUrl = "https:\/\/git\.example\.com\/sre\/scanning\/blob\/main\/README\.md#runbooks": has a fragment \(#runbooks\): the program appends #<alert> to it for each alert/,
        ],
        [
            "a runbook address with credentials",
            { monitoring: { runbookBaseUrl: "https://bot:hunter2@git.example.com/README.md" } },
            /monitoring\.runbookBaseUrl = "https:\/\/\[credentials\]@git\.example\.com\/README\.md": holds credentials \(user:password@\), which every alert notification would show/,
        ],
        [
            "alerts without a runbook address",
            { monitoring: {} },
            /Pulumi\.prod\.yaml: scanning-platform:monitoring\.runbookBaseUrl = \(unset\): is required while monitoring\.rules is true: every alert links to its runbook at this address plus #<alert> .*or turn the alerts off with monitoring\.rules: false/,
        ],
        [
            "an unpinned exporter image",
            { clamav: { exporter: { image: "sergeymakinen/clamav_exporter:latest" } } },
            /clamav\.exporter\.image = "sergeymakinen\/clamav_exporter:latest": must not use the moving tag 'latest'/,
        ],
        [
            "exporter requests that differ from limits",
            { clamav: { exporter: { resources: { requests: { memory: "64Mi" }, limits: { memory: "128Mi" } } } } },
            /clamav\.exporter\.resources\.requests\.memory = "64Mi": differs from limits\.memory "128Mi"/,
        ],
        [
            "a CIDR without prefix",
            { network: { ...prodNetwork(), allowedCidrs: ["10.0.0.0"] } },
            /network\.allowedCidrs\.0 = "10\.0\.0\.0": is not of the form address\/prefix-length; must be an IPv4 network such as 10\.0\.0\.0\/16/,
        ],
        [
            "a CIDR with host bits",
            { network: { ...prodNetwork(), allowedCidrs: ["10.1.2.3/8"] } },
            /network\.allowedCidrs\.0 = "10\.1\.2\.3\/8": has host bits set: the network is 10\.0\.0\.0\/8/,
        ],
        [
            "the whole internet",
            { network: { ...prodNetwork(), allowedCidrs: ["0.0.0.0/0"] } },
            /network\.allowedCidrs\.0 = "0\.0\.0\.0\/0": admits every address on the internet/,
        ],
        ["a made-up VPC id", { network: { ...prodNetwork(), vpcId: "vpc-1" } }, /network\.vpcId = "vpc-1": must be an id such as vpc-0123456789abcdef0/],
        [
            "a Malwar CORS origin with a path",
            { malwar: { corsOrigins: ["https://app.example.com/x"] } },
            /malwar\.corsOrigins\.0 = "https:\/\/app\.example\.com\/x": never equals the Origin header a browser sends \("https:\/\/app\.example\.com"\)/,
        ],
        [
            "an annotation key with two slashes",
            { malwar: { ingress: { annotations: { "a/b/c": "x" } } } },
            /malwar\.ingress\.annotations\.a\/b\/c = "x": is not an annotation key/,
        ],
        ["a CA bundle that is not PEM", { clair: { ...prodClair(), database: { caBundle: "abc" } } }, /clair\.database\.caBundle = "abc": must be PEM/],
        [
            "a webhook callback without a trailing '/'",
            { clair: { ...prodClair(), notifier: { ...prodClair().notifier, webhookCallback: "https://clair.quay.io/notifier/api/v1/notification" } } },
            /clair\.notifier\.webhookCallback = "https:\/\/clair\.quay\.io\/notifier\/api\/v1\/notification": must end in '\/': Clair appends the notification id/,
        ],
        ["a zero duration", { clair: { ...prodClair(), matcher: { period: "0h" } } }, /clair\.matcher\.period = "0h": is zero; must be a Go duration/],
        // Clair v4.8.0 refuses no update_retention: it turns GC off for a negative one and raises 0 and 1 to 10 (config/matcher.go).
        // The key's 0 is GC off; a negative one and 1 are refused.
        [
            "a negative update retention",
            { clair: { ...prodClair(), matcher: { updateRetention: -1 } } },
            /Pulumi\.prod\.yaml: scanning-platform:clair\.matcher\.updateRetention = -1: is negative; must be 2 or more \(Clair's default: 10\), or 0 to turn garbage collection off \(the matcher's database then grows with every updater run until it fills\)/,
        ],
        [
            "an update retention of 1",
            { clair: { ...prodClair(), matcher: { updateRetention: 1 } } },
            /clair\.matcher\.updateRetention = 1: is below 2, Clair's minimum .*would silently keep 10 instead; must be 2 or more, or 0 to turn garbage collection off/,
        ],
        [
            "an update retention as text",
            { clair: { ...prodClair(), matcher: { updateRetention: "10" } } },
            /clair\.matcher\.updateRetention = "10": must be a whole number \(update operations kept per updater\): the quotes make "10" text/,
        ],
        // Clair v4.8.0 accepts both: 0 is sized from the cores Go sees, a negative value is no limit (config/indexer.go).
        [
            "an unlimited index request concurrency",
            { clair: { ...prodClair(), indexer: { indexReportRequestConcurrency: -1 } } },
            /Pulumi\.prod\.yaml: scanning-platform:clair\.indexer\.indexReportRequestConcurrency = -1: removes Clair's limit .*instead of a 429 that Quay retries; must be 1 or more \(default: 4 per whole CPU of clair\.indexer\.resources\)/,
        ],
        [
            "an index request concurrency of 0",
            { clair: { ...prodClair(), indexer: { indexReportRequestConcurrency: 0 } } },
            /clair\.indexer\.indexReportRequestConcurrency = 0: leaves the limit to Clair's guess, 4 per core Go sees .*; must be 1 or more, or remove the key/,
        ],
        [
            "a fractional index request concurrency",
            { clair: { ...prodClair(), indexer: { indexReportRequestConcurrency: 2.5 } } },
            /clair\.indexer\.indexReportRequestConcurrency = 2\.5: must be a whole number \(index requests at once per indexer pod\), not the number 2\.5/,
        ],
        [
            "a scan lock retry of 0",
            { clair: { ...prodClair(), indexer: { scanlockRetry: 0 } } },
            /clair\.indexer\.scanlockRetry = 0: must be 1 to 10 seconds \(Clair replaces 0 with its default, 1/,
        ],
        [
            "a scan lock retry above Clair's lint",
            { clair: { ...prodClair(), indexer: { scanlockRetry: 11 } } },
            /clair\.indexer\.scanlockRetry = 11: is above 10, where Clair warns that large values increase latency; must be 1 to 10 seconds/,
        ],
        [
            "a scan lock retry with a unit",
            { clair: { ...prodClair(), indexer: { scanlockRetry: "5s" } } },
            /clair\.indexer\.scanlockRetry = "5s": must be a whole number of seconds, not the text "5s"/,
        ],
    ];
    for (const [what, overrides, expected] of cases) {
        it(`refuses ${what} with a message naming file, key, value and what is allowed`, () => {
            const message = problemsWith(overrides);
            assert.match(message, expected);
            assert.doesNotMatch(message, ZOD_WORDING);
        });
    }

    it("refuses a secret key set in plaintext, without echoing it", () => {
        const message = problemsWith({ clairPsk: Buffer.alloc(32, 7).toString("base64") });
        assert.match(message, /Pulumi\.prod\.yaml: scanning-platform:clairPsk: holds a secret in plaintext; set it with 'pulumi config set --secret clairPsk/);
        assert.ok(!message.includes(Buffer.alloc(32, 7).toString("base64")));
    });

    it("refuses a malformed secret without echoing any part of it", () => {
        const message = problemsWith({ clairPsk: "not-base64!" }, ["clairPsk"]);
        assert.match(message, /scanning-platform:clairPsk = \[secret\]: must be base64 of at least 32 random bytes/);
        assert.ok(!message.includes("not-base64"));
        const url = problemsWith({ malwarPostgresUrl: "mysql://admin:hunter2@db.internal/x" }, ["malwarPostgresUrl"]);
        assert.match(url, /scanning-platform:malwarPostgresUrl = \[secret\]: must be a postgresql:\/\/ URL with a host/);
        for (const part of ["mysql", "hunter2", "db.internal"]) assert.ok(!url.includes(part), part);
    });

    it("shows a missing required value as (unset)", () => {
        const message = problemsWith({ network: { subnetIds: ["subnet-0c1a2b3c4d5e6f711", "subnet-0c1a2b3c4d5e6f712"], allowedCidrs: ["10.128.0.0/14"] } });
        assert.match(message, /scanning-platform:network\.vpcId = \(unset\): is required when a database runs on RDS/);
    });
});

describe("messages a new user meets", () => {
    it("a YAML syntax error names the stack file, line and column", () => {
        assert.throws(
            () => stackConfigFromYaml("Pulumi.prod.yaml", "config:\n  scanning-platform:clair:\n    host: [unclosed\n"),
            /^Error: Pulumi\.prod\.yaml: .*at line \d+, column \d+/s,
        );
    });

    it("a wrong nested type or null says what belongs there", () => {
        const wrongType = problemsWith({ clair: { ...prodClair(), indexer: 3 } });
        assert.match(
            wrongType,
            /scanning-platform:clair\.indexer = 3: must be a block of keys \(replicas, autoscaling, resources, storageClass, storageSize, layerScanConcurrency, indexReportRequestConcurrency, scanlockRetry\), not the number 3/,
        );
        const empty = problemsWith({ clair: { ...prodClair(), notifier: null } });
        assert.match(empty, /scanning-platform:clair\.notifier = null: is empty \(null\): remove the key to use its default, or give a block of keys/);
        const notList = problemsWith({ network: { ...prodNetwork(), subnetIds: "subnet-0c1a2b3c4d5e6f711" } });
        assert.match(notList, /network\.subnetIds = "subnet-0c1a2b3c4d5e6f711": must be a list \(in YAML, one '- item' per line or \[a, b\]\), not the text/);
        for (const m of [wrongType, empty, notList]) assert.doesNotMatch(m, ZOD_WORDING);
    });

    it("a quoted number or boolean gets a hint", () => {
        assert.match(
            problemsWith({ clamav: { replicas: "3" } }),
            /clamav\.replicas = "3": must be a whole number: the quotes make "3" text; write 3 without them/,
        );
        assert.match(
            problemsWith({ malwar: { autoMigrate: "false" } }),
            /malwar\.autoMigrate = "false": must be true or false: the quotes make "false" text; write false without them/,
        );
    });

    it("every key, given a value of the wrong kind, gets a plain message naming the file, the key and the value", () => {
        const keys = configKeys();
        assert.ok(keys.length > 80, `${keys.length} keys`);
        let checked = 0;
        for (const dotted of keys) {
            const [top, ...rest] = dotted.split(".");
            for (const bad of [{ nested: true }, [1, 2], -7.5, "§"]) {
                const raw = { ...stackConfig("prod") };
                if (rest.length === 0) {
                    raw[key(top)] = JSON.stringify(bad);
                } else {
                    const root = raw[key(top)] ? JSON.parse(raw[key(top)]) : {};
                    let node = root;
                    for (const part of rest.slice(0, -1)) node = node[part] ??= {};
                    node[rest[rest.length - 1]] = bad;
                    raw[key(top)] = JSON.stringify(root);
                }
                let message: string | undefined;
                try {
                    parseConfig(raw, [key(top)], () => "Pulumi.prod.yaml");
                } catch (err) {
                    message = (err as Error).message;
                }
                // Some values fit some keys (a block of annotations, a list of hosts): those parse.
                if (message === undefined) continue;
                checked++;
                const line = message.split("\n").find((l) => l.includes(`${PROJECT}:${dotted}`));
                assert.ok(line, `${dotted} = ${JSON.stringify(bad)}: no line names the key in\n${message}`);
                assert.match(
                    line!,
                    new RegExp(`^  - Pulumi\\.prod\\.yaml: ${PROJECT}:${dotted.replace(/\./g, "\\.")}(\\.[^\\s:=]+)?( = .+: |: unknown key)`),
                    line,
                );
                assert.doesNotMatch(line!, ZOD_WORDING, line);
            }
        }
        assert.ok(checked >= keys.length * 3, `${checked} refusals checked`);
    });
});

describe("quantities: positive, in the units each field counts", () => {
    const set = (k: string, v: string) => ({ [`${k}.requests.cpu`]: v, [`${k}.limits.cpu`]: v });
    it("refuses zero and negative values and wrong units on every resource block and size", () => {
        for (const block of [
            "clair.indexer.resources",
            "clair.matcher.resources",
            "clair.notifier.resources",
            "clamav.resources",
            "clamav.updaterResources",
            "clamav.refresh.resources",
            "malwar.resources",
        ]) {
            for (const cpu of ["0", "-1", "0m", "1Gi", "1k", "0.0001"]) {
                const raw = { ...stackConfig("prod") };
                const problems = (() => {
                    try {
                        parseConfig(applyDotted(raw, set(block, cpu)));
                    } catch (err) {
                        return (err as Error).message;
                    }
                    return "";
                })();
                assert.match(
                    problems,
                    new RegExp(
                        `${block.replace(/\./g, "\\.")}\\.limits\\.cpu = "${cpu.replace(/\./g, "\\.")}": (must be more than 0|is not a CPU amount|is finer than 1m)`,
                    ),
                    `${block} cpu ${cpu}`,
                );
            }
        }
        for (const size of ["clair.indexer.storageSize", "clair.database.inClusterStorageSize", "malwar.storageSize"]) {
            for (const [value, why] of [
                ["0Gi", "must be more than 0"],
                ["-5Gi", "must be more than 0"],
                ["100", "has no unit"],
                ["5m", "is a fraction of a byte"],
                ["1.5", "is not a whole number of bytes"],
                ["lots", "is not a Kubernetes quantity"],
            ]) {
                const problems = (() => {
                    try {
                        parseConfig(applyDotted({ ...stackConfig("prod") }, { [size]: value }));
                    } catch (err) {
                        return (err as Error).message;
                    }
                    return "";
                })();
                assert.match(problems, new RegExp(`${size.replace(/\./g, "\\.")} = "${value.replace(/\./g, "\\.")}": ${why}`), `${size} ${value}`);
            }
        }
    });
    it("accepts every Kubernetes spelling of a positive amount in the right units", () => {
        for (const cpu of ["1", "0.5", "250m", "1m", "2.125"]) parseConfig(applyDotted({ ...stackConfig("prod") }, set("clair.indexer.resources", cpu)));
        for (const size of ["100Gi", "0.5Ti", "100G", "102400Mi"]) {
            parseConfig(applyDotted({ ...stackConfig("prod") }, { "clair.indexer.storageSize": size }));
        }
    });
});

/** `pulumi config set --path` on a raw config: dotted keys under our namespace, values typed. */
function applyDotted(raw: Record<string, string>, sets: Record<string, unknown>): Record<string, string> {
    for (const [dotted, value] of Object.entries(sets)) {
        const [top, ...rest] = dotted.split(".");
        const root = raw[key(top)] ? JSON.parse(raw[key(top)]) : {};
        let node = root;
        for (const part of rest.slice(0, -1)) node = node[part] ??= {};
        node[rest[rest.length - 1]] = value;
        raw[key(top)] = JSON.stringify(root);
    }
    return raw;
}

describe("names and hosts: DNS-1123 labels and subdomains with their limits", () => {
    const nameOf = (dotted: string, value: unknown) => {
        try {
            parseConfig(applyDotted({ ...stackConfig("prod") }, { [dotted]: value }));
            return "accepted";
        } catch (err) {
            return (err as Error).message;
        }
    };
    it("a label: 63 characters pass, 64 do not; no upper case, no leading or trailing '-', no dot", () => {
        assert.equal(nameOf("kubernetes.namespace", "n".repeat(63)), "accepted");
        assert.match(nameOf("kubernetes.namespace", "n".repeat(64)), /is 64 characters long, over the limit of 63/);
        for (const bad of ["Scanning", "-scan", "scan-", "scan.ning", "scan_ning", ""]) {
            assert.match(nameOf("kubernetes.namespace", bad), /kubernetes\.namespace = ".*": (may hold only lower-case letters|is empty)/, bad);
        }
    });
    it("a subdomain: labels of at most 63 joined by dots, 253 in all", () => {
        const label63 = "h".repeat(63);
        const host253 = [label63, label63, label63, "h".repeat(61)].join(".");
        assert.equal(host253.length, 253);
        assert.equal(nameOf("clair.host", host253), "accepted");
        assert.match(nameOf("clair.host", `${host253}h`), /is 254 characters long, over the limit of 253/);
        assert.match(nameOf("clair.host", "clair..example.com"), /has an empty part between dots/);
        assert.match(nameOf("clair.host", "clair.Example.com"), /has the part 'Example', which may hold only lower-case/);
        assert.match(nameOf("kubernetes.priorityClassName", "High"), /kubernetes\.priorityClassName = "High"/);
        assert.equal(nameOf("kubernetes.priorityClassName", "scanning.high-priority"), "accepted");
        assert.match(nameOf("clair.tlsSecretName", "tls_secret"), /clair\.tlsSecretName = "tls_secret"/);
        assert.match(nameOf("malwar.storageClass", "Fast"), /malwar\.storageClass = "Fast"/);
    });
    it("Ingress hosts may be wildcards; a Route host may not", () => {
        const hosts = (list: string[]) => nameOf("malwar.ingress.hosts", list);
        assert.equal(hosts(["*.example.com", "malwar.example.com"]), "accepted");
        assert.match(hosts(["*example.com"]), /malwar\.ingress\.hosts\.0 = "\*example\.com"/);
        assert.match(nameOf("clair.host", "*.example.com"), /clair\.host = "\*\.example\.com"/);
    });
});

describe("URLs: through the WHATWG parser, with the schemes each field can use", () => {
    const with_ = (dotted: string, value: unknown) => {
        try {
            parseConfig(applyDotted({ ...stackConfig("prod") }, { [dotted]: value }));
            return "accepted";
        } catch (err) {
            return (err as Error).message;
        }
    };
    // clamav.privateMirror is read as freshclam reads it (a value without a scheme is http://): test/system-rules.test.ts.
    it("webhooks and callbacks take http:// and https:// with a valid host", () => {
        for (const field of ["clair.notifier.webhookTarget", "clair.notifier.webhookCallback"]) {
            // Paths end in '/' here: the callback needs it (a test of its own above).
            assert.equal(with_(field, "https://hooks.example.com/x/"), "accepted", field);
            assert.equal(with_(field, "http://10.1.2.3:8080/x/"), "accepted", field);
            for (const [bad, why] of [
                ["ftp://example.com", "uses ftp:"],
                ["file:///etc/passwd", "uses file:"],
                ["javascript:alert(1)", "uses javascript:"],
                ["example.com/x", "is not a URL"],
                ["https://exa_mple.com/", "has the host 'exa_mple.com'"],
            ]) {
                assert.match(with_(field, bad), new RegExp(`${field.replace(/\./g, "\\.")} = "${bad.replace(/[.()/]/g, "\\$&")}": ${why}`), `${field} ${bad}`);
            }
        }
    });
});

describe("the alerts' runbook address", () => {
    it("is needed only with the alerts on", () => {
        const raw = { ...stackConfig("prod"), [key("monitoring")]: JSON.stringify({ rules: false }) };
        assert.equal(parseConfig(raw).monitoring.runbookBaseUrl, undefined);
    });
});

describe("keys of other namespaces", () => {
    const raw = (extra: Record<string, string>) => ({ ...stackConfig("prod"), ...extra });
    it("leaves the engine's and providers' namespaces alone, and namespaces far from ours", () => {
        parseConfig(raw({ "kubernetes:context": "sscan", "aws:region": "eu-west-1", "pulumi:tags": "{}", "random:x": "1", "acme-corp:owner": "team-a" }));
    });
    it("refuses a namespace one edit from ours, in every kind of edit, naming the intended key", () => {
        for (const typo of ["scaning-platform", "scanning-platfrom", "scanningplatform", "scanning-platforms", "scanning_platform", "Scanning-Platform"]) {
            assert.throws(
                () => parseConfig(raw({ [`${typo}:clamav`]: '{"replicas":3}' })),
                new RegExp(`${typo}:clamav: unknown namespace '${typo}'; did you mean scanning-platform:clamav\\?`),
                typo,
            );
        }
        // Two edits away is someone else's namespace.
        parseConfig(raw({ "scaning-platfrom:clamav": '{"replicas":3}' }));
    });
    it("refuses a namespace named like one of our keys (pulumi config set clamav:replicas 3)", () => {
        assert.throws(
            () => parseConfig(raw({ "clamav:replicas": "3" })),
            /clamav:replicas: unknown namespace 'clamav'; did you mean scanning-platform:clamav\.replicas \(set with --path\)\?/,
        );
        assert.throws(
            () => parseConfig(raw({ "malwr:replicas": "1" })),
            /malwr:replicas: unknown namespace 'malwr'; did you mean scanning-platform:malwar\.replicas/,
        );
    });
});

describe("documented floors", () => {
    it("refuses an in-cluster Clair database below Red Hat's 5 GB unless overridden", () => {
        const local = stackConfig("local");
        assert.throws(
            () => parseConfig(applyDotted({ ...local }, { "clair.database.inClusterStorageSize": "4Gi" })),
            /clair\.database\.inClusterStorageSize = "4Gi": is below 5G, the storage Red Hat documents as the minimum for Clair's vulnerability data; give it more, or set clair\.database\.allowBelowMinimumStorage: true/,
        );
        // 5 GB is 4.66 GiB: 5Gi passes, and so does exactly 5G.
        parseConfig(applyDotted({ ...local }, { "clair.database.inClusterStorageSize": "5G" }));
        parseConfig(applyDotted({ ...local }, { "clair.database.inClusterStorageSize": "1Gi", "clair.database.allowBelowMinimumStorage": true }));
    });
    it("the local stack says why it runs clamd below the floor", () => {
        const text = fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8");
        assert.match(text, /#.*kwok.*\n(\s*#.*\n)*\s*allowBelowMinimumMemory: true/);
        // Without the override, the local stack's 512Mi is refused.
        const raw = stackConfig("local");
        const clamav = JSON.parse(raw[key("clamav")]);
        delete clamav.allowBelowMinimumMemory;
        assert.throws(() => parseConfig({ ...raw, [key("clamav")]: JSON.stringify(clamav) }), /clamav\.resources\.limits\.memory = "512Mi": is below 3Gi/);
    });
});

/** docs/configuration.md's table: key | default | stage | prod | meaning. */
function readmeConfigRows(): { key: string; cells: string[] }[] {
    const lines = fs.readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8").split("\n");
    const header = lines.indexOf("| key | default | stage | prod | meaning |");
    assert.ok(header > 0, "docs/configuration.md: the config table's header");
    const rows = [];
    for (let i = header + 2; i < lines.length && lines[i].startsWith("|"); i++) {
        const cells = lines[i].split(" | ").map((c) => c.replace(/^\| ?| ?\|$/g, "").trim());
        rows.push({ key: cells[0].replace(/^`|`$/g, ""), cells });
    }
    return rows;
}

describe("docs/configuration.md", () => {
    it("has one row per config key, and no row for a key the schema does not have", () => {
        const keys = configKeys();
        const rows = readmeConfigRows().map((r) => r.key);
        assert.deepEqual(
            rows.filter((k) => !keys.includes(k)),
            [],
            "stale rows",
        );
        assert.deepEqual(
            keys.filter((k) => !rows.includes(k)),
            [],
            "missing rows",
        );
        assert.equal(new Set(rows).size, rows.length, "one row each");
    });

    // The schema's defaults: an in-cluster Clair database needs no network settings; Malwar's
    // backups (on by default) need an OIDC provider and the alerts (on by default) a runbook
    // address, neither of which has a default.
    const defaults: any = (() => {
        const cfg: any = parseConfig({
            [key("clair")]: JSON.stringify({ database: { backend: "in-cluster" } }),
            [key("malwar")]: JSON.stringify({ backup: { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.example.com" } }),
            [key("monitoring")]: JSON.stringify({ runbookBaseUrl: "https://git.example.com/README.md" }),
        });
        cfg.clair.database.backend = "rds";
        delete cfg.malwar.backup.oidcProviderArn;
        delete cfg.monitoring.runbookBaseUrl;
        return cfg;
    })();
    const valueAt = (cfg: any, dotted: string) => dotted.split(".").reduce((node: any, part) => node?.[part], cfg);

    /** Whether the docs/configuration.md cell states `value` (the key's value on that stack, or its default). */
    function states(cell: string, value: unknown, dotted: string, fallback: unknown): string | undefined {
        if (cell === "default") return JSON.stringify(value) === JSON.stringify(fallback) ? undefined : `says default, is ${JSON.stringify(value)}`;
        if (cell === "–" || /^\(none|^generated$|^one generated$|^\(cluster default\)$/.test(cell))
            return value === undefined ? undefined : `says unset, is ${JSON.stringify(value)}`;
        const literals = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        if (dotted.endsWith("esources")) {
            return JSON.stringify(value) === JSON.stringify({ cpu: literals[0], memory: literals[1] })
                ? undefined
                : `says ${cell}, is ${JSON.stringify(value)}`;
        }
        const count = /^(\d+) (?:subnets|keys)$/.exec(cell);
        if (count) return Array.isArray(value) && value.length === Number(count[1]) ? undefined : `says ${cell}, is ${JSON.stringify(value)}`;
        if (literals.length === 0) return `cannot read ${JSON.stringify(cell)}`;
        // A one-item list is written as its item: `10.64.0.0/14`.
        const single = Array.isArray(value) && value.length === 1 ? value[0] : value;
        const shown = typeof single === "string" ? single : JSON.stringify(single);
        const literal = literals[0];
        if (literal.includes("…")) {
            const [start, end] = literal.split("…");
            return shown.startsWith(start) && shown.endsWith(end) ? undefined : `says ${cell}, is ${shown}`;
        }
        // "`[]` (two or more required with RDS)" and the like: the literal is the value.
        return shown === literal ? undefined : `says ${cell}, is ${shown}`;
    }

    it("states every default as the schema has it", () => {
        const wrong: string[] = [];
        for (const { key: dotted, cells } of readmeConfigRows()) {
            const why = states(cells[1], valueAt(defaults, dotted), dotted, valueAt(defaults, dotted));
            if (why) wrong.push(`${dotted} default: ${why}`);
        }
        assert.deepEqual(wrong, []);
    });

    for (const [column, stack] of [
        [2, "stage"],
        [3, "prod"],
    ] as const) {
        it(`states every ${stack} value as Pulumi.${stack}.yaml has it`, () => {
            const cfg = parseConfig(stackConfig(stack));
            const wrong: string[] = [];
            for (const { key: dotted, cells } of readmeConfigRows()) {
                const why = states(cells[column], valueAt(cfg, dotted), dotted, valueAt(defaults, dotted));
                if (why) wrong.push(`${dotted} on ${stack}: ${why}`);
            }
            assert.deepEqual(wrong, []);
        });
    }
});
