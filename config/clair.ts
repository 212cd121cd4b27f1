/** Clair's part of the stack config, and the one place its connection pools are planned. */
import { z } from "zod";
import { autoscalingIssues, autoscalingSchema, mostReplicas, type AutoscalingConfig } from "./autoscaling";
import { podSettingsSchema } from "./pod";
import { CLAIR_MODES, MIN_POOL, planPools, UPDATER_PODS, type ClairMode, type PoolPlan } from "../lib/clair-pools";
import {
    knownInstanceClasses,
    maxConnectionsFor,
    RDS_CLASS_TABLE_EDITION,
    RDS_POSTGRESQL_FAMILY_LIMITS,
    RDS_POSTGRESQL_FAMILY_MINIMUMS,
} from "../policy/lib/rds";
import { clairVersion, RHEL_SCANNER_KEYS } from "../lib/clair-config";
import { quantityToNumber } from "../policy/lib/quantity";
import { overrideProblems } from "../lib/clair-config-keys";
import {
    backupWindow,
    backupWindowMinutes,
    belowFloor,
    bool,
    configMapKey,
    cronSchedule,
    goDuration,
    goDurationAtLeastOneSecond,
    guaranteedResources,
    hostname,
    maintenanceWindow,
    maintenanceWindowMinutes,
    objectName,
    pinnedImage,
    quantity,
    relativePath,
    replicas,
    uid,
    url,
    windowsOverlap,
} from "./primitives";

/** superuser_reserved_connections of a stock PostgreSQL, plus one for pg_isready probes. */
export const IN_CLUSTER_RESERVED_CONNECTIONS = 5;

/** Red Hat Quay's sizing guide: "Clair database: minimum 5 GB required for security metadata". */
export const CLAIR_DATABASE_MINIMUM = "5G";

/**
 * RDS's rule for the storage autoscaling ceiling (Amazon RDS User Guide, "Managing capacity
 * automatically with Amazon RDS storage autoscaling"): the maximum storage threshold must be at
 * least 10% more than the allocated storage (1000 GiB allocated: at least 1100 GiB), or RDS
 * answers "Invalid max storage size".
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html
 */
export function leastStorageCeilingGiB(allocatedGiB: number): number {
    return Math.ceil((allocatedGiB * 11) / 10);
}

/** gp3's size range for RDS for PostgreSQL, in GiB. */
const RDS_GP3_MIN_GIB = 20;
const RDS_GP3_MAX_GIB = 65536;

