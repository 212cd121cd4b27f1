/**
 * Values the program hands to another system, checked by that system's own rule: each test
 * feeds both sides of the rule's boundary, with the boundary taken from the rule's source
 * (named beside each test), not from the program's code.
 */
import { strict as assert } from "assert";
import { parseConfig } from "../config/load";
import { freshclamProxy } from "../components/shared/proxy";
import { PROJECT } from "../config/platform";
import { RDS_POSTGRESQL_INSTANCE_CLASSES } from "../policy/lib/rds";
import { parseImageReference } from "../policy/lib/image-reference";
import { stackConfig } from "../tools/mock-run";
import { ZOD_WORDING } from "./plain-words";

const key = (k: string) => `${PROJECT}:${k}`;

/** Prod's config with dotted keys set as `pulumi config set --path` would; "accepted" or the error text. */
function withSet(sets: Record<string, unknown>, stack = "prod"): string {
    try {
        parsedWith(sets, stack);
    } catch (err) {
        const message = (err as Error).message;
        assert.doesNotMatch(message, ZOD_WORDING);
        return message;
    }
    return "accepted";
}

/** Prod's config with dotted keys set (undefined removes one), parsed. */
function parsedWith(sets: Record<string, unknown>, stack = "prod") {
    const raw = { ...stackConfig(stack) };
    for (const [dotted, value] of Object.entries(sets)) {
        const [top, ...rest] = dotted.split(".");
        const root = raw[key(top)] ? JSON.parse(raw[key(top)]) : {};
        let node = root;
        for (const part of rest.slice(0, -1)) node = node[part] ??= {};
        if (value === undefined) delete node[rest[rest.length - 1]];
        else node[rest[rest.length - 1]] = value;
        raw[key(top)] = JSON.stringify(root);
    }
    return parseConfig(raw);
}

const hex = (n: number, digit = "a") => digit.repeat(n);

describe("image references: the kubelet's rule (distribution/reference ParseNormalizedNamed, go-digest)", () => {
    it("a sha256 digest is 64 lower-case hex digits: 63 and 65 are refused, and so is upper case (go-digest algorithm.go)", () => {
        assert.equal(typeof parseImageReference(`clamav/clamav@sha256:${hex(64)}`), "object");
        assert.match(String(parseImageReference(`clamav/clamav@sha256:${hex(63)}`)), /sha256 digest of 63 hex digits, not 64/);
        assert.match(String(parseImageReference(`clamav/clamav@sha256:${hex(65)}`)), /sha256 digest of 65 hex digits, not 64/);
        assert.match(String(parseImageReference(`clamav/clamav@sha256:${hex(64, "A")}`)), /not lower-case hex/);
        // sha512 is 128 digits; an algorithm go-digest does not know is refused.
        assert.equal(typeof parseImageReference(`clamav/clamav@sha512:${hex(128)}`), "object");
        assert.match(String(parseImageReference(`clamav/clamav@md5:${hex(32)}`)), /digest algorithm 'md5'/);
    });

    it("a repository path is lower case; a registry host may have upper case (regexp.go alphanumeric, domainNameComponent)", () => {
        assert.match(String(parseImageReference("clamav/Clamav:1.4.3")), /repository name 'clamav\/Clamav', which must be lower-case/);
        assert.match(String(parseImageReference("quay.io/projectquay/Clair:4.8.0")), /repository name .projectquay\/Clair., which must be lower-case/);
        assert.deepEqual(parseImageReference("Registry.Example.com/team/app:1"), {
            domain: "Registry.Example.com",
            path: "team/app",
            tag: "1",
            digest: undefined,
        });
    });

    it("a tag is at most 128 characters, a repository path at most 255 (regexp.go tag, reference.go RepositoryNameTotalLengthMax)", () => {
        assert.equal(typeof parseImageReference(`a:${"x".repeat(128)}`), "object");
        assert.equal(typeof parseImageReference(`a:${"x".repeat(129)}`), "string");
        assert.equal(typeof parseImageReference(`example.com/${"b".repeat(255)}:1`), "object");
        assert.match(String(parseImageReference(`example.com/${"b".repeat(256)}:1`)), /repository name of 256 characters, over the limit of 255/);
        // A one-word Docker Hub name is library/<name>: 247 characters fill the 255.
        assert.equal(typeof parseImageReference(`${"b".repeat(247)}:1`), "object");
        assert.equal(typeof parseImageReference(`${"b".repeat(248)}:1`), "string");
    });

    it("separators: one '.' or '_', two '_', or any run of '-' (regexp.go separator); 64 hex digits alone is an image id", () => {
        for (const ok of ["a.b:1", "a_b:1", "a__b:1", "a---b:1", "localhost:5000/a/b:1", "[::1]:5000/a:1", hex(63)])
            assert.equal(typeof parseImageReference(ok), "object", ok);
        for (const bad of ["a..b:1", "a___b:1", "a-:1", "-a:1", ":1.0", "a//b:1", hex(64)]) assert.equal(typeof parseImageReference(bad), "string", bad);
    });

    it("the stack config refuses what the kubelet refuses, naming key, value and the rule", () => {
        assert.match(
            withSet({ "clamav.image": "clamav/Clamav:1.4.3" }),
            /clamav\.image = "clamav\/Clamav:1\.4\.3": has the repository name 'clamav\/Clamav', which must be lower-case, which the kubelet refuses to pull; must be an image reference/,
        );
        assert.match(
            withSet({ "malwar.image": `ghcr.io/ap6pack/malwar@sha256:${hex(63)}` }),
            /malwar\.image = ".*": has a sha256 digest of 63 hex digits, not 64, which the kubelet refuses to pull/,
        );
        assert.equal(withSet({ "malwar.image": `ghcr.io/ap6pack/malwar@sha256:${hex(64)}` }), "accepted");
        assert.equal(withSet({ "malwar.image": `ghcr.io/ap6pack/malwar:0.4.0@sha256:${hex(64)}` }), "accepted");
    });
});

describe("resources: Kubernetes' defaulting of requests from limits (pkg/apis/core/v1/defaults.go SetDefaults_Pod)", () => {
    it("a block with only limits gets its requests from them, per resource, and passes", () => {
        const cfg = parsedWith({ "clamav.resources": { limits: { cpu: "3", memory: "6Gi" } } });
        assert.deepEqual(cfg.clamav.resources, { cpu: "3", memory: "6Gi" });
        // One resource's request written, the other's left to its limit.
        const mixed = parsedWith({ "malwar.resources": { requests: { cpu: "750m" }, limits: { cpu: "750m", memory: "768Mi" } } });
        assert.deepEqual(mixed.malwar.resources, { cpu: "750m", memory: "768Mi" });
    });

    it("written requests must still equal the limits by value: 3000m passes beside 3, 2999m does not", () => {
        assert.equal(withSet({ "clamav.resources": { requests: { cpu: "3000m" }, limits: { cpu: "3", memory: "6Gi" } } }), "accepted");
        assert.match(
            withSet({ "clamav.resources": { requests: { cpu: "2999m" }, limits: { cpu: "3", memory: "6Gi" } } }),
            /clamav\.resources\.requests\.cpu = "2999m": differs from limits\.cpu "3": requests must equal limits \(Guaranteed QoS\)/,
        );
    });

    it("a request without its limit is refused as the program's rule, naming the default it would meet", () => {
        const message = withSet({ "clamav.resources": { requests: { cpu: "3", memory: "6Gi" } } });
        assert.match(
            message,
            /clamav\.resources\.requests\.cpu = "3": has no limits\.cpu beside it: this program runs every container with Guaranteed QoS .*Kubernetes sets no limit from a request, so the program's default limit "1" would apply; set limits\.cpu/,
        );
        assert.match(message, /clamav\.resources\.requests\.memory = "6Gi": has no limits\.memory beside it/);
    });
});

