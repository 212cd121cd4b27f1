/** Clair's part of the stack config, and the one place its connection pools are planned. */
import { z } from "zod";
import { autoscalingIssues, autoscalingSchema, mostReplicas, type AutoscalingConfig } from "./autoscaling";
import { podSettingsSchema } from "./pod";
import { CLAIR_MODES, MIN_POOL, planPools, UPDATER_PODS, type ClairMode, type PoolPlan } from "../lib/clair-pools";
import { knownInstanceClasses, maxConnectionsFor, RDS_CLASS_TABLE_EDITION, RDS_POSTGRESQL_FAMILY_LIMITS } from "../policy/lib/rds";
import { clairVersion } from "../lib/clair-config";
import { quantityToNumber } from "../policy/lib/quantity";
import { overrideProblems } from "../lib/clair-config-keys";
import { backupWindow, backupWindowMinutes, belowFloor, bool, cronSchedule, goDuration, goDurationAtLeastOneSecond, guaranteedResources, hostname, maintenanceWindow, maintenanceWindowMinutes, objectName, pinnedImage, quantity, relativePath, replicas, uid, url, windowsOverlap } from "./primitives";

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
            .default("db.m6g.large"),
        /** The class's memory, for a class not in policy/lib/rds-instance-classes.ts: the pools are sized from it. */
        instanceMemoryGiB: z.number({ error: "must be a number of GiB" }).positive({ error: "must be more than 0 (GiB)" }).optional(),
        // YAML and `pulumi config set --path` read an unquoted 16.4 as a number: taken as the version
        // it spells. (Quote versions that end in 0: YAML reads 16.10 as 16.1.)
        engineVersion: z
            .union([z.string(), z.number()], { error: "must be a PostgreSQL version such as 16.4" })
            .transform(String)
            .pipe(z.string().regex(/^\d+(\.\d+)?$/, { error: "must be a PostgreSQL version such as 16.4 (major, or major.minor)" }))
            .default("16.4"),
        // RDS User Guide, "Amazon RDS DB instance storage": gp3 (components/aws/postgres.ts) takes 20 GiB-64 TiB for PostgreSQL.
        allocatedStorageGiB: z.int({ error: "must be a whole number of GiB" }).min(RDS_GP3_MIN_GIB, { error: `must be at least ${RDS_GP3_MIN_GIB} (RDS's minimum for gp3 storage, which the program uses)` }).max(RDS_GP3_MAX_GIB, { error: `must be at most ${RDS_GP3_MAX_GIB} (RDS's maximum for PostgreSQL, 64 TiB)` }).default(100),
        maxAllocatedStorageGiB: z.int({ error: "must be a whole number of GiB" }).min(0, { error: "must be 0 (no storage autoscaling) or more" }).max(RDS_GP3_MAX_GIB, { error: `must be at most ${RDS_GP3_MAX_GIB} (RDS's maximum for PostgreSQL, 64 TiB)` }).default(500),
        backupRetentionDays: z
            .int({ error: "must be a whole number of days" })
            .min(30, { error: "must be at least 30 days: this program's backup policy keeps daily backups 30 days (RDS allows 0 to 35)" })
            .max(35, { error: "must be at most 35 (the RDS maximum)" })
            .default(30),
        backupWindow: backupWindow.default("03:00-04:00"),
        maintenanceWindow: maintenanceWindow.default("sun:05:00-sun:06:00"),
        multiAz: bool.default(false),
        /** Lets an engineVersion of a new major version upgrade the instances in place (README: Upgrading PostgreSQL). */
        allowMajorVersionUpgrade: bool.default(false),
        deletionProtection: bool.default(true),
        protect: bool.default(false),
        /** Connections kept free for superusers, migrations and monitoring. */
        reservedConnections: z.int({ error: "must be a whole number" }).min(3, { error: "must be at least 3" }).default(20),
    })
    .prefault({})
    .superRefine((rds, ctx) => {
        const known = knownInstanceClasses[rds.instanceClass];
        if (INSTANCE_CLASS.test(rds.instanceClass) && known === undefined && rds.instanceMemoryGiB === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["instanceClass"],
                input: rds.instanceClass,
                message:
                    `is not among the classes the RDS User Guide lists for PostgreSQL in the program's table (${RDS_CLASS_TABLE_EDITION}), and the connection pools are sized from the class's memory; ` +
                    "set clair.database.rds.instanceMemoryGiB to the class's memory in GiB (AWS: Hardware specifications for DB instance classes)",
            });
        }
        if (known !== undefined && rds.instanceMemoryGiB !== undefined && rds.instanceMemoryGiB !== known) {
            ctx.addIssue({ code: "custom", path: ["instanceMemoryGiB"], input: rds.instanceMemoryGiB, message: `differs from the ${known} GiB of ${rds.instanceClass} in the program's table (RDS User Guide, hardware specifications); remove it, or correct it to ${known}` });
        }
        const familyLimit = RDS_POSTGRESQL_FAMILY_LIMITS[rds.instanceClass.split(".").slice(0, 2).join(".")];
        const major = Number(rds.engineVersion.split(".")[0]);
        if (familyLimit && "deprecated" in familyLimit) {
            ctx.addIssue({ code: "custom", path: ["instanceClass"], input: rds.instanceClass, message: "is a class RDS lists as deprecated for PostgreSQL, which RDS does not create; choose a current class such as db.m6g.large" });
        } else if (familyLimit && major >= familyLimit.belowMajor) {
            ctx.addIssue({
                code: "custom",
                path: ["instanceClass"],
                input: rds.instanceClass,
                message: `is a class RDS offers only for PostgreSQL lower than ${familyLimit.belowMajor}, and engineVersion is ${JSON.stringify(rds.engineVersion)}; choose a current class such as db.m6g.large`,
            });
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
/** The key's value for garbage collection off (README: the warning in its row). */
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
const scanlockRetry = z
    .int({ error: "must be a whole number of seconds" })
    .superRefine((n, ctx) => {
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

export const clairSchema = z
    .strictObject({
        image: pinnedImage.default("quay.io/projectquay/clair:4.8.0"),
        host: hostname.default("clair.example.com"),
        /** How the three paths are exposed: OpenShift Routes or a Kubernetes Ingress. */
        exposure: z.enum(["route", "ingress"], { error: "must be 'route' or 'ingress'" }).default("route"),
        ingressClassName: objectName.default("nginx"),
        tlsSecretName: objectName.optional(),
        logLevel: clairLogLevel.default("info"),
        runAsUser: uid.default(65534),
        startupMinutes: z
            .int({ error: "must be a whole number of minutes" })
            .min(1, { error: "must be at least 1 (minutes)" })
            .max(24 * 60, { error: "must be at most 1440 (a day, in minutes)" })
            .default(CLAIR_STARTUP_MINUTES_DEFAULT),
        indexer: z
            .strictObject({
                replicas: replicas(500).default(1),
                autoscaling: autoscalingSchema(500),
                resources: guaranteedResources("2", "2Gi"),
                storageClass: objectName.default("gp2"),
                storageSize: quantity("bytes", "100Gi").default("100Gi"),
                layerScanConcurrency: z.int({ error: "must be a whole number" }).min(1, { error: "must be 1 or more" }).default(5),
                /** Unset: INDEX_REQUESTS_PER_CORE per whole CPU of resources (filled in below). */
                indexReportRequestConcurrency: indexReportRequestConcurrency.optional(),
                scanlockRetry: scanlockRetry.default(CLAIR_SCANLOCK_RETRY_DEFAULT),
            })
            .prefault({}),
        matcher: z
            .strictObject({
                replicas: replicas(500).default(1),
                autoscaling: autoscalingSchema(500),
                resources: guaranteedResources("2", "2Gi"),
                period: goDuration.default("6h"),
                updateRetention: updateRetention.default(CLAIR_UPDATE_RETENTION_DEFAULT),
            })
            .prefault({}),
        notifier: z
            .strictObject({
                replicas: replicas(500).default(1),
                resources: guaranteedResources("2", "2Gi"),
                pollInterval: goDurationAtLeastOneSecond("5s").default("5m"),
                deliveryInterval: goDurationAtLeastOneSecond("5s").default("1m"),
                webhookTarget: url(["http", "https"], "https://quay.io/secscan/notification", "go").optional(),
                // Clair resolves the notification id against it as a relative reference, so without a
                // trailing '/' the last path segment is replaced (…/api/v1/<id> instead of …/notification/<id>).
                webhookCallback: url(["http", "https"], "https://clair.example.com/notifier/api/v1/notification/", "go")
                    .refine((u) => !URL.canParse(u) || new URL(u).pathname.endsWith("/"), {
                        error: "must end in '/': Clair appends the notification id to it as a relative reference, which replaces a last segment without one",
                    })
                    .optional(),
            })
            .prefault({}),
        database: z
            .strictObject({
                /** rds: one AWS RDS instance per component; in-cluster: a PostgreSQL StatefulSet (local stack). */
                backend: z.enum(["rds", "in-cluster"], { error: "must be 'rds' or 'in-cluster'" }).default("rds"),
                rds: rdsSchema,
                sslMode: z.enum(["disable", "require", "verify-ca", "verify-full"], { error: "must be one of disable, require, verify-ca, verify-full" }).default("verify-full"),
                /** PEM bundle that signs the database server certificates (for verify-ca / verify-full). */
                caBundle: z
                    .string({ error: "must be PEM text" })
                    .refine((pem) => pem.includes("-----BEGIN CERTIFICATE-----"), { error: "must be PEM: one or more -----BEGIN CERTIFICATE----- blocks" })
                    .optional(),
                /** Upper bound for pool_max_conns per pod, whatever room the database has. */
                poolMaxConnsCeiling: z.int({ error: "must be a whole number" }).min(2, { error: "must be at least 2" }).default(32),
                inClusterImage: pinnedImage.default("postgres:16.4"),
                inClusterStorageSize: quantity("bytes", "5Gi").default("5Gi"),
                /** Lets inClusterStorageSize go below the 5 GB Red Hat documents for Clair's database. */
                allowBelowMinimumStorage: bool.default(false),
                inClusterMaxConnections: z.int({ error: "must be a whole number" }).min(20, { error: "must be at least 20" }).default(200),
            })
            .prefault({}),
        /**
         * Disconnected mode (no egress to the vulnerability feeds): the config file turns the
         * updaters off and the import Job loads a bundle `clairctl export-updaters` wrote elsewhere.
         */
        disconnected: z
            .strictObject({
                enabled: bool.default(false),
                /** Where the import Job fetches the bundle (clairctl import-updaters takes a file or an http(s) URL). */
                bundleUrl: url(["http", "https"], "http://mirror.internal/clair/updates.json.gz", "go").optional(),
                /** Or a PersistentVolumeClaim holding it, at bundlePath. */
                bundleClaim: objectName.optional(),
                bundlePath: relativePath.default("updates.json.gz"),
                /** A CronJob re-imports on this schedule too (the bundle at the same place, refreshed there). */
                importSchedule: cronSchedule.optional(),
                importResources: guaranteedResources("1", "2Gi"),
            })
            .prefault({}),
        /**
         * Which vulnerability updaters run, their settings, and where: in every matcher (Clair's
         * default) or, with `dedicated`, in one Deployment of its own while every matcher runs
         * with matcher.disable_updaters.
         */
        updaters: z
            .strictObject({
                sets: updaterSets.optional(),
                config: updaterConfig.default({}),
                dedicated: bool.default(false),
                resources: guaranteedResources("2", "2Gi"),
            })
            .prefault({}),
        /** The clairctl admin pre/post Jobs around a change of Clair's version. */
        upgrade: z
            .strictObject({
                jobs: bool.default(true),
                resources: guaranteedResources("250m", "256Mi"),
            })
            .prefault({}),
        /** Cluster fit: pull secrets, node selection, tolerations, affinity, extra pod labels and annotations (config/pod.ts). */
        pod: podSettingsSchema,
        /**
         * A partial Clair config merged into the rendered file(s) for keys this program does not
         * model (lib/clair-config-keys.ts): Clair's own key names, no key the program owns.
         */
        configOverrides: z
            .record(z.string(), z.unknown(), { error: "must be a mapping in Clair's own config format (such as matchers: {config: {rhel: {ignore_unpatched: true}}})" })
            .superRefine((override, ctx) => {
                for (const problem of overrideProblems(override)) {
                    const input = problem.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], override);
                    ctx.addIssue({ code: "custom", path: problem.path, input, message: problem.message });
                }
            })
            .default({}),
    })
    .prefault({})
    .superRefine((clair, ctx) => {
        for (const mode of ["indexer", "matcher"] as const) autoscalingIssues(`clair.${mode}`, clair[mode].replicas, clair[mode].autoscaling, [mode, "autoscaling"], ctx);
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
            ctx.addIssue({ code: "custom", path: ["disconnected", "bundleClaim"], input: offline.bundleClaim, message: "cannot be set together with clair.disconnected.bundleUrl: give the import Job one source" });
        }
        if (!offline.enabled) {
            for (const key of ["bundleUrl", "bundleClaim", "importSchedule"] as const) {
                if (offline[key] !== undefined) {
                    ctx.addIssue({ code: "custom", path: ["disconnected", key], input: offline[key], message: "is used only in disconnected mode: set clair.disconnected.enabled: true, or remove this key" });
                }
            }
        }
        const updaters = clair.updaters;
        if (offline.enabled) {
            const inert = { sets: updaters.sets, config: Object.keys(updaters.config).length ? updaters.config : undefined, dedicated: updaters.dedicated || undefined };
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
                message: "adds to a webhook this stack does not have: set clair.notifier.webhookTarget (Clair refuses a webhook without a target), or remove this block",
            });
        }
        if (clair.upgrade.jobs && !clairVersion(clair.image)) {
            ctx.addIssue({
                code: "custom",
                path: ["image"],
                input: clair.image,
                message:
                    "has no Clair version in its tag (name:4.8.0, or name:4.8.0@sha256:...), which the upgrade Jobs pass to `clairctl admin pre/post`; " +
                    "tag it with the version, or set clair.upgrade.jobs: false and run them by hand (README: Upgrading Clair)",
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
            ctx.addIssue({ code: "custom", path: ["tlsSecretName"], input: clair.tlsSecretName, message: "is required when exposure is 'ingress' (the Ingress terminates TLS)" });
        }
    })
    // The pool plan, computed once here: it refuses replica counts the databases cannot serve,
    // and the program passes it to Clair as is.
    .transform((input, ctx) => {
        const clair = {
            ...input,
            indexer: { ...input.indexer, indexReportRequestConcurrency: input.indexer.indexReportRequestConcurrency ?? defaultIndexReportRequestConcurrency(input.indexer.resources.cpu) },
        };
        // The pool check needs a known instance class; an unknown one is reported on its own.
        if (clair.database.backend === "rds" && clair.database.rds.memoryGiB === undefined) return { ...clair, pools: undefined as unknown as Record<ClairMode, PoolPlan> };
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
    database: { backend: string; rds: { instanceClass: string; memoryGiB: number | undefined; reservedConnections: number }; inClusterMaxConnections: number; poolMaxConnsCeiling: number };
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