/** RDS names a DB instance class db.<type>.<size> (db.m6g.large, db.r7g.2xlarge, db.t4g.micro). */
const INSTANCE_CLASS = /^db\.[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/** RDS PostgreSQL settings shared by every database the program creates. */
export const rdsSchema = z
    .strictObject({
        instanceClass: z
            .string({ error: "must be an RDS instance class such as db.m6g.large" })
            .regex(INSTANCE_CLASS, { error: "must be an RDS instance class: db.<type>.<size>, such as db.m6g.large" })
            .default("db.m6g.large")
            .describe(
                "class of each of the three instances (`db.<type>.<size>`). `policy/lib/rds-instance-classes.ts` " +
                    "holds the 263 classes the RDS User Guide lists for PostgreSQL with their vCPUs and memory: 156 from the guide's GitHub " +
                    "edition of 2023-06-09 and 107 of the families added since (db.m8g, db.m8gd, db.m7i, db.m6id, db.m6idn, db.m6in, db.r8g, " +
                    'db.r8gd, db.r7i, db.r6id, db.r6idn, db.r6in) from the current "Supported DB engines for DB instance classes" and ' +
                    '"Hardware specifications for DB instance classes" pages. A size the table lacks in a family it knows is refused with the ' +
                    "family's sizes listed (set `instanceMemoryGiB` for a size AWS adds later); a class of an unknown family needs " +
                    "`instanceMemoryGiB`. Refused as the engine page says: db.m3, db.r3, db.m4, db.r4 and db.t2 (deprecated for PostgreSQL), " +
                    "db.x2idn from `engineVersion` 16 on, and a class of an added family below the lowest minor the page lists for its major " +
                    "(db.m8gd and db.r8gd need 16.6 on 16, so not the default 16.4)",
            ),
        /** The class's memory, for a class not in policy/lib/rds-instance-classes.ts: the pools are sized from it. */
        instanceMemoryGiB: z
            .number({ error: "must be a number of GiB" })
            .positive({ error: "must be more than 0 (GiB)" })
            .optional()
            .describe(
                "the class's memory in GiB (AWS: Hardware specifications for DB instance classes), for a class the " +
                    "table lacks: `max_connections` and the pools are sized from it",
            ),
        // YAML and `pulumi config set --path` read an unquoted 16.4 as a number: taken as the version
        // it spells. (Quote versions that end in 0: YAML reads 16.10 as 16.1.)
        engineVersion: z
            .union([z.string(), z.number()], { error: "must be a PostgreSQL version such as 16.4" })
            .transform(String)
            .pipe(z.string().regex(/^\d+(\.\d+)?$/, { error: "must be a PostgreSQL version such as 16.4 (major, or major.minor)" }))
            .default("16.4")
            .describe("PostgreSQL version; an unquoted 16.4 is read as 16.4, but quote versions ending in 0 (YAML reads " + "16.10 as 16.1)"),
        // RDS User Guide, "Amazon RDS DB instance storage": gp3 (components/aws/postgres.ts) takes 20 GiB-64 TiB for PostgreSQL.
        allocatedStorageGiB: z
            .int({ error: "must be a whole number of GiB" })
            .min(RDS_GP3_MIN_GIB, { error: `must be at least ${RDS_GP3_MIN_GIB} (RDS's minimum for gp3 storage, which the program uses)` })
            .max(RDS_GP3_MAX_GIB, { error: `must be at most ${RDS_GP3_MAX_GIB} (RDS's maximum for PostgreSQL, 64 TiB)` })
            .default(100)
            .describe("20 to 65536: gp3's range for RDS for PostgreSQL (RDS User Guide, DB instance storage); the program " + "always uses gp3"),
        maxAllocatedStorageGiB: z
            .int({ error: "must be a whole number of GiB" })
            .min(0, { error: "must be 0 (no storage autoscaling) or more" })
            .max(RDS_GP3_MAX_GIB, { error: `must be at most ${RDS_GP3_MAX_GIB} (RDS's maximum for PostgreSQL, 64 TiB)` })
            .default(500)
            .describe(
                "storage autoscaling ceiling (0 = off); RDS requires at least 10% more than `allocatedStorageGiB` " +
                    "(110 for 100), at most 65536, so from 59579 GiB allocated it must be 0",
            ),
        backupRetentionDays: z
            .int({ error: "must be a whole number of days" })
            .min(30, { error: "must be at least 30 days: this program's backup policy keeps daily backups 30 days (RDS allows 0 to 35)" })
            .max(35, { error: "must be at most 35 (the RDS maximum)" })
            .default(30)
            .describe("30 to 35: RDS allows 0 to 35; below 30 is the program's backup policy (daily backups kept 30 days)"),
        backupWindow: backupWindow.default("03:00-04:00").describe("UTC, at least 30 minutes (RDS's rule); may wrap past midnight"),
        maintenanceWindow: maintenanceWindow
            .default("sun:05:00-sun:06:00")
            .describe("UTC, days in lower case, at least 30 minutes, sharing no minute with the daily backup window (RDS's " + "rules)"),
        multiAz: bool.default(false).describe("each instance with a standby in a second Availability Zone (RDS Multi-AZ)"),
        /** Lets an engineVersion of a new major version upgrade the instances in place (docs/operations.md: Upgrading PostgreSQL). */
        allowMajorVersionUpgrade: bool
            .default(false)
            .describe(
                "`true` lets a new major `engineVersion` upgrade the instances in place (RDS refuses it otherwise), " +
                    "and applies instance changes during the update instead of the maintenance window; each instance gets " +
                    "a parameter group of the new family under a new name ([Upgrading " +
                    "PostgreSQL](operations.md#upgrading-postgresql-rds-major-version))",
            ),
        deletionProtection: bool.default(true).describe("also decides the final snapshot"),
        protect: bool.default(false).describe("Pulumi `protect`"),
        /** Connections kept free for superusers, migrations and monitoring. */
        reservedConnections: z
            .int({ error: "must be a whole number" })
            .min(3, { error: "must be at least 3" })
            .default(20)
            .describe("connections kept out of the pools"),
    })
    .prefault({})
    .superRefine((rds, ctx) => {
        const known = knownInstanceClasses[rds.instanceClass];
        const family = rds.instanceClass.split(".").slice(0, 2).join(".");
        const sizes = Object.keys(knownInstanceClasses)
            .filter((c) => c.startsWith(`${family}.`))
            .map((c) => c.slice(family.length + 1))
            .reverse();
        if (INSTANCE_CLASS.test(rds.instanceClass) && known === undefined && rds.instanceMemoryGiB === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["instanceClass"],
                input: rds.instanceClass,
                message:
                    `is not among the classes the RDS User Guide lists for PostgreSQL in the program's table (${RDS_CLASS_TABLE_EDITION}), and the connection pools are sized from the class's memory; ` +
                    (sizes.length > 0
                        ? `the guide lists ${family} for PostgreSQL in the sizes ${sizes.join(", ")}; choose one, or for a size AWS added later `
                        : "") +
                    "set clair.database.rds.instanceMemoryGiB to the class's memory in GiB (AWS: Hardware specifications for DB instance classes)",
            });
        }
        if (known !== undefined && rds.instanceMemoryGiB !== undefined && rds.instanceMemoryGiB !== known) {
            ctx.addIssue({
                code: "custom",
                path: ["instanceMemoryGiB"],
                input: rds.instanceMemoryGiB,
                message: `differs from the ${known} GiB of ${rds.instanceClass} in the program's table (RDS User Guide, hardware specifications); remove it, or correct it to ${known}`,
            });
        }
        const familyLimit = RDS_POSTGRESQL_FAMILY_LIMITS[family];
        const major = Number(rds.engineVersion.split(".")[0]);
        if (familyLimit && "deprecated" in familyLimit) {
            ctx.addIssue({
                code: "custom",
                path: ["instanceClass"],
                input: rds.instanceClass,
                message: "is a class RDS lists as deprecated for PostgreSQL, which RDS does not create; choose a current class such as db.m6g.large",
            });
        } else if (familyLimit && major >= familyLimit.belowMajor) {
            ctx.addIssue({
                code: "custom",
                path: ["instanceClass"],
                input: rds.instanceClass,
                message: `is a class RDS offers only for PostgreSQL lower than ${familyLimit.belowMajor}, and engineVersion is ${JSON.stringify(rds.engineVersion)}; choose a current class such as db.m6g.large`,
            });
        }
        const minimums = RDS_POSTGRESQL_FAMILY_MINIMUMS[family];
        if (minimums) {
            const [majorText, minorText] = rds.engineVersion.split(".");
            const lowestMajor = Math.min(...Object.keys(minimums).map(Number));
            const minimum = minimums[Number(majorText)];
            const tooLow = Number(majorText) < lowestMajor || (minimum !== undefined && minorText !== undefined && Number(minorText) < minimum);
            if (tooLow) {
                const offered = Object.entries(minimums)
                    .sort(([a], [b]) => Number(b) - Number(a))
                    .map(([major, minor]) => `${major}.${minor} and higher`)
                    .join(", ");
                ctx.addIssue({
                    code: "custom",
                    path: ["instanceClass"],
                    input: rds.instanceClass,
                    message: `is a class RDS offers only for PostgreSQL ${offered} (RDS User Guide, Supported DB engines for DB instance classes), and engineVersion is ${JSON.stringify(rds.engineVersion)}; raise engineVersion or choose another class`,
                });
            }
        }
        const least = leastStorageCeilingGiB(rds.allocatedStorageGiB);
        if (rds.maxAllocatedStorageGiB !== 0 && least > RDS_GP3_MAX_GIB) {
            ctx.addIssue({
                code: "custom",
                path: ["maxAllocatedStorageGiB"],
                input: rds.maxAllocatedStorageGiB,
                message: `must be 0 (no storage autoscaling): allocatedStorageGiB ${rds.allocatedStorageGiB} leaves no ceiling 10% above it within RDS's maximum of ${RDS_GP3_MAX_GIB}`,
            });
        } else if (rds.maxAllocatedStorageGiB !== 0 && rds.maxAllocatedStorageGiB < least) {
            ctx.addIssue({
                code: "custom",
                path: ["maxAllocatedStorageGiB"],
                input: rds.maxAllocatedStorageGiB,
                message: `must be 0 (no storage autoscaling) or at least ${least}: RDS requires the autoscaling ceiling to be at least 10% more than allocatedStorageGiB ${rds.allocatedStorageGiB}`,
            });
        }
        const backup = backupWindowMinutes(rds.backupWindow);
        const maintenance = maintenanceWindowMinutes(rds.maintenanceWindow);
        if (backup && maintenance && windowsOverlap(backup, maintenance)) {
            ctx.addIssue({
                code: "custom",
                path: ["maintenanceWindow"],
                input: rds.maintenanceWindow,
                message: `overlaps the daily backup window ${JSON.stringify(rds.backupWindow)}, which RDS does not allow; must not share a minute with it (one may start where the other ends)`,
            });
        }
    })
    // The memory the pools are sized from: the table's, or the one stated for a class it lacks.
    .transform((rds) => ({ ...rds, memoryGiB: rds.instanceMemoryGiB ?? knownInstanceClasses[rds.instanceClass] }));

