import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config/load";
import { PROJECT } from "../config/platform";
import { runProgram, stackConfig } from "../tools/mock-run";

const key = (k: string) => `${PROJECT}:${k}`;

/** Parses prod's committed config with one structured key replaced; returns the error text. */
function problemsWith(overrides: Record<string, unknown>, secretKeys: string[] = []): string {
    const raw = { ...stackConfig("prod") };
    for (const [k, v] of Object.entries(overrides)) raw[key(k)] = typeof v === "string" ? v : JSON.stringify(v);
    try {
        parseConfig(raw, secretKeys.map(key));
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
    }
    assert.fail("expected a config error");
}

const prodClair = () => JSON.parse(stackConfig("prod")[key("clair")]);

describe("stack config validation", () => {
    it("accepts every committed stack and fills the defaults", () => {
        for (const stack of ["stage", "prod", "local"]) {
            const cfg = parseConfig(stackConfig(stack));
            assert.equal(cfg.clair.indexer.storageClass, "gp2");
            assert.equal(cfg.clair.indexer.storageSize, "100Gi");
            assert.deepEqual(cfg.clair.indexer.resources, stack === "local" ? { cpu: "250m", memory: "256Mi" } : { cpu: "2", memory: "2Gi" });
            assert.equal(cfg.clair.database.rds.backupRetentionDays, 30);
            assert.equal(cfg.clamav.refresh.name, "refresh-clamav-db");
            assert.equal(cfg.malwar.database.backend, "sqlite");
        }
    });

    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["negative replicas", { clair: { ...prodClair(), indexer: { replicas: -1 } } }, /scanning-platform:clair\.indexer\.replicas = -1: must be >= 0/],
        ["non-integer replicas", { clair: { ...prodClair(), matcher: { replicas: 1.5 } } }, /scanning-platform:clair\.matcher\.replicas = 1\.5: must be a whole number/],
        ["replicas as text", { clair: { ...prodClair(), notifier: { replicas: "ten" } } }, /clair\.notifier\.replicas = "ten": must be a whole number/],
        ["'2 cores'", { clair: { ...prodClair(), indexer: { resources: { limits: { cpu: "2 cores" } } } } }, /clair\.indexer\.resources\.limits\.cpu = "2 cores": must be a Kubernetes quantity/],
        ["'2GB'", { clair: { ...prodClair(), indexer: { resources: { requests: { memory: "2GB" } } } } }, /clair\.indexer\.resources\.requests\.memory = "2GB": must be a Kubernetes quantity such as 2Gi/],
        ["requests that differ from limits", { clamav: { resources: { requests: { cpu: "500m" }, limits: { cpu: "1" } } } }, /clamav\.resources\.requests\.cpu = "500m": differs from limits\.cpu "1": requests must equal limits/],
        ["backup retention below 30 days", { clair: { ...prodClair(), database: { rds: { backupRetentionDays: 7 } } } }, /clair\.database\.rds\.backupRetentionDays = 7: must be at least 30 days/],
        ["a typo in a nested key", { clair: { ...prodClair(), indexr: { replicas: 3 } } }, /scanning-platform:clair\.indexr: unknown key \(a typo\?\); allowed here: image, host/],
        ["an unknown top-level key", { clairr: { host: "x" } }, /scanning-platform:clairr: unknown key \(a typo\?\); allowed here: kubernetes, network, clair/],
        ["SQLite Malwar with two replicas", { malwar: { replicas: 2 } }, /malwar\.replicas = 2: must be 0 or 1 while malwar\.database\.backend is 'sqlite'/],
        ["SQLite Malwar with autoscaling", { malwar: { autoscaling: { enabled: true } } }, /malwar\.autoscaling\.enabled = true: must be false while malwar\.database\.backend is 'sqlite'/],
        ["an unpinned image", { clamav: { image: "clamav/clamav:latest" } }, /clamav\.image = "clamav\/clamav:latest": must not use the moving tag 'latest'/],
        ["an untagged image", { clamav: { image: "clamav/clamav" } }, /clamav\.image = "clamav\/clamav": must pin a version/],
        ["an unknown instance class", { clair: { ...prodClair(), database: { rds: { instanceClass: "db.huge" } } } }, /instanceClass = "db\.huge": must be one of the instance classes/],
        ["a bad cron schedule", { clamav: { refresh: { schedule: "hourly" } } }, /clamav\.refresh\.schedule = "hourly": must be a five-field cron schedule/],
        ["too many pods for the database", { clair: { ...prodClair(), indexer: { replicas: 500 }, database: { rds: { instanceClass: "db.t4g.micro" } } } }, /clair\.indexer\.replicas = 500: is too many pods for one database/],
        ["RDS without subnets", { network: { vpcId: "vpc-1", subnetIds: [], allowedCidrs: ["10.0.0.0/8"] } }, /network\.subnetIds = \[\]: must list at least two subnets/],
        ["a malformed CIDR", { network: { vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"], allowedCidrs: ["10.0.0.0"] } }, /network\.allowedCidrs\.0 = "10\.0\.0\.0": must be an IPv4 CIDR/],
    ];
    for (const [what, overrides, expected] of cases) {
        it(`refuses ${what} with a message naming key, value and what is allowed`, () => {
            assert.match(problemsWith(overrides), expected);
        });
    }

    it("refuses a secret key set in plaintext, without echoing it", () => {
        const message = problemsWith({ clairPsk: Buffer.alloc(32, 7).toString("base64") });
        assert.match(message, /scanning-platform:clairPsk: holds a secret in plaintext; set it with 'pulumi config set --secret clairPsk/);
        assert.ok(!message.includes(Buffer.alloc(32, 7).toString("base64")));
    });

    it("refuses a malformed secret without echoing it", () => {
        const message = problemsWith({ clairPsk: "not-base64!" }, ["clairPsk"]);
        assert.match(message, /scanning-platform:clairPsk = \[secret\]: must be base64 of at least 32 random bytes/);
        assert.ok(!message.includes("not-base64!"));
    });

    it("fails the program before any resource is registered", async () => {
        await assert.rejects(runProgram("prod", { sets: { "clair.indexer.replicas": "-3" } }), (err: Error) => {
            assert.match(err.message, /clair\.indexer\.replicas = -3: must be >= 0/);
            assert.equal((err as Error & { resourcesRegistered: number }).resourcesRegistered, 0);
            return true;
        });
    });
});

describe("documentation", () => {
    it("has a README row for every config key", async () => {
        const { configKeys } = await import("../config/keys");
        const readme = (await import("fs")).readFileSync(`${__dirname}/../README.md`, "utf8");
        const keys = configKeys();
        assert.ok(keys.length > 60, `found ${keys.length} keys`);
        const missing = keys.filter((k) => !readme.includes(`| \`${k}\` |`));
        assert.deepEqual(missing, []);
    });
});

describe("defaults", () => {
    it("every key's default is the one the README's config reference states", async () => {
        const { configKeys } = await import("../config/keys");
        const readme = (await import("fs")).readFileSync(`${__dirname}/../README.md`, "utf8");
        // The schema's defaults: an in-cluster Clair database needs no network settings.
        const defaults: any = parseConfig({ [key("clair")]: JSON.stringify({ database: { backend: "in-cluster" } }) });
        defaults.clair.database.backend = "rds";
        const valueAt = (path: string) => path.split(".").reduce((node: any, part) => node?.[part], defaults);
        let compared = 0;
        for (const k of configKeys()) {
            const row = readme.split("\n").find((line) => line.startsWith(`| \`${k}\` |`))!;
            const cell = row.split("|")[2].trim();
            const value = valueAt(k);
            if (/^\(none/.test(cell) || cell === "generated" || cell === "one generated" || cell === "(cluster default)") {
                assert.equal(value, undefined, `${k} has no default`);
            } else if (/^`[^`]*`$/.test(cell)) {
                const literal = cell.slice(1, -1);
                const shown = typeof value === "string" ? value : JSON.stringify(value);
                assert.equal(shown, literal, `${k}: README says ${cell}`);
            } else if (k.endsWith("esources")) {
                const [cpu, memory] = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
                assert.deepEqual(value, { cpu, memory }, `${k}: README says ${cell}`);
            } else {
                continue;
            }
            compared++;
        }
        assert.ok(compared >= 75, `compared ${compared} defaults`);
    });
});