describe("RDS: the API reference's rules for windows, storage autoscaling and classes", () => {
    const rds = "clair.database.rds";
    // CreateDBInstance, PreferredBackupWindow: "Must be at least 30 minutes".
    it("a backup window is at least 30 minutes, also across midnight", () => {
        assert.equal(withSet({ [`${rds}.backupWindow`]: "03:00-03:30" }), "accepted");
        assert.match(
            withSet({ [`${rds}.backupWindow`]: "03:00-03:29" }),
            /clair\.database\.rds\.backupWindow = "03:00-03:29": is 29 minutes long, and RDS requires at least 30; must be a UTC window hh:mm-hh:mm/,
        );
        assert.equal(withSet({ [`${rds}.backupWindow`]: "23:45-00:15" }), "accepted");
        assert.match(withSet({ [`${rds}.backupWindow`]: "23:45-00:14" }), /is 29 minutes long/);
        assert.match(withSet({ [`${rds}.backupWindow`]: "03:00-03:00" }), /is 0 minutes long/);
    });

    // PreferredMaintenanceWindow: "ddd:hh24:mi-ddd:hh24:mi", "at least 30 minutes", days "mon | tue | ... | sun".
    it("a maintenance window is at least 30 minutes, also across Sunday night, with lower-case days", () => {
        assert.equal(withSet({ [`${rds}.maintenanceWindow`]: "sun:05:00-sun:05:30" }), "accepted");
        assert.match(
            withSet({ [`${rds}.maintenanceWindow`]: "sun:05:00-sun:05:29" }),
            /maintenanceWindow = "sun:05:00-sun:05:29": is 29 minutes long, and RDS requires at least 30/,
        );
        assert.equal(withSet({ [`${rds}.maintenanceWindow`]: "sun:23:45-mon:00:15" }), "accepted");
        assert.match(withSet({ [`${rds}.maintenanceWindow`]: "sun:23:45-mon:00:14" }), /is 29 minutes long/);
        assert.match(
            withSet({ [`${rds}.maintenanceWindow`]: "Sun:05:00-Sun:06:00" }),
            /is not of that form; must be a UTC window ddd:hh:mm-ddd:hh:mm .*days mon, tue/,
        );
    });

    // "Must not conflict with the preferred backup window": the backup window recurs every day.
    it("the maintenance window shares no minute with the daily backup window; touching is not sharing", () => {
        const backup = { [`${rds}.backupWindow`]: "03:00-04:00" };
        assert.equal(withSet({ ...backup, [`${rds}.maintenanceWindow`]: "wed:04:00-wed:04:30" }), "accepted");
        assert.equal(withSet({ ...backup, [`${rds}.maintenanceWindow`]: "wed:02:30-wed:03:00" }), "accepted");
        assert.match(
            withSet({ ...backup, [`${rds}.maintenanceWindow`]: "wed:03:59-wed:04:30" }),
            /maintenanceWindow = "wed:03:59-wed:04:30": overlaps the daily backup window "03:00-04:00", which RDS does not allow/,
        );
        assert.match(withSet({ ...backup, [`${rds}.maintenanceWindow`]: "wed:02:30-wed:03:01" }), /overlaps the daily backup window/);
        // A maintenance window across Sunday night meets Monday's backup window.
        assert.match(
            withSet({ [`${rds}.backupWindow`]: "00:10-00:40", [`${rds}.maintenanceWindow`]: "sun:23:50-mon:00:30" }),
            /overlaps the daily backup window "00:10-00:40"/,
        );
        assert.equal(withSet({ [`${rds}.backupWindow`]: "00:10-00:40", [`${rds}.maintenanceWindow`]: "sun:23:40-mon:00:10" }), "accepted");
        // A backup window across midnight meets a maintenance window early on the next day.
        assert.match(
            withSet({ [`${rds}.backupWindow`]: "23:50-00:20", [`${rds}.maintenanceWindow`]: "tue:00:19-tue:01:00" }),
            /overlaps the daily backup window/,
        );
        assert.equal(withSet({ [`${rds}.backupWindow`]: "23:50-00:20", [`${rds}.maintenanceWindow`]: "tue:00:20-tue:01:00" }), "accepted");
    });

    // RDS User Guide, storage autoscaling: at least 10% more than the allocated storage (1000 GiB: at least 1100).
    it("the storage autoscaling ceiling is 0 or at least 10% above the allocated storage", () => {
        assert.equal(withSet({ [`${rds}.allocatedStorageGiB`]: 1000, [`${rds}.maxAllocatedStorageGiB`]: 1100 }), "accepted");
        assert.match(
            withSet({ [`${rds}.allocatedStorageGiB`]: 1000, [`${rds}.maxAllocatedStorageGiB`]: 1099 }),
            /maxAllocatedStorageGiB = 1099: must be 0 \(no storage autoscaling\) or at least 1100: RDS requires the autoscaling ceiling to be at least 10% more than allocatedStorageGiB 1000/,
        );
        assert.match(withSet({ [`${rds}.allocatedStorageGiB`]: 100, [`${rds}.maxAllocatedStorageGiB`]: 100 }), /at least 110/);
        assert.equal(withSet({ [`${rds}.allocatedStorageGiB`]: 100, [`${rds}.maxAllocatedStorageGiB`]: 0 }), "accepted");
    });

    // RDS User Guide (edition of 2023-06-09, and the current pages for the families added since),
    // "Hardware specifications for DB instance classes": vCPU and Memory (GiB).
    it("the class table holds every class the guide lists for PostgreSQL, with the guide's vCPU and memory", () => {
        // 156 classes from the 2023 edition, 107 from the families added since (9 sizes each in 11 families, 8 in db.r6idn).
        assert.equal(Object.keys(RDS_POSTGRESQL_INSTANCE_CLASSES).length, 156 + 107);
        assert.deepEqual(RDS_POSTGRESQL_INSTANCE_CLASSES["db.m7g.4xlarge"], { vCPU: 16, memoryGiB: 64 });
        assert.deepEqual(RDS_POSTGRESQL_INSTANCE_CLASSES["db.r7g.large"], { vCPU: 2, memoryGiB: 16 });
        assert.deepEqual(RDS_POSTGRESQL_INSTANCE_CLASSES["db.t3.micro"], { vCPU: 2, memoryGiB: 1 });
        assert.deepEqual(RDS_POSTGRESQL_INSTANCE_CLASSES["db.x2iedn.32xlarge"], { vCPU: 128, memoryGiB: 4096 });
        assert.deepEqual(RDS_POSTGRESQL_INSTANCE_CLASSES["db.m3.medium"], { vCPU: 1, memoryGiB: 3.75 });
        // The guide's PostgreSQL column says "No" for these: not in the table.
        for (const notPostgres of ["db.z1d.large", "db.x1e.xlarge", "db.x1.16xlarge"])
            assert.equal(RDS_POSTGRESQL_INSTANCE_CLASSES[notPostgres], undefined, notPostgres);
        // A class of the table is taken without instanceMemoryGiB, and the pools are sized from the table's memory.
        const cfg = parsedWith({ [`${rds}.instanceClass`]: "db.r7g.large" });
        assert.equal(cfg.clair.database.rds.memoryGiB, 16);
        assert.equal(cfg.clair.pools.indexer.maxConnections, Math.min(Math.floor((16 * 2 ** 30 * 0.9) / 9531392), 5000));
    });

    // RDS User Guide, "Amazon RDS DB instance storage": gp3 (the program's storage type) 20 GiB-64 TiB for PostgreSQL.
    it("allocated storage is 20 to 65536 GiB, and so is the autoscaling ceiling's top", () => {
        assert.equal(withSet({ [`${rds}.allocatedStorageGiB`]: 20, [`${rds}.maxAllocatedStorageGiB`]: 22 }), "accepted");
        assert.match(
            withSet({ [`${rds}.allocatedStorageGiB`]: 19, [`${rds}.maxAllocatedStorageGiB`]: 22 }),
            /allocatedStorageGiB = 19: must be at least 20 \(RDS's minimum for gp3 storage, which the program uses\)/,
        );
        assert.equal(withSet({ [`${rds}.allocatedStorageGiB`]: 65536, [`${rds}.maxAllocatedStorageGiB`]: 0 }), "accepted");
        assert.match(
            withSet({ [`${rds}.allocatedStorageGiB`]: 65537, [`${rds}.maxAllocatedStorageGiB`]: 0 }),
            /allocatedStorageGiB = 65537: must be at most 65536 \(RDS's maximum for PostgreSQL, 64 TiB\)/,
        );
        assert.equal(withSet({ [`${rds}.allocatedStorageGiB`]: 1000, [`${rds}.maxAllocatedStorageGiB`]: 65536 }), "accepted");
        assert.match(
            withSet({ [`${rds}.allocatedStorageGiB`]: 1000, [`${rds}.maxAllocatedStorageGiB`]: 65537 }),
            /maxAllocatedStorageGiB = 65537: must be at most 65536/,
        );
        // From 59579 GiB allocated, 10% more passes RDS's maximum: autoscaling cannot be on.
        assert.equal(withSet({ [`${rds}.allocatedStorageGiB`]: 59578, [`${rds}.maxAllocatedStorageGiB`]: 65536 }), "accepted");
        assert.match(
            withSet({ [`${rds}.allocatedStorageGiB`]: 59579, [`${rds}.maxAllocatedStorageGiB`]: 65536 }),
            /maxAllocatedStorageGiB = 65536: must be 0 \(no storage autoscaling\): allocatedStorageGiB 59579 leaves no ceiling 10% above it within RDS's maximum of 65536/,
        );
    });

    // CreateDBInstance, BackupRetentionPeriod: "Must be a value from 0 to 35"; below 30 is the program's rule.
    it("backup retention is 30 to 35 days: 35 is RDS's maximum, 30 the program's minimum", () => {
        assert.equal(withSet({ [`${rds}.backupRetentionDays`]: 35 }), "accepted");
        assert.match(withSet({ [`${rds}.backupRetentionDays`]: 36 }), /backupRetentionDays = 36: must be at most 35 \(the RDS maximum\)/);
        assert.equal(withSet({ [`${rds}.backupRetentionDays`]: 30 }), "accepted");
        assert.match(withSet({ [`${rds}.backupRetentionDays`]: 29 }), /backupRetentionDays = 29: must be at least 30 days/);
    });

    it("a class the table lacks is taken with its memory stated, and the pools are sized from it", () => {
        // db.m9g is a family no page lists (yet).
        assert.match(
            withSet({ [`${rds}.instanceClass`]: "db.m9g.4xlarge" }),
            /instanceClass = "db\.m9g\.4xlarge": is not among the classes the RDS User Guide lists for PostgreSQL in the program's table \(User Guide of 2023-06-09, and the current pages for later families\).*set clair\.database\.rds\.instanceMemoryGiB/,
        );
        const cfg = parsedWith({ [`${rds}.instanceClass`]: "db.m9g.4xlarge", [`${rds}.instanceMemoryGiB`]: 64 });
        // RDS's default: LEAST(DBInstanceClassMemory/9531392, 5000), about 90% of 64 GiB over 9531392 bytes.
        assert.equal(cfg.clair.pools.indexer.maxConnections, Math.min(Math.floor((64 * 2 ** 30 * 0.9) / 9531392), 5000));
        assert.match(
            withSet({ [`${rds}.instanceClass`]: "db.m6g.xlarge", [`${rds}.instanceMemoryGiB`]: 32 }),
            /instanceMemoryGiB = 32: differs from the 16 GiB of db\.m6g\.xlarge/,
        );
        assert.match(withSet({ [`${rds}.instanceClass`]: "m6g.large" }), /must be an RDS instance class: db\.<type>\.<size>/);
    });

    // The current "Supported DB engines" page's PostgreSQL column: db.m3, db.r3, db.m4, db.r4 and db.t2
    // "Deprecated"; db.x2idn "PostgreSQL 15 versions, 14.6, and 13.9".
    it("a deprecated class is refused, and db.x2idn is refused from PostgreSQL 16 on", () => {
        assert.match(
            withSet({ [`${rds}.instanceClass`]: "db.m3.large" }),
            /instanceClass = "db\.m3\.large": is a class RDS lists as deprecated for PostgreSQL/,
        );
        for (const deprecated of ["db.m4.large", "db.r4.large", "db.t2.micro"]) {
            assert.match(
                withSet({ [`${rds}.instanceClass`]: deprecated, [`${rds}.engineVersion`]: "12.22" }),
                /is a class RDS lists as deprecated for PostgreSQL/,
                deprecated,
            );
        }
        assert.equal(withSet({ [`${rds}.instanceClass`]: "db.t3.micro", [`${rds}.engineVersion`]: "16.4" }), "accepted");
        assert.equal(withSet({ [`${rds}.instanceClass`]: "db.x2idn.16xlarge", [`${rds}.engineVersion`]: "15.8" }), "accepted");
        assert.match(
            withSet({ [`${rds}.instanceClass`]: "db.x2idn.16xlarge", [`${rds}.engineVersion`]: "16.1" }),
            /instanceClass = "db\.x2idn\.16xlarge": is a class RDS offers only for PostgreSQL lower than 16, and engineVersion is "16\.1"/,
        );
    });

    // Families the guide added after 2023-06-09. For each: a real class, with the memory the current
    // "Hardware specifications for DB instance classes" page gives, is taken without instanceMemoryGiB;
    // a near miss (a size or variant the "Supported DB engines" page does not list for PostgreSQL) is
    // refused, naming the key, the value and the sizes the guide lists.
    const addedFamilies: { real: string; memoryGiB: number; nearMiss: string; sizes: string }[] = [
        {
            real: "db.m8g.48xlarge",
            memoryGiB: 768,
            nearMiss: "db.m8g.32xlarge",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge",
        },
        {
            real: "db.m8gd.large",
            memoryGiB: 8,
            nearMiss: "db.m8gd.medium",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge",
        },
        {
            real: "db.m7i.12xlarge",
            memoryGiB: 192,
            nearMiss: "db.m7i.metal-48xl",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge",
        },
        {
            real: "db.m6id.32xlarge",
            memoryGiB: 512,
            nearMiss: "db.m6id.metal",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge",
        },
        {
            real: "db.m6idn.24xlarge",
            memoryGiB: 384,
            nearMiss: "db.m6idn.48xlarge",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge",
        },
        {
            real: "db.m6in.xlarge",
            memoryGiB: 16,
            nearMiss: "db.m6in.metal",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge",
        },
        {
            real: "db.r8g.48xlarge",
            memoryGiB: 1536,
            nearMiss: "db.r8g.medium",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge",
        },
        {
            real: "db.r8gd.12xlarge",
            memoryGiB: 384,
            nearMiss: "db.r8gd.32xlarge",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge",
        },
        {
            real: "db.r7i.large",
            memoryGiB: 16,
            nearMiss: "db.r7i.metal-24xl",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge",
        },
        {
            real: "db.r6id.2xlarge",
            memoryGiB: 64,
            nearMiss: "db.r6id.metal",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge",
        },
        // The hardware page has db.r6idn.large (16 GiB); the engine page does not list it.
        {
            real: "db.r6idn.xlarge",
            memoryGiB: 32,
            nearMiss: "db.r6idn.large",
            sizes: "xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge",
        },
        {
            real: "db.r6in.32xlarge",
            memoryGiB: 1024,
            nearMiss: "db.r6in.48xlarge",
            sizes: "large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge",
        },
    ];
    // The engine page's PostgreSQL column for the added families: the lowest minor of each major.
    it("an added family is refused below the lowest minor its PostgreSQL column lists, and below its lowest major", () => {
        const version = (instanceClass: string, engineVersion: string) =>
            withSet({ [`${rds}.instanceClass`]: instanceClass, [`${rds}.engineVersion`]: engineVersion });
        // db.m8gd, db.r8gd: "PostgreSQL 13.18 and higher, 14.17 and higher, 15.10 and higher, 16.6 and higher, 17.2 and higher, 18.1 and higher".
        assert.equal(version("db.r8gd.large", "16.6"), "accepted");
        assert.match(
            version("db.r8gd.large", "16.5"),
            /instanceClass = "db\.r8gd\.large": is a class RDS offers only for PostgreSQL 18\.1 and higher, 17\.2 and higher, 16\.6 and higher, 15\.10 and higher, 14\.17 and higher, 13\.18 and higher .*, and engineVersion is "16\.5"/,
        );
        assert.match(version("db.m8gd.large", "16.4"), /is a class RDS offers only for PostgreSQL 18\.1 and higher/);
        // db.r8g, db.m8g, db.m7i, db.r7i: "17.1 and higher, 16.1 and higher, 15.4 and higher, 14.9 and higher, and 13.11 and higher".
        assert.equal(version("db.r8g.large", "13.11"), "accepted");
        assert.match(version("db.r8g.large", "13.10"), /engineVersion is "13\.10"/);
        assert.match(version("db.m7i.large", "12.22"), /is a class RDS offers only for PostgreSQL 17\.1 and higher/);
        assert.equal(version("db.m7i.large", "16"), "accepted");
        // db.m6in, db.r6in: "... 12.11 and higher 12 versions, and 11.16 and higher 11 versions".
        assert.equal(version("db.m6in.large", "11.16"), "accepted");
        assert.match(version("db.m6in.large", "11.15"), /engineVersion is "11\.15"/);
        // db.m6id and kin: "All PostgreSQL 17, 16, and 15 versions, 14.5 and higher 14 versions, and 13.7 and higher 13 versions".
        assert.equal(version("db.r6idn.xlarge", "14.5"), "accepted");
        assert.match(version("db.r6idn.xlarge", "14.4"), /engineVersion is "14\.4"/);
    });

    for (const f of addedFamilies) {
        const family = f.real.split(".").slice(0, 2).join(".");
        it(`${family}: ${f.real} is taken with ${f.memoryGiB} GiB; ${f.nearMiss} is refused`, () => {
            // 17.2 is a version every added family's PostgreSQL column includes.
            assert.equal(parsedWith({ [`${rds}.instanceClass`]: f.real, [`${rds}.engineVersion`]: "17.2" }).clair.database.rds.memoryGiB, f.memoryGiB);
            assert.match(
                withSet({ [`${rds}.instanceClass`]: f.real, [`${rds}.engineVersion`]: "17.2", [`${rds}.instanceMemoryGiB`]: f.memoryGiB + 1 }),
                new RegExp(`instanceMemoryGiB = ${f.memoryGiB + 1}: differs from the ${f.memoryGiB} GiB of ${f.real.replace(/\./g, "\\.")}`),
            );
            const refused = withSet({ [`${rds}.instanceClass`]: f.nearMiss });
            assert.ok(
                refused.includes(`clair.database.rds.instanceClass = "${f.nearMiss}": is not among the classes the RDS User Guide lists for PostgreSQL`),
                refused,
            );
            assert.ok(refused.includes(`the guide lists ${family} for PostgreSQL in the sizes ${f.sizes}; choose one`), refused);
        });
    }
});

describe("URLs: read by the parser of the program that receives them", () => {
    // Go's net/url Parse: an authority only after exactly "//"; WHATWG finds a host in all three.
    it("Clair's webhook, callback and bundle URLs and the proxy have a host as Go's net/url reads them", () => {
        for (const field of ["clair.notifier.webhookTarget", "clair.notifier.webhookCallback"]) {
            assert.equal(withSet({ [field]: "https://hooks.example.com/x/" }), "accepted", field);
            for (const noHost of ["https:///hooks.example.com/x/", "https:/hooks.example.com/x/", "https:hooks.example.com/x/"]) {
                assert.match(
                    withSet({ [field]: noHost }),
                    new RegExp(`${field.replace(/\./g, "\\.")} = ".*": has no host as Go's net/url \\(which Clair and the exporters use\\) reads it`),
                    `${field} ${noHost}`,
                );
            }
        }
        // Go refuses control characters (stringContainsCTLByte) and a port that is not digits (validOptionalPort); WHATWG strips a tab.
        assert.match(withSet({ "clair.notifier.webhookTarget": "https://hooks.example.com/\tx" }), /has a control character .*which Go refuses/);
        assert.match(
            withSet({ "proxy.httpProxy": "http://proxy.example.com:31a8" }),
            /proxy\.httpProxy = ".*": has the port '31a8', which is not a number, read as Go's net\/http reads a proxy/,
        );
        assert.equal(withSet({ "proxy.httpProxy": "http://proxy.example.com:3128" }), "accepted");
        assert.match(withSet({ "proxy.httpProxy": "http:///proxy.example.com:3128" }), /proxy\.httpProxy = ".*": has no host as Go's net\/http reads a proxy/);
    });

    // Python's urlsplit: a netloc only after "//"; .port raises outside 0-65535.
    it("Malwar's webhook URLs have a host as Python's urllib reads them", () => {
        assert.equal(withSet({ "malwar.webhookUrls": ["https://hooks.example.com:65535/malwar"] }), "accepted");
        assert.match(
            withSet({ "malwar.webhookUrls": ["https:///hooks.example.com/malwar"] }),
            /malwar\.webhookUrls\.0 = ".*": has no host as Python's urllib \(which Malwar uses\) reads it/,
        );
        assert.match(withSet({ "malwar.webhookUrls": ["https://hooks.example.com:65536/malwar"] }), /has the port '65536', which is not 0-65535/);
    });
});

describe("proxies: as Clair's Go and freshclam read them", () => {
    // Go's net/url takes '_' and sub-delims in a host; libcurl's hostname_check (curl lib/urlapi.c),
    // which reads what freshclam hands CURLOPT_PROXY, takes '_' but refuses '!', '$', '&' and the like.
    it("a proxy host is one both readers take: '_' passes, a character libcurl refuses does not", () => {
        assert.equal(withSet({ "proxy.httpsProxy": "http://egress_proxy.corp.example:3128" }), "accepted");
        assert.match(
            withSet({ "proxy.httpsProxy": "http://egress!proxy.corp.example:3128" }),
            /proxy\.httpsProxy = "http:\/\/egress!proxy\.corp\.example:3128": has the host 'egress!proxy\.corp\.example', with '!', which libcurl refuses in a host name \(urlapi\.c hostname_check: CURLUE_BAD_HOSTNAME\)/,
        );
    });

    // golang.org/x/net/http/httpproxy parseProxy: without a scheme and host of its own, a value is read as "http://" + value.
    it("a proxy without a scheme is read as http://, by Clair's Go and by freshclam alike", () => {
        for (const [written, read] of [
            ["proxy.example.com:3128", "http://proxy.example.com:3128"],
            ["proxy.example.com", "http://proxy.example.com"],
            ["10.0.0.1:3128", "http://10.0.0.1:3128"],
            ["[fd00::1]:3128", "http://[fd00::1]:3128"],
        ]) {
            const cfg = parsedWith({ "proxy.httpsProxy": written });
            assert.equal(cfg.proxy.httpsProxy, read, written);
        }
        const cfg = parsedWith({ "proxy.httpsProxy": "proxy.example.com:3128" });
        assert.deepEqual(freshclamProxy(cfg.proxy), { server: "http://proxy.example.com", port: 3128 });
        // A value with "://" keeps its scheme: Go's retry would make "http:" a host name.
        assert.match(withSet({ "proxy.httpsProxy": "http:///proxy.example.com:3128" }), /has no host as Go's net\/http reads a proxy/);
    });

    // Go dials ports 1-65535; freshclam casts HTTPProxyPort to 16 bits and reads 0 as unset (then 8080).
    it("the port is 1-65535: 0 and 65536 are refused, naming what freshclam would make of them", () => {
        assert.equal(withSet({ "proxy.httpProxy": "http://proxy.example.com:65535" }), "accepted");
        assert.equal(withSet({ "proxy.httpProxy": "proxy.example.com:1" }), "accepted");
        assert.match(
            withSet({ "proxy.httpProxy": "http://proxy.example.com:65536" }),
            /proxy\.httpProxy = "http:\/\/proxy\.example\.com:65536": has the port 65536, which Go cannot dial and freshclam's 16-bit HTTPProxyPort would read as 0; must be 1-65535/,
        );
        assert.match(
            withSet({ "proxy.httpProxy": "proxy.example.com:0" }),
            /has the port 0, which Go cannot dial and freshclam reads as no port \(it would use 8080\)/,
        );
    });

    // net/http Transport.Proxy: "http", "https", "socks5" and "socks5h" are supported.
    it("schemes: Go's four, of which the program offers http and https", () => {
        assert.equal(withSet({ "proxy.httpsProxy": "https://proxy.example.com:3129" }), "accepted");
        assert.match(
            withSet({ "proxy.httpProxy": "ftp://proxy.example.com:21" }),
            /uses ftp:, which Go's net\/http \(Clair\) does not take for a proxy \(it takes http, https, socks5 and socks5h\)/,
        );
        assert.match(
            withSet({ "proxy.httpProxy": "socks5h://proxy.example.com:1080" }),
            /uses socks5h:, which Go's net\/http \(Clair\) takes but this program does not: freshclam reads the same value as an HTTP proxy/,
        );
        assert.match(
            withSet({ "proxy.httpProxy": "proxy.example.com:3128/pac" }),
            /has a path or query, which Go and freshclam ignore in a proxy: this program takes scheme, host and port only/,
        );
    });
});

describe("NO_PROXY entries: as Clair's Go reads them (httpproxy config.init)", () => {
    it("hosts, domains, IPs and networks are taken; an entry Go would split, skip or never match is refused", () => {
        assert.equal(
            withSet({
                "proxy.httpProxy": "http://proxy.example.com:3128",
                "proxy.noProxy": [".corp.example", "*.corp.example", "registry.corp.example:5000", "10.0.0.0/8", "10.1.2.3/32", "fd00::/8", "[fd00::1]:80"],
            }),
            "accepted",
        );
        const refused = (entry: string) => withSet({ "proxy.httpProxy": "http://proxy.example.com:3128", "proxy.noProxy": [entry] });
        assert.match(
            refused("a.example,b.example"),
            /proxy\.noProxy\.0 = "a\.example,b\.example": holds ',', which separates NO_PROXY entries: Go would read it as two/,
        );
        // net.ParseCIDR: an IPv4 prefix is at most 32 bits.
        assert.match(refused("10.0.0.0/33"), /proxy\.noProxy\.0 = "10\.0\.0\.0\/33": is not a network as Go's net\.ParseCIDR reads it/);
        assert.equal(withSet({ "proxy.httpProxy": "http://proxy.example.com:3128", "proxy.noProxy": ["10.0.0.0/32"] }), "accepted");
        assert.match(refused(":8080"), /has no host before its port, and Go skips such an entry/);
        assert.match(refused("*"), /proxy\.noProxy\.0 = "\*": is \*, with which Clair's Go bypasses the proxy for every host .*this program refuses it/);
    });
});

describe("ClamAV's private mirror: as freshclam reads PrivateMirror (freshclam.c get_server_node)", () => {
    it("a mirror without a scheme is read as http://, and written so", () => {
        assert.equal(parsedWith({ "clamav.privateMirror": "clamav-mirror.example.com" }).clamav.privateMirror, "http://clamav-mirror.example.com");
        assert.equal(
            parsedWith({ "clamav.privateMirror": "clamav-mirror.example.com:8080/db" }).clamav.privateMirror,
            "http://clamav-mirror.example.com:8080/db",
        );
        assert.equal(parsedWith({ "clamav.privateMirror": "https://clamav-mirror.example.com" }).clamav.privateMirror, "https://clamav-mirror.example.com");
    });

    // cli_strbcasestr(server, ".clamav.net"): "may not include servers under *.clamav.net".
    it("a value ending in .clamav.net is refused, in any case; one ending in .clamav.network is not", () => {
        assert.match(
            withSet({ "clamav.privateMirror": "https://mirror.ClamAV.net" }),
            /clamav\.privateMirror = "https:\/\/mirror\.ClamAV\.net": ends in \.clamav\.net, which freshclam refuses as a PrivateMirror/,
        );
        assert.equal(withSet({ "clamav.privateMirror": "https://mirror.clamav.network" }), "accepted");
    });

    // Each file is fetched from the value + "/" + its name.
    it("a query or fragment is refused: the file name would land inside it", () => {
        assert.match(
            withSet({ "clamav.privateMirror": "https://m.example.com/db?x=1" }),
            /has a query or fragment: freshclam fetches https:\/\/m\.example\.com\/db\?x=1\/main\.cvd/,
        );
        assert.match(withSet({ "clamav.privateMirror": "https://m.example.com/db#x" }), /has a query or fragment/);
        assert.equal(withSet({ "clamav.privateMirror": "https://m.example.com/db" }), "accepted");
    });

    it("schemes other than http and https, and a URL without a host, are refused", () => {
        assert.match(
            withSet({ "clamav.privateMirror": "ftp://m.example.com" }),
            /uses ftp:, which this program does not offer: ClamAV's private-mirror guide serves the databases over http or https/,
        );
        assert.match(
            withSet({ "clamav.privateMirror": "https://:8443/db" }),
            /clamav\.privateMirror = "https:\/\/:8443\/db": has no host \(libcurl: CURLUE_NO_HOST\)/,
        );
        // No "://": freshclam prefixes http://, and libcurl then reads the host 'https'.
        assert.match(
            withSet({ "clamav.privateMirror": "https:/m.example.com" }),
            /has no ':\/\/', so freshclam reads it as http:\/\/https:\/m\.example\.com, whose host is 'https'/,
        );
    });
});

// What freshclam hands libcurl (PrivateMirror + "/" + file, DatabaseCustomURL as written) is read by
// curl's URL API: lib/urlapi.c parseurl, junkscan, Curl_parse_port, hostname_check (curl master,
// read 2026-12-03); the boundaries below are that source's, not the program's.
describe("URLs freshclam fetches: as libcurl's URL API reads them (curl lib/urlapi.c)", () => {
    const custom = (u: string) => withSet({ "clamav.customDatabaseUrls": [u] });
    const mirror = (u: string) => withSet({ "clamav.privateMirror": u });

    it("one to three '/' after the scheme: four are refused (CURLUE_BAD_SLASHES)", () => {
        for (const ok of ["https:/sigs.example.net/x.ndb", "https://sigs.example.net/x.ndb", "https:///sigs.example.net/x.ndb"])
            assert.equal(custom(ok), "accepted", ok);
        assert.match(
            custom("https:////sigs.example.net/x.ndb"),
            /clamav\.customDatabaseUrls\.0 = "https:\/\/\/\/sigs\.example\.net\/x\.ndb": has 4 '\/' after 'https:', which libcurl refuses \(urlapi\.c: one to three, CURLUE_BAD_SLASHES\)/,
        );
        assert.equal(mirror("https:///m.example.com"), "accepted");
        assert.match(mirror("https:////m.example.com"), /clamav\.privateMirror = "https:\/\/\/\/m\.example\.com": has 4 '\/'/);
    });

    it("the port is decimal digits up to 65535 (0xffff); an empty port is the default; 0 is the program's refusal", () => {
        assert.equal(custom("https://sigs.example.net:65535/x.ndb"), "accepted");
        assert.match(
            custom("https://sigs.example.net:65536/x.ndb"),
            /customDatabaseUrls\.0 = "https:\/\/sigs\.example\.net:65536\/x\.ndb": has the port 65536, above libcurl's limit of 65535 \(Curl_parse_port: CURLUE_BAD_PORT_NUMBER\)/,
        );
        assert.equal(custom("https://sigs.example.net:/x.ndb"), "accepted");
        assert.match(custom("https://sigs.example.net:+443/x.ndb"), /has the port '\+443', which libcurl refuses: decimal digits only/);
        assert.equal(custom("https://sigs.example.net:1/x.ndb"), "accepted");
        assert.match(custom("https://sigs.example.net:0/x.ndb"), /has port 0, which libcurl parses but no server can listen on/);
        assert.equal(mirror("m.example.com:65535"), "accepted");
        assert.match(mirror("m.example.com:65536"), /has the port 65536, above libcurl's limit of 65535 .*, read as http:\/\/m\.example\.com:65536/);
    });

    it("a space or control byte anywhere is refused (junkscan: CURLUE_MALFORMED_INPUT), where the WHATWG parser escapes or strips it", () => {
        assert.match(
            custom("https://sigs.example.net/my sigs/x.ndb"),
            /has a space or control character, which libcurl refuses anywhere in a URL \(urlapi\.c junkscan: CURLUE_MALFORMED_INPUT\)/,
        );
        assert.match(mirror("https://m.example.com/db\t"), /has a space or control character/);
        assert.equal(custom("https://sigs.example.net/my%20sigs/x.ndb"), "accepted");
    });

    it("user info ends at the first '@', so a second one lands in the host (CURLUE_BAD_HOSTNAME)", () => {
        assert.equal(custom("https://user:pw@sigs.example.net/x.ndb"), "accepted");
        assert.match(
            custom("https://user@pw@sigs.example.net/x.ndb"),
            /has the host 'pw@sigs\.example\.net', with '@', which libcurl refuses in a host name \(urlapi\.c hostname_check: CURLUE_BAD_HOSTNAME\)/,
        );
    });

    it("host names: '_' and upper case are taken; hostname_check's characters are refused, also %-escaped", () => {
        assert.equal(mirror("https://clam_mirror.example.com"), "accepted");
        assert.equal(custom("https://Sigs.Example.NET/x.ndb"), "accepted");
        for (const c of ["!", "$", "*", "+", ",", ";", "=", "&", "'", "(", "{", "^"]) {
            assert.match(
                custom(`https://sigs${c}x.example.net/x.ndb`),
                /which libcurl refuses in a host name \(urlapi\.c hostname_check: CURLUE_BAD_HOSTNAME\)/,
                c,
            );
        }
        assert.match(custom("https://sigs%21x.example.net/x.ndb"), /has the host 'sigs!x\.example\.net', with '!'/);
        assert.equal(custom("https://[2001:db8::1]:8443/x.ndb"), "accepted");
        assert.match(custom("https://[2001:db8::g]/x.ndb"), /is not an IPv6 address \(libcurl: CURLUE_BAD_IPV6\)/);
    });
});

describe("Malwar's CORS origins: as Starlette's CORSMiddleware compares them", () => {
    // cors.py is_allowed_origin: `origin in self.allow_origins`, against the browser's serialized Origin.
    it("an origin is written as browsers send it: lower case, no default port, no path or trailing '/'", () => {
        for (const ok of ["https://app.example.com", "http://app.example.com:8080", "https://app.example.com:8443", "*"])
            assert.equal(withSet({ "malwar.corsOrigins": [ok] }), "accepted", ok);
        for (const [bad, sent] of [
            ["https://app.example.com/", "https://app.example.com"],
            ["https://App.example.com", "https://app.example.com"],
            ["https://app.example.com:443", "https://app.example.com"],
            ["http://app.example.com:80", "http://app.example.com"],
        ]) {
            assert.match(
                withSet({ "malwar.corsOrigins": [bad] }),
                new RegExp(
                    `malwar\\.corsOrigins\\.0 = "${bad.replace(/[.()/]/g, "\\$&")}": never equals the Origin header a browser sends \\("${sent.replace(/[.()/]/g, "\\$&")}"\\): Starlette, which Malwar uses, compares origins as exact strings`,
                ),
                bad,
            );
        }
    });

    // "*" in allow_origins allows every origin; "null" is matched as any other string.
    it("* stands alone, and null is the program's refusal", () => {
        assert.match(
            withSet({ "malwar.corsOrigins": ["*", "https://app.example.com"] }),
            /malwar\.corsOrigins = .*lists \* beside other origins: Starlette \(which Malwar uses\) then allows every origin/,
        );
        assert.match(
            withSet({ "malwar.corsOrigins": ["null"] }),
            /malwar\.corsOrigins\.0 = "null": is the origin browsers send from sandboxed frames and local files, .*so this program does not allow it/,
        );
    });
});

describe("durations: as Clair's config reads them (Go's time.ParseDuration)", () => {
    it("Go's spellings are taken: a leading '.', a trailing '.', both micro signs, a '+'", () => {
        for (const ok of [".5h", "1.h", "1h30m", "90s", "+6h", "1500µs", "1500μs", "1500us"])
            assert.equal(withSet({ "clair.matcher.period": ok }), "accepted", ok);
        for (const [bad, why] of [
            [".h", "is not a duration"],
            ["6", "has a number without a unit"],
            ["6d", "has the unit 'd', which Go does not know"],
            ["", "is not a duration"],
            ["-6h", "is negative"],
            ["0", "is zero"],
        ]) {
            assert.match(withSet({ "clair.matcher.period": bad }), new RegExp(`clair\\.matcher\\.period = "${bad.replace(/[.+]/g, "\\$&")}": ${why}`), bad);
        }
    });

    // time.ParseDuration: the most an int64 of nanoseconds holds.
    it("the longest is 2562047h47m16.854775807s: one nanosecond more is refused", () => {
        assert.equal(withSet({ "clair.matcher.period": "2562047h47m16.854775807s" }), "accepted");
        assert.match(withSet({ "clair.matcher.period": "2562047h47m16.854775808s" }), /is longer than Go's longest duration, 2562047h47m16\.854775807s/);
        assert.match(withSet({ "clair.matcher.period": "2562048h" }), /is longer than Go's longest duration/);
    });

    // clair/config notifier.go validate: a poll or delivery interval below 1s becomes the default 5s.
    it("the notifier's intervals are at least 1s, below which Clair uses its default", () => {
        for (const field of ["clair.notifier.pollInterval", "clair.notifier.deliveryInterval"]) {
            assert.equal(withSet({ [field]: "1s" }), "accepted", field);
            assert.match(
                withSet({ [field]: "999ms" }),
                new RegExp(`${field.replace(/\./g, "\\.")} = "999ms": is below 1s, which Clair replaces with its default 5s`),
                field,
            );
        }
    });
});

describe("log levels: spelled as the apps read them", () => {
    // Clair config/enums.go ParseLogLevel: strings.EqualFold with info, debug-color, debug, warn, error, fatal, panic.
    it("Clair takes its levels in any case; fatal and panic are the program's refusal", () => {
        for (const ok of ["DEBUG", "Info", "debug-color", "WARN"]) assert.equal(withSet({ "clair.logLevel": ok }), "accepted", ok);
        assert.match(
            withSet({ "clair.logLevel": "warning" }),
            /clair\.logLevel = "warning": must be one of debug, debug-color, info, warn, error \(in any case, as Clair reads them\)/,
        );
        assert.match(
            withSet({ "clair.logLevel": "Fatal" }),
            /clair\.logLevel = "Fatal": is a level Clair accepts but logs almost nothing at .*so this program refuses it/,
        );
    });
    // Malwar core/logging.py: getattr(logging, level.upper(), logging.INFO).
    it("Malwar takes Python's level names in any case", () => {
        for (const ok of ["debug", "Warning", "WARN", "critical"]) assert.equal(withSet({ "malwar.logLevel": ok }), "accepted", ok);
        assert.match(
            withSet({ "malwar.logLevel": "verbose" }),
            /malwar\.logLevel = "verbose": must be one of DEBUG, INFO, WARNING, WARN, ERROR, CRITICAL, FATAL \(in any case/,
        );
    });
});

// Scheduling fields of `<app>.pod`, by the API server's rules: k8s.io/apimachinery
// pkg/util/validation/validation.go (IsQualifiedName: optional DNS-1123 subdomain prefix of at most
// 253 and '/', then a name of at most 63 matching ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9];
// IsValidLabelValue: at most 63, the same pattern, or empty) and kubernetes
// pkg/apis/core/validation/validation.go (ValidateTolerations, validateAffinity and the functions
// it calls); the API reference's Toleration, NodeSelectorRequirement and PodAffinityTerm.
describe("pod scheduling: as the Kubernetes API server validates it", () => {
    const pod = (app: string, block: Record<string, unknown>) => withSet(Object.fromEntries(Object.entries(block).map(([k, v]) => [`${app}.pod.${k}`, v])));
    const name = (n: number) => "a".repeat(n);
    const subdomain = (n: number) => Array.from({ length: Math.ceil(n / 64) }, (_, i) => name(Math.min(63, n - i * 64))).join(".");

    it("a label key's name part is at most 63 characters, its prefix a DNS subdomain of at most 253", () => {
        assert.equal(subdomain(253).length, 253);
        assert.equal(pod("clair", { nodeSelector: { [name(63)]: "x" } }), "accepted");
        assert.match(
            pod("clair", { nodeSelector: { [name(64)]: "x" } }),
            /clair\.pod\.nodeSelector\.a{64} = "x": the key "a{64}" has a name of 64 characters, over the limit of 63/,
        );
        assert.equal(pod("clair", { nodeSelector: { [`${subdomain(253)}/zone`]: "x" } }), "accepted");
        assert.match(
            pod("clair", { nodeSelector: { [`${subdomain(254)}/zone`]: "x" } }),
            /has the prefix '.*', which is 254 characters long, over the limit of 253/,
        );
        // The name part may have upper case and '_'; the prefix is lower case; one '/' at most; neither part empty.
        assert.equal(pod("clair", { nodeSelector: { "example.com/My_Name.x-1": "x" } }), "accepted");
        assert.match(pod("clair", { nodeSelector: { "Example.com/zone": "x" } }), /has the prefix 'Example\.com'/);
        assert.match(pod("clair", { nodeSelector: { "a/b/c": "x" } }), /has more than one '\/'/);
        assert.match(pod("clair", { nodeSelector: { "/zone": "x" } }), /has the prefix '', which is empty/);
        assert.match(pod("clair", { nodeSelector: { "example.com/": "x" } }), /has an empty name/);
        assert.match(pod("clair", { nodeSelector: { "-zone": "x" } }), /has the name '-zone', which .*must start and end with a letter or digit/);
    });

    it("a label value is empty or at most 63 characters of the name pattern", () => {
        assert.equal(pod("malwar", { nodeSelector: { zone: name(63) } }), "accepted");
        assert.equal(pod("malwar", { nodeSelector: { zone: "" } }), "accepted");
        assert.match(
            pod("malwar", { nodeSelector: { zone: name(64) } }),
            /malwar\.pod\.nodeSelector\.zone = "a{64}": is 64 characters long, over the limit of 63/,
        );
        assert.match(
            pod("malwar", { nodeSelector: { zone: "a-" } }),
            /nodeSelector\.zone = "a-": may hold only letters, digits, '-', '_' and '\.', and must start and end with a letter or digit/,
        );
    });

    it("tolerations: Exists takes no value; an empty key needs Exists; the effect is one of three; tolerationSeconds only with NoExecute", () => {
        const tol = (t: Record<string, unknown>) => pod("clamav", { tolerations: [t] });
        assert.equal(tol({ key: "dedicated", operator: "Exists" }), "accepted");
        assert.match(tol({ key: "dedicated", operator: "Exists", value: "x" }), /clamav\.pod\.tolerations\.0\.value = "x": must be empty with operator Exists/);
        assert.equal(tol({ operator: "Exists" }), "accepted");
        assert.match(tol({ operator: "Equal", value: "x" }), /tolerations\.0\.operator = "Equal": must be Exists when key is empty/);
        for (const effect of ["NoSchedule", "PreferNoSchedule", "NoExecute"]) assert.equal(tol({ key: "k", operator: "Exists", effect }), "accepted", effect);
        assert.match(
            tol({ key: "k", operator: "Exists", effect: "NoExecution" }),
            /tolerations\.0\.effect = "NoExecution": must be one of NoSchedule, PreferNoSchedule, NoExecute/,
        );
        assert.equal(tol({ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 }), "accepted");
        assert.match(
            tol({ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 0 }),
            /tolerations\.0\.tolerationSeconds = 0: applies only with effect NoExecute/,
        );
        assert.match(tol({ key: "k", operator: "Exists", tolerationSeconds: 300 }), /tolerationSeconds = 300: applies only with effect NoExecute/);
        assert.match(tol({ key: "k", operator: "Equal", value: name(64) }), /tolerations\.0\.value = "a{64}": is 64 characters long, over the limit of 63/);
        // The API server takes -1 (treated as 0); the program asks for 0, and says so.
        assert.match(
            tol({ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: -1 }),
            /tolerationSeconds = -1: must be 0 or more: Kubernetes treats a negative value as 0/,
        );
    });

    it("node affinity: at least one required term; In and NotIn need values, Exists and DoesNotExist take none, Gt and Lt exactly one; matchFields is metadata.name In/NotIn one node", () => {
        const required = (terms: unknown[]) =>
            pod("clair", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
        const expr = (e: Record<string, unknown>) => required([{ matchExpressions: [e] }]);
        assert.match(
            required([]),
            /clair\.pod\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms = \[\]: must have at least one node selector term/,
        );
        assert.equal(expr({ key: "zone", operator: "In", values: ["a"] }), "accepted");
        assert.match(expr({ key: "zone", operator: "In", values: [] }), /matchExpressions\.0\.values = \[\]: must be given when operator is In/);
        assert.match(expr({ key: "zone", operator: "NotIn" }), /matchExpressions\.0\.values = \(unset\): must be given when operator is NotIn/);
        assert.equal(expr({ key: "zone", operator: "Exists" }), "accepted");
        assert.match(
            expr({ key: "zone", operator: "DoesNotExist", values: ["a"] }),
            /matchExpressions\.0\.values = \["a"\]: may not be given when operator is DoesNotExist/,
        );
        assert.equal(expr({ key: "cpus", operator: "Gt", values: ["4"] }), "accepted");
        assert.match(expr({ key: "cpus", operator: "Lt", values: ["4", "8"] }), /values = \["4","8"\]: must be exactly one value when operator is Lt, not 2/);
        assert.match(
            expr({ key: "zone", operator: "Near", values: ["a"] }),
            /matchExpressions\.0\.operator = "Near": must be one of In, NotIn, Exists, DoesNotExist, Gt, Lt/,
        );
        assert.match(expr({ key: "bad key", operator: "Exists" }), /matchExpressions\.0\.key = "bad key": has the name 'bad key'/);
        const field = (f: Record<string, unknown>) => required([{ matchFields: [f] }]);
        assert.equal(field({ key: "metadata.name", operator: "In", values: ["node-1"] }), "accepted");
        assert.match(
            field({ key: "metadata.labels", operator: "In", values: ["node-1"] }),
            /matchFields\.0\.key = "metadata\.labels": must be metadata\.name, the only field a node selector can match/,
        );
        assert.match(field({ key: "metadata.name", operator: "Exists", values: ["node-1"] }), /matchFields\.0\.operator = "Exists": must be In or NotIn/);
        assert.match(
            field({ key: "metadata.name", operator: "In", values: ["node-1", "node-2"] }),
            /matchFields\.0\.values = \["node-1","node-2"\]: must be exactly one node name with operator In, not 2/,
        );
    });

    it("weights of preferred terms are 1 to 100", () => {
        const preferred = (weight: number) =>
            pod("malwar", {
                affinity: {
                    nodeAffinity: {
                        preferredDuringSchedulingIgnoredDuringExecution: [{ weight, preference: { matchExpressions: [{ key: "zone", operator: "Exists" }] } }],
                    },
                },
            });
        const podPreferred = (weight: number) =>
            pod("malwar", {
                affinity: {
                    podAntiAffinity: {
                        preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } }],
                    },
                },
            });
        for (const ok of [1, 100]) {
            assert.equal(preferred(ok), "accepted", String(ok));
            assert.equal(podPreferred(ok), "accepted", String(ok));
        }
        for (const bad of [0, 101]) {
            assert.match(
                preferred(bad),
                new RegExp(`preferredDuringSchedulingIgnoredDuringExecution\\.0\\.weight = ${bad}: must be 1 to 100 \\(the API server's range for a weight\\)`),
            );
            assert.match(
                podPreferred(bad),
                new RegExp(`podAntiAffinity\\.preferredDuringSchedulingIgnoredDuringExecution\\.0\\.weight = ${bad}: must be 1 to 100`),
            );
        }
    });

    it("pod affinity terms: a topologyKey that is a label key, label selectors and namespaces by their rules, match/mismatchLabelKeys only with a labelSelector", () => {
        const term = (t: Record<string, unknown>) => pod("clamav", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [t] } } });
        assert.equal(term({ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "db" } } }), "accepted");
        assert.match(term({ topologyKey: "" }), /requiredDuringSchedulingIgnoredDuringExecution\.0\.topologyKey = "": has an empty name/);
        assert.match(
            term({ labelSelector: { matchLabels: { app: "db" } } }),
            /requiredDuringSchedulingIgnoredDuringExecution\.0\.topologyKey = \(unset\): is required \(the API server: "can not be empty"\); must be a node label key/,
        );
        assert.match(
            term({ topologyKey: "zone", labelSelector: { matchExpressions: [{ key: "app", operator: "In" }] } }),
            /labelSelector\.matchExpressions\.0\.values = \(unset\): must be given when operator is In/,
        );
        assert.match(
            term({ topologyKey: "zone", labelSelector: { matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] } }),
            /matchExpressions\.0\.values = \["x"\]: must be empty when operator is Exists/,
        );
        assert.match(
            term({ topologyKey: "zone", labelSelector: { matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] } }),
            /matchExpressions\.0\.operator = "Gt": must be one of In, NotIn, Exists, DoesNotExist/,
        );
        assert.match(
            term({ topologyKey: "zone", labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: [name(64)] }] } }),
            /matchExpressions\.0\.values\.0 = "a{64}": is 64 characters long/,
        );
        assert.equal(term({ topologyKey: "zone", namespaces: [name(63)] }), "accepted");
        assert.match(
            term({ topologyKey: "zone", namespaces: [name(64)] }),
            /namespaces\.0 = "a{64}": is 64 characters long, over the limit of 63; must be a namespace name/,
        );
        assert.match(term({ topologyKey: "zone", namespaces: ["Team_A"] }), /namespaces\.0 = "Team_A": may hold only lower-case letters/);
        assert.equal(term({ topologyKey: "zone", labelSelector: { matchLabels: { app: "db" } }, matchLabelKeys: ["pod-template-hash"] }), "accepted");
        assert.match(
            term({ topologyKey: "zone", matchLabelKeys: ["pod-template-hash"] }),
            /matchLabelKeys = \["pod-template-hash"\]: must not be given when labelSelector is not set/,
        );
        assert.match(
            term({ topologyKey: "zone", labelSelector: {}, matchLabelKeys: ["k"], mismatchLabelKeys: ["k"] }),
            /matchLabelKeys\.0 = "k": has "k", which is also in mismatchLabelKeys; a key may be in only one/,
        );
    });
});