/**
 * Clair's log levels (config/enums.go ParseLogLevel: strings.EqualFold against info, debug-color,
 * debug, warn, error, fatal, panic), in any case. fatal and panic Clair takes too, but its comment
 * says they "will result in almost no logging" (neither Clair nor claircore logs at them), so
 * they are refused here.
 */
const CLAIR_LOG_LEVELS = ["debug", "debug-color", "info", "warn", "error"];
const clairLogLevel = z.string({ error: `must be one of ${CLAIR_LOG_LEVELS.join(", ")}` }).superRefine((level, ctx) => {
    if (CLAIR_LOG_LEVELS.includes(level.toLowerCase())) return;
    const silent = ["fatal", "panic"].includes(level.toLowerCase());
    ctx.addIssue({
        code: "custom",
        input: level,
        message: `${silent ? "is a level Clair accepts but logs almost nothing at (neither Clair nor claircore logs at it), so this program refuses it; " : ""}must be one of ${CLAIR_LOG_LEVELS.join(", ")} (in any case, as Clair reads them)`,
    });
});

/**
 * How long a Clair pod may take to start before liveness takes over, in minutes. A first start
 * runs the database migrations (and the matcher's first vulnerability load); on a large database
 * that is tens of minutes. Quay's operator allows 50: its Clair Deployment's startupProbe tries
 * every 10 s, 300 times (quay/quay-operator kustomize/components/clair/clair.deployment.yaml,
 * since commit 1485d652, 2021; unchanged at 328d8864, 2026-06-03).
 */
export const CLAIR_STARTUP_MINUTES_DEFAULT = 50;

/**
 * Update operations the matcher keeps per updater: after each updater run, garbage collection
 * deletes older ones and the vulnerabilities only they referenced. 10 is Clair v4.8.0's own
 * default (config/defaults.go DefaultUpdateRetention); 2 is its floor, the fewest with which the
 * notifier can compare an update with the one before (config/matcher.go).
 */
export const CLAIR_UPDATE_RETENTION_DEFAULT = 10;
export const CLAIR_UPDATE_RETENTION_MINIMUM = 2;
/** The key's value for garbage collection off (docs/configuration.md: the warning in its description). */
export const CLAIR_UPDATE_RETENTION_GC_OFF = 0;

// Clair v4.8.0 (config/matcher.go, Matcher.validate) never refuses a value here: it raises 0 and 1
// to its default and turns garbage collection off for a negative one. The key keeps one spelling
// per meaning: 0 is off (lib/clair-config.ts writes what Clair reads so), 1 and negative values,
// whose file would not do what it says, are refused with what Clair would have done.
const updateRetention = z.int({ error: "must be a whole number (update operations kept per updater)" }).superRefine((n, ctx) => {
    if (n < 0) {
        ctx.addIssue({
            code: "custom",
            input: n,
            message:
                `is negative; must be ${CLAIR_UPDATE_RETENTION_MINIMUM} or more (Clair's default: ${CLAIR_UPDATE_RETENTION_DEFAULT}), ` +
                `or ${CLAIR_UPDATE_RETENTION_GC_OFF} to turn garbage collection off (the matcher's database then grows with every updater run until it fills)`,
        });
    } else if (n !== CLAIR_UPDATE_RETENTION_GC_OFF && n < CLAIR_UPDATE_RETENTION_MINIMUM) {
        ctx.addIssue({
            code: "custom",
            input: n,
            message:
                `is below ${CLAIR_UPDATE_RETENTION_MINIMUM}, Clair's minimum (the notifier compares each update with the one before): Clair v4.8.0 would silently keep ${CLAIR_UPDATE_RETENTION_DEFAULT} instead; ` +
                `must be ${CLAIR_UPDATE_RETENTION_MINIMUM} or more, or ${CLAIR_UPDATE_RETENTION_GC_OFF} to turn garbage collection off`,
        });
    }
});

/**
 * Index requests one indexer pod takes at once before it answers 429, unless set: Clair v4.8.0's
 * own sizing in the pod, written out (config/indexer.go: GOMAXPROCS x 4 for 0; initialize/auto
 * sets GOMAXPROCS to the cgroup's CPU quota in whole cores, rounded down). At least one core's
 * worth: under one core Clair keeps Go's GOMAXPROCS, the node's core count.
 */
export const INDEX_REQUESTS_PER_CORE = 4;
export function defaultIndexReportRequestConcurrency(cpu: string): number {
    return INDEX_REQUESTS_PER_CORE * Math.max(1, Math.floor(quantityToNumber(cpu)));
}

// 0 hands the limit back to Clair's sizing (from the node's cores where there is no CPU quota),
// a negative value removes it: every request is admitted and a burst meets full memory, scratch
// claim and pool instead of a 429 Quay retries. Clair accepts both, so they are refused here.
const indexReportRequestConcurrency = z.int({ error: "must be a whole number (index requests at once per indexer pod)" }).superRefine((n, ctx) => {
    if (n < 0) {
        ctx.addIssue({
            code: "custom",
            input: n,
            message:
                "removes Clair's limit (any negative value does): every index request is admitted, and a burst meets a full layer claim, memory and database pool instead of a 429 that Quay retries; " +
                `must be 1 or more (default: ${INDEX_REQUESTS_PER_CORE} per whole CPU of clair.indexer.resources)`,
        });
    } else if (n === 0) {
        ctx.addIssue({
            code: "custom",
            input: n,
            message:
                `leaves the limit to Clair's guess, ${INDEX_REQUESTS_PER_CORE} per core Go sees (the node's cores where the pod has no CPU limit); ` +
                `must be 1 or more, or remove the key for ${INDEX_REQUESTS_PER_CORE} per whole CPU of clair.indexer.resources`,
        });
    }
});

/**
 * Seconds between a waiting indexer's tries for a manifest's scan lock: 1 is Clair v4.8.0's
 * default (config/defaults.go DefaultScanLockRetry), above 10 its lint warns. claircore v1.5.32
 * does not read it (its lock waits with a backoff of its own), so it changes nothing today.
 */
export const CLAIR_SCANLOCK_RETRY_DEFAULT = 1;
export const CLAIR_SCANLOCK_RETRY_MAXIMUM = 10;
const scanlockRetry = z.int({ error: "must be a whole number of seconds" }).superRefine((n, ctx) => {
    if (n < 1) {
        ctx.addIssue({
            code: "custom",
            input: n,
            message: `must be 1 to ${CLAIR_SCANLOCK_RETRY_MAXIMUM} seconds (Clair replaces 0 with its default, ${CLAIR_SCANLOCK_RETRY_DEFAULT}, and has no meaning for a negative value)`,
        });
    } else if (n > CLAIR_SCANLOCK_RETRY_MAXIMUM) {
        ctx.addIssue({
            code: "custom",
            input: n,
            message: `is above ${CLAIR_SCANLOCK_RETRY_MAXIMUM}, where Clair warns that large values increase latency; must be 1 to ${CLAIR_SCANLOCK_RETRY_MAXIMUM} seconds`,
        });
    }
});

/**
 * The updater sets claircore v1.5.32 registers (updater/defaults/defaults.go), which Clair v4.8.0
 * runs when updaters.sets is absent. A name not among them selects nothing, silently
 * (libvuln/updates WithEnabled keeps only the registered factories whose name matches).
 */
export const CLAIR_UPDATER_SETS = ["alpine", "aws", "clair.cvss", "debian", "oracle", "osv", "photon", "rhcc", "rhel-vex", "suse", "ubuntu"] as const;

const updaterSets = z
    .array(z.string({ error: "must be a list of updater set names" }), { error: `must be a list of updater set names (${CLAIR_UPDATER_SETS.join(", ")})` })
    .superRefine((sets, ctx) => {
        if (sets.length === 0) {
            ctx.addIssue({
                code: "custom",
                input: sets,
                message:
                    "is empty, which runs no updater at all (the matcher would have no vulnerability data); list the sets to run, " +
                    "remove the key for all of them, or set clair.disconnected.enabled: true to import the data instead",
            });
        }
        sets.forEach((set, i) => {
            if (!(CLAIR_UPDATER_SETS as readonly string[]).includes(set)) {
                ctx.addIssue({
                    code: "custom",
                    path: [i],
                    input: set,
                    message: `is not an updater set Clair 4.8.0 has, so it would select nothing without an error; must be one of ${CLAIR_UPDATER_SETS.join(", ")}`,
                });
            } else if (sets.indexOf(set) !== i) {
                ctx.addIssue({ code: "custom", path: [i], input: set, message: "is listed twice; list each set once" });
            }
        });
    });

// Clair hands each block to the updater (or updater set) of that name as JSON; a block that is
// not a mapping fails the set's configuration, and with it the matcher's start.
const updaterConfig = z.record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, { error: "must be an updater or updater set name, such as rhel-vex or ubuntu" }),
    z.record(z.string(), z.unknown(), { error: "must be a mapping of the updater's own settings (such as url: https://...)" }),
    { error: "must be a mapping from updater or updater set names to their settings" },
);

/**
 * The file names Red Hat publishes the two mappings under (claircore v1.5.32:
 * rhel.DefaultRepo2CPEMappingURL, rhcc.DefaultName2ReposMappingURL), the default ConfigMap keys.
 */
export const RHEL_REPO2CPE_FILE = "repository-to-cpe.json";
export const RHEL_NAME2REPOS_FILE = "container-name-repos-map.json";

type RhelMappingsInput = { enabled: boolean; rhelMappings: { configMap?: string; repo2cpeKey: string; name2reposKey: string } };

function rhelMappingsIssues(offline: RhelMappingsInput, overrides: Record<string, unknown>, ctx: z.RefinementCtx): void {
    const mappings = offline.rhelMappings;
    const at = (key: string) => ["disconnected", "rhelMappings", key];
    if (offline.enabled && mappings.configMap === undefined) {
        ctx.addIssue({
            code: "custom",
            path: at("configMap"),
            input: mappings.configMap,
            message:
                `is required when clair.disconnected.enabled is true: the name of a ConfigMap in the namespace holding Red Hat's ${RHEL_REPO2CPE_FILE} and ${RHEL_NAME2REPOS_FILE}, ` +
                "carried across the gap with the bundle. Offline the indexer cannot fetch them (indexer.airgap), and without the first one, claircore's rhel repository scanner " +
                "fails every layer scan, so every index report fails (README: Clair disconnected mode)",
        });
    }
    if (!offline.enabled) {
        const set = {
            configMap: mappings.configMap,
            repo2cpeKey: mappings.repo2cpeKey !== RHEL_REPO2CPE_FILE ? mappings.repo2cpeKey : undefined,
            name2reposKey: mappings.name2reposKey !== RHEL_NAME2REPOS_FILE ? mappings.name2reposKey : undefined,
        };
        for (const [key, value] of Object.entries(set)) {
            if (value === undefined) continue;
            ctx.addIssue({
                code: "custom",
                path: at(key),
                input: value,
                message:
                    "is used only in disconnected mode: connected, the indexer's RHEL scanners fetch the mapping files from Red Hat themselves; set clair.disconnected.enabled: true, or remove this key",
            });
        }
    }
    if (mappings.repo2cpeKey === mappings.name2reposKey) {
        ctx.addIssue({
            code: "custom",
            path: at("name2reposKey"),
            input: mappings.name2reposKey,
            message: `is the same key as clair.disconnected.rhelMappings.repo2cpeKey; the two files are different mappings, so each needs a key of its own (defaults: ${RHEL_REPO2CPE_FILE}, ${RHEL_NAME2REPOS_FILE})`,
        });
    }
    if (!offline.enabled) return;
    // configOverrides may configure these scanners otherwise (disable_api, timeout), but not where
    // their mapping comes from: the program mounts the files and names them.
    const scanner = (overrides.indexer as { scanner?: Record<string, Record<string, Record<string, unknown>> | undefined> } | undefined)?.scanner;
    for (const keys of RHEL_SCANNER_KEYS) {
        const block = scanner?.[keys.kind]?.[keys.scanner];
        if (block === null || typeof block !== "object") continue;
        for (const key of [keys.file, keys.url]) {
            if (!(key in block)) continue;
            ctx.addIssue({
                code: "custom",
                path: ["configOverrides", "indexer", "scanner", keys.kind, keys.scanner, key],
                input: (block as Record<string, unknown>)[key],
                message:
                    key === keys.file
                        ? "is a key this program owns in disconnected mode: it names the file mounted from clair.disconnected.rhelMappings; change the ConfigMap or its keys there"
                        : "would make the scanner fetch its mapping, which disconnected mode does not do (indexer.airgap, no egress); the mapping comes from clair.disconnected.rhelMappings: remove this key",
            });
        }
    }
}

export const clairSchema = z
    .strictObject({
        image: pinnedImage.default("quay.io/projectquay/clair:4.8.0").describe("pinned Clair image"),
        host: hostname.default("clair.example.com").describe("the one host of the three paths"),
        /** How the three paths are exposed: OpenShift Routes or a Kubernetes Ingress. */
        exposure: z.enum(["route", "ingress"], { error: "must be 'route' or 'ingress'" }).default("route").describe("`route` (OpenShift) or `ingress`"),
        ingressClassName: objectName.default("nginx").describe("with `ingress`"),
        tlsSecretName: objectName.optional().meta({
            description: "TLS Secret of the Ingress",
            defaultText: "(none; required with `ingress`)",
        }),
        logLevel: clairLogLevel
            .default("info")
            .describe(
                "debug, debug-color, info, warn, error, in any case (Clair's `ParseLogLevel`); fatal and panic, which " +
                    "Clair takes but logs almost nothing at, are refused",
            ),
        runAsUser: uid.default(65534).describe("numeric uid (the image's `nobody`)"),
        startupMinutes: z
            .int({ error: "must be a whole number of minutes" })
            .min(1, { error: "must be at least 1 (minutes)" })
            .max(24 * 60, { error: "must be at most 1440 (a day, in minutes)" })
            .default(CLAIR_STARTUP_MINUTES_DEFAULT)
            .describe(
                "minutes a Clair pod may take to start (migrations on a large database, the matcher's first " +
                    "vulnerability load) before liveness takes over: the startup probe tries /readyz every 10 s; 50 is " +
                    "what Quay's operator allows (`quay/quay-operator` " +
                    "`kustomize/components/clair/clair.deployment.yaml`: 300 tries x 10 s)",
            ),
        indexer: z
            .strictObject({
                replicas: replicas(500).default(1).describe("indexer pods"),
                autoscaling: autoscalingSchema(500),
                resources: guaranteedResources("2", "2Gi").describe("per container, requests = limits"),
                storageClass: objectName.default("gp2").describe("class of the per-pod claim"),
                storageSize: quantity("bytes", "100Gi")
                    .default("100Gi")
                    .describe("per-pod claim; sizes need a byte unit (`Gi`, `Mi`, ...): a bare `100` is 100 bytes"),
                layerScanConcurrency: z
                    .int({ error: "must be a whole number" })
                    .min(1, { error: "must be 1 or more" })
                    .default(5)
                    .describe("Clair `layer_scan_concurrency`"),
                /** Unset: INDEX_REQUESTS_PER_CORE per whole CPU of resources (filled in below). */
                indexReportRequestConcurrency: indexReportRequestConcurrency.optional().meta({
                    description:
                        "Clair `index_report_request_concurrency`: index requests one indexer pod takes at once; past it the " +
                        "pod answers 429 (`clair_http_concurrencylimited_total`, " +
                        "[ClairRequestsConcurrencyLimited](operations.md#clairrequestsconcurrencylimited)) and Quay retries. " +
                        "Unset, the program writes what Clair v4.8.0 would size on its own in the pod (4 x GOMAXPROCS, which " +
                        "Clair sets from the CPU limit in whole cores), so it shows here and does not depend on Clair reading " +
                        'the quota. 1 or more: Clair takes 0 as "guess from the cores Go sees" (the node\'s, without a CPU ' +
                        "limit) and a negative value as no limit at all; both are refused",
                    defaultText: "`8` (4 per whole CPU of `clair.indexer.resources`, at least 4)",
                }),
                scanlockRetry: scanlockRetry
                    .default(CLAIR_SCANLOCK_RETRY_DEFAULT)
                    .describe(
                        "Clair `scanlock_retry`: seconds between an indexer's tries for a manifest another indexer is " +
                            "scanning; 1 to 10 (1 is Clair's default, above 10 Clair warns of latency; the program wrote 10 " +
                            "before the key existed). Clair v4.8.0 hands it to claircore v1.5.32, which does not read it: the " +
                            "scan lock waits with a backoff of its own (from 0.5 s), so it changes nothing today",
                    ),
            })
            .prefault({}),
        matcher: z
            .strictObject({
                replicas: replicas(500).default(1).describe("matcher pods"),
                autoscaling: autoscalingSchema(500),
                resources: guaranteedResources("2", "2Gi").describe("per container, requests = limits"),
                period: goDuration
                    .default("6h")
                    .describe(
                        "updater period; a Go duration as Clair reads it (`time.ParseDuration`: `90m`, `1.5h`, `.5h`, units " +
                            "ns, us, µs, ms, s, m, h, at most `2562047h47m16.854775807s`), more than zero",
                    ),
                updateRetention: updateRetention
                    .default(CLAIR_UPDATE_RETENTION_DEFAULT)
                    .describe(
                        "Clair `update_retention`, always written: update operations the matcher keeps per updater; after " +
                            "each updater run its garbage collection deletes older ones and the vulnerabilities only they " +
                            "referenced. An updater records an operation only when its feed changed, so the database holds at " +
                            "most this many versions of each feed. 10 is Clair's own default (v4.8.0: `DefaultUpdateRetention` in " +
                            "its config package's defaults.go) and what stage and prod set in their stack files: history enough " +
                            "for the notifier, which needs 2 (it compares each update with the one before: Clair's minimum), with " +
                            "the database's size still bounded. Lower keeps the matcher database smaller; higher keeps more " +
                            "history. 1 and negative values are refused (Clair would raise 1 to 10 without a word). **0 turns " +
                            "garbage collection off: nothing is ever deleted, and the matcher's database grows with every feed " +
                            "change until its storage fills** (RDS storage autoscaling only postpones it to " +
                            "`maxAllocatedStorageGiB`). Use it only for a while, to keep history while investigating, and watch " +
                            "the database's size. The program writes `-1` for it, because Clair v4.8.0 raises a written 0 to 10 " +
                            'and turns garbage collection off only for a negative value (config/matcher.go; its comment "0 ' +
                            'disables GC" describes the value after that step); the matcher then logs the lint warning `update ' +
                            "garbage collection is off`. Turned back on, garbage collection deletes at most 50 update operations " +
                            "(of all updaters together) after each round of updater runs, one per `clair.matcher.period` " +
                            "(claircore v1.5.32's `GCThrottle`), so a long backlog takes several rounds to clear",
                    ),
            })
            .prefault({}),
        notifier: z
            .strictObject({
                replicas: replicas(500).default(1).describe("notifier pods"),
                resources: guaranteedResources("2", "2Gi").describe("per container, requests = limits"),
                pollInterval: goDurationAtLeastOneSecond("5s")
                    .default("5m")
                    .describe("a Go duration of at least `1s`: Clair replaces a shorter one with its default `5s`"),
                deliveryInterval: goDurationAtLeastOneSecond("5s")
                    .default("1m")
                    .describe("a Go duration of at least `1s`: Clair replaces a shorter one with its default `5s`"),
                webhookTarget: url(["http", "https"], "https://quay.io/secscan/notification", "go")
                    .optional()
                    .describe("where notifications go (http or https)"),
                // Clair resolves the notification id against it as a relative reference, so without a
                // trailing '/' the last path segment is replaced (…/api/v1/<id> instead of …/notification/<id>).
                webhookCallback: url(["http", "https"], "https://clair.example.com/notifier/api/v1/notification/", "go")
                    .refine((u) => !URL.canParse(u) || new URL(u).pathname.endsWith("/"), {
                        error: "must end in '/': Clair appends the notification id to it as a relative reference, which replaces a last segment without one",
                    })
                    .optional()
                    .meta({
                        description: "the callback URL Clair puts in each notification, where Quay pages through it",
                        defaultText: "(none; then https://<host>/notifier/api/v1/notification/)",
                    }),
            })
            .prefault({}),
        database: z
            .strictObject({
                /** rds: one AWS RDS instance per component; in-cluster: a PostgreSQL StatefulSet (local stack). */
                backend: z
                    .enum(["rds", "in-cluster"], { error: "must be 'rds' or 'in-cluster'" })
                    .default("rds")
                    .describe("`rds` or `in-cluster` (local stack)"),
                rds: rdsSchema,
                sslMode: z
                    .enum(["disable", "require", "verify-ca", "verify-full"], { error: "must be one of disable, require, verify-ca, verify-full" })
                    .default("verify-full")
                    .describe("libpq sslmode"),
                /** PEM bundle that signs the database server certificates (for verify-ca / verify-full). */
                caBundle: z
                    .string({ error: "must be PEM text" })
                    .refine((pem) => pem.includes("-----BEGIN CERTIFICATE-----"), { error: "must be PEM: one or more -----BEGIN CERTIFICATE----- blocks" })
                    .optional()
                    .describe(
                        "PEM of the DB CA, mounted where Clair trusts it (`sslrootcert`). With `rds` and `verify-full` (the " +
                            "default) set it to AWS's RDS bundle before the first `up`: RDS certificates are signed by Amazon's " +
                            "RDS CAs, which the Clair image does not trust, and every Clair pod would fail to connect. The apps " +
                            "tests run Clair on TLS PostgreSQL through this setting",
                    ),
                /** Upper bound for pool_max_conns per pod, whatever room the database has. */
                poolMaxConnsCeiling: z
                    .int({ error: "must be a whole number" })
                    .min(2, { error: "must be at least 2" })
                    .default(32)
                    .describe("pool upper bound per pod"),
                inClusterImage: pinnedImage.default("postgres:16.4").describe("with `in-cluster`"),
                inClusterStorageSize: quantity("bytes", "5Gi")
                    .default("5Gi")
                    .describe("with `in-cluster`; at least 5G (Red Hat's minimum for Clair's database)"),
                /** Lets inClusterStorageSize go below the 5 GB Red Hat documents for Clair's database. */
                allowBelowMinimumStorage: bool.default(false).describe("`true` lets `inClusterStorageSize` go below 5G"),
                inClusterMaxConnections: z
                    .int({ error: "must be a whole number" })
                    .min(20, { error: "must be at least 20" })
                    .default(200)
                    .describe("with `in-cluster`"),
            })
            .prefault({}),
        /**
         * Disconnected mode (no egress to the vulnerability feeds): the config file turns the
         * updaters off and the import Job loads a bundle `clairctl export-updaters` wrote elsewhere.
         */
        disconnected: z
            .strictObject({
                enabled: bool
                    .default(false)
                    .describe(
                        "disconnected mode: `matcher.disable_updaters` and `indexer.airgap` in the config file, and the " +
                            "import Job ([Clair disconnected mode](operations.md#clair-disconnected-mode))",
                    ),
                /** Where the import Job fetches the bundle (clairctl import-updaters takes a file or an http(s) URL). */
                bundleUrl: url(["http", "https"], "http://mirror.internal/clair/updates.json.gz", "go").optional().meta({
                    description: "http(s) URL of the bundle `clairctl export-updaters` wrote",
                    defaultText: "(none; this or `bundleClaim` required when enabled)",
                }),
                /** Or a PersistentVolumeClaim holding it, at bundlePath. */
                bundleClaim: objectName.optional().describe("or a PersistentVolumeClaim in the namespace holding it, mounted read-only"),
                bundlePath: relativePath.default("updates.json.gz").describe("the bundle's path in the claim (`.gz` or `.zst` decompressed by suffix)"),
                /** A CronJob re-imports on this schedule too (the bundle at the same place, refreshed there). */
                importSchedule: cronSchedule
                    .optional()
                    .describe("a CronJob `clair-import-updaters` imports again on this schedule (CronJob syntax as " + "`clamav.refresh.schedule`)"),
                importResources: guaranteedResources("1", "2Gi").describe("the import Job's container"),
                /**
                 * Red Hat's two mapping files for claircore's RHEL scanners, carried across the gap
                 * with the bundle into an existing ConfigMap of the namespace (docs/operations.md:
                 * Clair disconnected mode). Offline the scanners cannot fetch them (indexer.airgap),
                 * and without the repository-to-CPE file the rhel repository scanner fails every layer.
                 */
                rhelMappings: z
                    .strictObject({
                        configMap: objectName.optional().meta({
                            description:
                                "an existing ConfigMap in the namespace holding Red Hat's two mapping files for the indexer's RHEL scanners, carried across the gap with the bundle " +
                                "(docs/operations.md: Clair disconnected mode). The indexer pods mount it read-only at `/etc/clair-rhel-mappings` (a missing ConfigMap or key keeps the " +
                                "pod in ContainerCreating, naming it in the pod's events) and the config file names the files in " +
                                "`indexer.scanner.repo.rhel-repository-scanner.repo2cpe_mapping_file` and `indexer.scanner.package.rhel_containerscanner.name2repos_mapping_file`, " +
                                "with no `*_mapping_url`, so the scanners never fetch. Required offline: without the repository-to-CPE file every index request fails " +
                                "(`test/real/clair-rhel-mappings.test.ts`). Refused when connected, where the scanners fetch the files from Red Hat themselves",
                            defaultText: "(none; required when `clair.disconnected.enabled`)",
                        }),
                        repo2cpeKey: configMapKey
                            .default(RHEL_REPO2CPE_FILE)
                            .describe(
                                "the ConfigMap key holding `repository-to-cpe.json` (plain JSON, or gzip/zstd/bzip2: claircore detects the compression by its magic bytes); must differ from `name2reposKey`",
                            ),
                        name2reposKey: configMapKey
                            .default(RHEL_NAME2REPOS_FILE)
                            .describe(
                                "the ConfigMap key holding `container-name-repos-map.json` (read by the rhcc container scanner for Red Hat's container images; plain or compressed as above)",
                            ),
                    })
                    .prefault({})
                    .describe("Red Hat's RHEL mapping files for disconnected mode"),
            })
            .prefault({}),
        /**
         * Which vulnerability updaters run, their settings, and where: in every matcher (Clair's
         * default) or, with `dedicated`, in one Deployment of its own while every matcher runs
         * with matcher.disable_updaters.
         */
        updaters: z
            .strictObject({
                sets: updaterSets.optional().meta({
                    description:
                        "Clair `updaters.sets`: the updater sets the matchers (or the dedicated updater) run. One or more of " +
                        "the eleven sets Clair 4.8.0 has (claircore v1.5.32's `updater/defaults`): `alpine`, `aws`, " +
                        "`clair.cvss`, `debian`, `oracle`, `osv`, `photon`, `rhcc`, `rhel-vex`, `suse`, `ubuntu`. Another " +
                        "name is refused: Clair would select nothing for it without a word. An empty list (no vulnerability " +
                        "data at all) and a set listed twice are refused too. Red Hat's data is `rhel-vex` (and `rhcc` for " +
                        "container images); there is no `rhel` set in 4.8.0. Refused in disconnected mode, where no pod runs " +
                        "an updater",
                    defaultText: "(none: every set)",
                }),
                config: updaterConfig
                    .default({})
                    .describe(
                        "Clair `updaters.config`: per updater or updater set, a mapping of its own settings, handed to it as " +
                            "JSON (for example `rhel-vex: {url: https://mirror.internal/vex/}`; updater names such as " +
                            "`ubuntu/updater/jammy` are in the matcher's log). A block for a set that `sets` leaves out is " +
                            "refused (never read), as is `rhel`: Clair 4.8.0 has no updater by that name, and `ignore_unpatched` " +
                            "is read by the rhel *matcher*, so it goes in `clair.configOverrides` as `matchers: {config: {rhel: " +
                            "{ignore_unpatched: true}}}`. Refused in disconnected mode",
                    ),
                dedicated: bool
                    .default(false)
                    .describe(
                        "`true`: one Deployment `clair-updater` (a matcher process reading `updater.yaml` from the " +
                            "`clair-config` Secret: the matchers' file with the updaters on) runs the updaters, and every matcher " +
                            "runs with `matcher.disable_updaters`, so the matchers stop fetching the same feeds each " +
                            "`clair.matcher.period`. One pod, replaced with `Recreate`, selected by no Service; it writes into " +
                            "the matcher database with the matchers' pool, and counts in the connection-pool plan (one more pod " +
                            "on the matcher database), in the `clair-connection-pools` policy (its annotations) and in the " +
                            "capacity report. Garbage collection still runs in every matcher (one at a time, behind Clair's " +
                            "lock). Refused in disconnected mode",
                    ),
                resources: guaranteedResources("2", "2Gi").describe("the dedicated updater's container (with `dedicated`)"),
            })
            .prefault({}),
        /** The clairctl admin pre/post Jobs around a change of Clair's version. */
        upgrade: z
            .strictObject({
                jobs: bool
                    .default(true)
                    .describe(
                        "the `clairctl admin pre/post` Jobs ([Upgrading Clair](operations.md#upgrading-clair)); needs a " + "version in `clair.image`'s tag",
                    ),
                resources: guaranteedResources("250m", "256Mi").describe("each of them"),
            })
            .prefault({}),
        /** Cluster fit: pull secrets, node selection, tolerations, affinity, extra pod labels and annotations (config/pod.ts). */
        pod: podSettingsSchema,
        /**
         * A partial Clair config merged into the rendered file(s) for keys this program does not
         * model (lib/clair-config-keys.ts): Clair's own key names, no key the program owns.
         */
        configOverrides: z
            .record(z.string(), z.unknown(), {
                error: "must be a mapping in Clair's own config format (such as matchers: {config: {rhel: {ignore_unpatched: true}}})",
            })
            .superRefine((override, ctx) => {
                for (const problem of overrideProblems(override)) {
                    const input = problem.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], override);
                    ctx.addIssue({ code: "custom", path: problem.path, input, message: problem.message });
                }
            })
            .default({})
            .describe(
                "a partial Clair config, in Clair's own key names, merged into the rendered file (and the dedicated " +
                    "updater's): mappings key by key, anything else replaced. For what the program does not model: " +
                    "`matchers` (names, per-matcher config such as `rhel.ignore_unpatched`), `indexer.scanner` " +
                    "(per-scanner config, such as the RHEL repository scanner's), `matcher.cache_age`, " +
                    "`notifier.disable_summary`, `notifier.amqp`/`stomp`, the webhook's `headers` and `signed` (only with " +
                    "`clair.notifier.webhookTarget`), `trace`, `updaters.filter`. Refused at preview, naming the key: a " +
                    "key Clair 4.8.0 does not read (Clair would not start; the message lists the section's keys), a key " +
                    "spelt in another case, a scalar where Clair has a section, and the keys the program owns: the " +
                    "connection strings, `auth` (the PSK), the addresses (`http_listen_addr`, `introspection_addr`, " +
                    "`indexer_addr`, `matcher_addr`), `tls`, `metrics`, the `migrations` flags, `max_conn_pool`, and " +
                    "every key the program writes from a key of its own (the refusal names that key, e.g. " +
                    "`matcher.update_retention` is `clair.matcher.updateRetention`). Value types are left to Clair: its " +
                    "decoder refuses a wrong one when the pod starts, and the real lane runs Clair's config code on " +
                    "merged files (`test/real/clair-config-go.test.ts`). The config file is a Secret; a value that is " +
                    "secret (a STOMP passcode) can be set with `pulumi config set --secret --path`",
            ),
    })
    .prefault({})
    .superRefine((clair, ctx) => {
        for (const mode of ["indexer", "matcher"] as const)
            autoscalingIssues(`clair.${mode}`, clair[mode].replicas, clair[mode].autoscaling, [mode, "autoscaling"], ctx);
        const offline = clair.disconnected;
        if (offline.enabled && !offline.bundleUrl && !offline.bundleClaim) {
            ctx.addIssue({
                code: "custom",
                path: ["disconnected", "bundleUrl"],
                input: offline.bundleUrl,
                message:
                    "is required when clair.disconnected.enabled is true (or clair.disconnected.bundleClaim): the import Job loads the bundle " +
                    "`clairctl export-updaters` wrote on a connected machine, or the matcher has no vulnerability data at all",
            });
        }
        if (offline.bundleUrl && offline.bundleClaim) {
            ctx.addIssue({
                code: "custom",
                path: ["disconnected", "bundleClaim"],
                input: offline.bundleClaim,
                message: "cannot be set together with clair.disconnected.bundleUrl: give the import Job one source",
            });
        }
        if (!offline.enabled) {
            for (const key of ["bundleUrl", "bundleClaim", "importSchedule"] as const) {
                if (offline[key] !== undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["disconnected", key],
                        input: offline[key],
                        message: "is used only in disconnected mode: set clair.disconnected.enabled: true, or remove this key",
                    });
                }
            }
        }
        rhelMappingsIssues(clair.disconnected, clair.configOverrides, ctx);
        const updaters = clair.updaters;
        if (offline.enabled) {
            const inert = {
                sets: updaters.sets,
                config: Object.keys(updaters.config).length ? updaters.config : undefined,
                dedicated: updaters.dedicated || undefined,
            };
            for (const [key, value] of Object.entries(inert)) {
                if (value === undefined) continue;
                ctx.addIssue({
                    code: "custom",
                    path: ["updaters", key],
                    input: value,
                    message:
                        "has no effect in disconnected mode (clair.disconnected.enabled): no Clair pod runs an updater there, the imported bundle is what " +
                        "`clairctl export-updaters` fetched with its own config; remove this key, or turn disconnected mode off",
                });
            }
        }
        if (updaters.config.rhel !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["updaters", "config", "rhel"],
                input: updaters.config.rhel,
                message:
                    "configures no updater: Clair 4.8.0 has no updater named rhel (Red Hat's data comes from rhel-vex, whose only setting is url), so this block would be ignored; " +
                    "ignore_unpatched is read by the rhel matcher: set it as clair.configOverrides.matchers.config.rhel.ignore_unpatched",
            });
        }
        if (updaters.sets) {
            for (const name of Object.keys(updaters.config)) {
                if ((CLAIR_UPDATER_SETS as readonly string[]).includes(name) && !updaters.sets.includes(name)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["updaters", "config", name],
                        input: updaters.config[name],
                        message: `configures the updater set ${name}, which clair.updaters.sets leaves out, so it would never be read; add ${name} to the sets, or remove this block`,
                    });
                }
            }
        }
        const overriddenWebhook = (clair.configOverrides.notifier as { webhook?: unknown } | undefined)?.webhook;
        if (overriddenWebhook !== undefined && !clair.notifier.webhookTarget) {
            ctx.addIssue({
                code: "custom",
                path: ["configOverrides", "notifier", "webhook"],
                input: overriddenWebhook,
                message:
                    "adds to a webhook this stack does not have: set clair.notifier.webhookTarget (Clair refuses a webhook without a target), or remove this block",
            });
        }
        if (clair.upgrade.jobs && !clairVersion(clair.image)) {
            ctx.addIssue({
                code: "custom",
                path: ["image"],
                input: clair.image,
                message:
                    "has no Clair version in its tag (name:4.8.0, or name:4.8.0@sha256:...), which the upgrade Jobs pass to `clairctl admin pre/post`; " +
                    "tag it with the version, or set clair.upgrade.jobs: false and run them by hand (docs/operations.md: Upgrading Clair)",
            });
        }
        const db = clair.database;
        if (db.backend === "in-cluster" && !db.allowBelowMinimumStorage && belowFloor(db.inClusterStorageSize, CLAIR_DATABASE_MINIMUM)) {
            ctx.addIssue({
                code: "custom",
                path: ["database", "inClusterStorageSize"],
                input: db.inClusterStorageSize,
                message:
                    `is below ${CLAIR_DATABASE_MINIMUM}, the storage Red Hat documents as the minimum for Clair's vulnerability data; ` +
                    "give it more, or set clair.database.allowBelowMinimumStorage: true if you know this database holds less",
            });
        }
        if (clair.exposure === "ingress" && !clair.tlsSecretName) {
            ctx.addIssue({
                code: "custom",
                path: ["tlsSecretName"],
                input: clair.tlsSecretName,
                message: "is required when exposure is 'ingress' (the Ingress terminates TLS)",
            });
        }
    })
    // The pool plan, computed once here: it refuses replica counts the databases cannot serve,
    // and the program passes it to Clair as is.
    .transform((input, ctx) => {
        const clair = {
            ...input,
            indexer: {
                ...input.indexer,
                indexReportRequestConcurrency: input.indexer.indexReportRequestConcurrency ?? defaultIndexReportRequestConcurrency(input.indexer.resources.cpu),
            },
        };
        // The pool check needs a known instance class; an unknown one is reported on its own.
        if (clair.database.backend === "rds" && clair.database.rds.memoryGiB === undefined)
            return { ...clair, pools: undefined as unknown as Record<ClairMode, PoolPlan> };
        const plan = planPools(clairPoolSettings(clair));
        for (const mode of CLAIR_MODES) {
            const p = plan[mode];
            if (p.poolMaxConns < MIN_POOL) {
                // An autoscaler's maximum is what the budget counts, so that is the key to name.
                const autoscaled = mode !== "notifier" && clair[mode].autoscaling.enabled;
                ctx.addIssue({
                    code: "custom",
                    path: autoscaled ? [mode, "autoscaling", "maxReplicas"] : [mode, "replicas"],
                    input: autoscaled ? clair[mode].autoscaling.maxReplicas : clair[mode].replicas,
                    message:
                        `is too many pods for one database: ${p.peakPods} pods at peak with max_connections ${p.maxConnections} ` +
                        `(${p.reserved} reserved${mode === "matcher" && clair.updaters.dedicated ? ", the dedicated updater pod counted" : ""}) leave fewer than ${MIN_POOL} connections per pod; use a larger clair.database.rds.instanceClass or fewer ${autoscaled ? "pods at most" : "replicas"}`,
                });
            }
        }
        return { ...clair, pools: plan };
    });

/** Inputs of the Clair pool plan, from the validated config: an autoscaled node type counts at its maximum. */
export function clairPoolSettings(clair: {
    indexer: { replicas: number; autoscaling: AutoscalingConfig };
    matcher: { replicas: number; autoscaling: AutoscalingConfig };
    notifier: { replicas: number };
    updaters: { dedicated: boolean };
    database: {
        backend: string;
        rds: { instanceClass: string; memoryGiB: number | undefined; reservedConnections: number };
        inClusterMaxConnections: number;
        poolMaxConnsCeiling: number;
    };
}) {
    const rds = clair.database.backend === "rds";
    return {
        replicas: {
            indexer: mostReplicas(clair.indexer.replicas, clair.indexer.autoscaling),
            matcher: mostReplicas(clair.matcher.replicas, clair.matcher.autoscaling),
            notifier: clair.notifier.replicas,
        },
        updaterPods: clair.updaters.dedicated ? UPDATER_PODS : 0,
        maxConnections: rds ? maxConnectionsFor(clair.database.rds.instanceClass, clair.database.rds.memoryGiB) : clair.database.inClusterMaxConnections,
        reserved: rds ? clair.database.rds.reservedConnections : IN_CLUSTER_RESERVED_CONNECTIONS,
        ceiling: clair.database.poolMaxConnsCeiling,
    };
}
