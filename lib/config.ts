/**
 * The stack configuration: one typed, validated schema (zod) for every key under the project
 * namespace. Validation runs before any resource is registered, so a bad value fails
 * `pulumi preview` with a message naming the key, the value and what is allowed.
 */
import { z } from "zod";
import { isQuantity, quantitiesEqual } from "./quantity";
import { CLAIR_MODES, MIN_POOL, planPools } from "./clair-config";
import { knownInstanceClasses, maxConnectionsFor } from "./rds";

export const PROJECT = "scanning-platform";

const quantity = (example: string) =>
    z
        .union([z.string(), z.number()])
        .transform(String)
        .refine(isQuantity, {
            error: `must be a Kubernetes quantity such as ${example} (a number with an optional suffix m, k, M, G, Ki, Mi, Gi, Ti or an exponent e3)`,
        });

const replicas = (max: number) =>
    z.int({ error: "must be a whole number" }).min(0, { error: "must be >= 0" }).max(max, { error: `must be <= ${max}` });

const nonEmpty = z.string().min(1, { error: "must not be empty" });

/** Pinned image reference: a tag other than `latest`, or a digest. */
const pinnedImage = z.string().refine((ref) => /@sha256:[a-f0-9]{64}$/.test(ref) || /:[\w][\w.-]{0,127}$/.test(ref.split("/").pop() ?? ""), {
    error: "must pin a version: name:tag or name@sha256:digest",
}).refine((ref) => !/:latest$/.test(ref), { error: "must not use the moving tag 'latest'" });

/**
 * Container resources. Every container runs with Guaranteed QoS, so requests must equal limits
 * (compared by value: "2" equals "2000m").
 */
const guaranteedResources = (cpu: string, memory: string) =>
    z
        .strictObject({
            requests: z.strictObject({ cpu: quantity("2 or 500m").default(cpu), memory: quantity("2Gi or 512Mi").default(memory) }).prefault({}),
            limits: z.strictObject({ cpu: quantity("2 or 500m").default(cpu), memory: quantity("2Gi or 512Mi").default(memory) }).prefault({}),
        })
        .prefault({})
        .superRefine((value, ctx) => {
            for (const kind of ["cpu", "memory"] as const) {
                const request = value.requests[kind];
                const limit = value.limits[kind];
                if (isQuantity(request) && isQuantity(limit) && !quantitiesEqual(request, limit)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["requests", kind],
                        input: request,
                        message: `differs from limits.${kind} ${JSON.stringify(limit)}: requests must equal limits (Guaranteed QoS)`,
                    });
                }
            }
        })
        .transform((value) => ({ cpu: value.limits.cpu, memory: value.limits.memory }));

const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR such as 10.0.0.0/16" });
const durationPattern = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const goDuration = z.string().regex(durationPattern, { error: "must be a Go duration such as 6h, 30m or 90s" });
const cronSchedule = z.string().regex(/^(\S+\s+){4}\S+$/, { error: "must be a five-field cron schedule such as '0 */6 * * *'" });
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "must be a DNS label (lower-case letters, digits and '-', at most 63 characters)" });
const hostname = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "must be a DNS host name such as clair.example.com" });
const backupWindow = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, { error: "must be a UTC window hh:mm-hh:mm such as 03:00-04:00" });
const maintenanceWindow = z.string().regex(/^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/, {
    error: "must be a UTC window ddd:hh:mm-ddd:hh:mm such as sun:05:00-sun:06:00",
});
const uid = z.int({ error: "must be a whole number" }).min(1, { error: "must be >= 1 (non-root)" });

/** RDS PostgreSQL settings shared by every database the program creates. */
const rdsSchema = z
    .strictObject({
        instanceClass: z.string().refine((c) => c in knownInstanceClasses, {
            error: `must be one of the instance classes whose memory is known: ${Object.keys(knownInstanceClasses).join(", ")}`,
        }).default("db.m6g.large"),
        engineVersion: z.string().regex(/^\d+(\.\d+)?$/, { error: "must be a PostgreSQL version such as 16.4" }).default("16.4"),
        allocatedStorageGiB: z.int({ error: "must be a whole number of GiB" }).min(20, { error: "must be >= 20" }).max(65536, { error: "must be <= 65536" }).default(100),
        maxAllocatedStorageGiB: z.int({ error: "must be a whole number of GiB" }).min(0, { error: "must be >= 0 (0 disables autoscaling)" }).default(500),
        backupRetentionDays: z
            .int({ error: "must be a whole number of days" })
            .min(30, { error: "must be at least 30 days (the seed's backup policy: daily, kept 30 days)" })
            .max(35, { error: "must be <= 35 (the RDS maximum)" })
            .default(30),
        backupWindow: backupWindow.default("03:00-04:00"),
        maintenanceWindow: maintenanceWindow.default("sun:05:00-sun:06:00"),
        multiAz: z.boolean({ error: "must be true or false" }).default(false),
        deletionProtection: z.boolean({ error: "must be true or false" }).default(true),
        protect: z.boolean({ error: "must be true or false" }).default(false),
        /** Connections kept free for superusers, migrations and monitoring. */
        reservedConnections: z.int({ error: "must be a whole number" }).min(3, { error: "must be >= 3" }).default(20),
    })
    .prefault({});

const clairSchema = z
    .strictObject({
        image: pinnedImage.default("quay.io/projectquay/clair:4.8.0"),
        host: hostname.default("clair.example.com"),
        /** How the three paths are exposed: OpenShift Routes or a Kubernetes Ingress. */
        exposure: z.enum(["route", "ingress"], { error: "must be 'route' or 'ingress'" }).default("route"),
        ingressClassName: z.string().default("nginx"),
        tlsSecretName: z.string().optional(),
        logLevel: z.enum(["debug", "info", "warn", "error"], { error: "must be one of debug, info, warn, error" }).default("info"),
        runAsUser: uid.default(65534),
        indexer: z
            .strictObject({
                replicas: replicas(500).default(1),
                resources: guaranteedResources("2", "2Gi"),
                storageClass: dnsLabel.default("gp2"),
                storageSize: quantity("100Gi").default("100Gi"),
                layerScanConcurrency: z.int({ error: "must be a whole number" }).min(1, { error: "must be >= 1" }).default(5),
            })
            .prefault({}),
        matcher: z
            .strictObject({
                replicas: replicas(500).default(1),
                resources: guaranteedResources("2", "2Gi"),
                period: goDuration.default("6h"),
            })
            .prefault({}),
        notifier: z
            .strictObject({
                replicas: replicas(500).default(1),
                resources: guaranteedResources("2", "2Gi"),
                pollInterval: goDuration.default("5m"),
                deliveryInterval: goDuration.default("1m"),
                webhookTarget: z.url({ error: "must be an http(s) URL" }).optional(),
                webhookCallback: z.url({ error: "must be an http(s) URL" }).optional(),
            })
            .prefault({}),
        database: z
            .strictObject({
                /** rds: one AWS RDS instance per component; in-cluster: a PostgreSQL StatefulSet (local stack). */
                backend: z.enum(["rds", "in-cluster"], { error: "must be 'rds' or 'in-cluster'" }).default("rds"),
                rds: rdsSchema,
                sslMode: z.enum(["disable", "require", "verify-ca", "verify-full"], { error: "must be one of disable, require, verify-ca, verify-full" }).default("verify-full"),
                /** PEM bundle that signs the database server certificates (for verify-ca / verify-full). */
                caBundle: z.string().optional(),
                /** Upper bound for pool_max_conns per pod, whatever room the database has. */
                poolMaxConnsCeiling: z.int({ error: "must be a whole number" }).min(2, { error: "must be >= 2" }).default(32),
                inClusterImage: pinnedImage.default("postgres:16.4"),
                inClusterStorageSize: quantity("5Gi").default("5Gi"),
                inClusterMaxConnections: z.int({ error: "must be a whole number" }).min(20, { error: "must be >= 20" }).default(200),
            })
            .prefault({}),
    })
    .prefault({})
    .superRefine((clair, ctx) => {
        // The pool check needs a known instance class; an unknown one is reported on its own.
        if (clair.database.backend === "rds" && !(clair.database.rds.instanceClass in knownInstanceClasses)) return;
        const plan = planPools(clairPoolSettings(clair));
        for (const mode of CLAIR_MODES) {
            const p = plan[mode];
            if (p.poolMaxConns < MIN_POOL) {
                ctx.addIssue({
                    code: "custom",
                    path: [mode, "replicas"],
                    input: clair[mode].replicas,
                    message:
                        `is too many pods for one database: ${p.peakPods} pods at peak with max_connections ${p.maxConnections} ` +
                        `(${p.reserved} reserved) leave fewer than ${MIN_POOL} connections per pod; use a larger clair.database.rds.instanceClass or fewer replicas`,
                });
            }
        }
        if (clair.exposure === "ingress" && !clair.tlsSecretName) {
            ctx.addIssue({ code: "custom", path: ["tlsSecretName"], input: clair.tlsSecretName, message: "is required when exposure is 'ingress' (the Ingress terminates TLS)" });
        }
    });

const clamavSchema = z
    .strictObject({
        image: pinnedImage.default("clamav/clamav:1.4.3"),
        replicas: replicas(50).default(2),
        resources: guaranteedResources("1", "4Gi"),
        updaterResources: guaranteedResources("500m", "1Gi"),
        runAsUser: uid.default(100),
        runAsGroup: uid.default(101),
        /** A private signature mirror (ClamAV advises one beyond about 10 hosts). */
        privateMirror: z.url({ error: "must be an http(s) URL" }).optional(),
        refresh: z
            .strictObject({
                name: dnsLabel.default("refresh-clamav-db"),
                schedule: cronSchedule.default("0 */6 * * *"),
                image: pinnedImage.default("registry.k8s.io/kubectl:v1.33.5"),
                resources: guaranteedResources("100m", "128Mi"),
            })
            .prefault({}),
    })
    .prefault({});

const malwarSchema = z
    .strictObject({
        image: pinnedImage.default("ghcr.io/ap6pack/malwar:0.2.0"),
        replicas: replicas(50).default(1),
        resources: guaranteedResources("500m", "512Mi"),
        runAsUser: uid.default(1000),
        logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"], { error: "must be one of DEBUG, INFO, WARNING, ERROR" }).default("INFO"),
        autoMigrate: z.boolean({ error: "must be true or false" }).default(true),
        webhookUrls: z.array(z.url({ error: "must be an http(s) URL" })).default([]),
        corsOrigins: z.array(z.string()).default([]),
        storageSize: quantity("1Gi").default("1Gi"),
        storageClass: z.string().optional(),
        database: z
            .strictObject({
                backend: z.enum(["sqlite", "postgres"], { error: "must be 'sqlite' or 'postgres'" }).default("sqlite"),
                /** With postgres: give Malwar its own RDS instance (else set the secret malwarPostgresUrl). */
                rds: z.boolean({ error: "must be true or false" }).default(false),
            })
            .prefault({}),
        ingress: z
            .strictObject({
                enabled: z.boolean({ error: "must be true or false" }).default(false),
                className: z.string().default("nginx"),
                annotations: z.record(z.string(), z.string()).default({}),
                hosts: z.array(hostname).default([]),
                tlsSecretName: z.string().optional(),
            })
            .prefault({}),
        autoscaling: z
            .strictObject({
                enabled: z.boolean({ error: "must be true or false" }).default(false),
                minReplicas: replicas(50).default(1),
                maxReplicas: replicas(50).default(5),
                targetCPUUtilizationPercentage: z.int().min(1).max(100).default(80),
                targetMemoryUtilizationPercentage: z.int().min(1).max(100).default(80),
            })
            .prefault({}),
    })
    .prefault({})
    .superRefine((malwar, ctx) => {
        if (malwar.database.backend === "sqlite") {
            const why = "SQLite on a ReadWriteOnce volume allows one writer: set malwar.database.backend to 'postgres' first";
            if (malwar.replicas > 1) ctx.addIssue({ code: "custom", path: ["replicas"], input: malwar.replicas, message: `must be 0 or 1 while malwar.database.backend is 'sqlite' (${why})` });
            if (malwar.autoscaling.enabled) ctx.addIssue({ code: "custom", path: ["autoscaling", "enabled"], input: true, message: `must be false while malwar.database.backend is 'sqlite' (${why})` });
        }
        if (malwar.autoscaling.enabled && malwar.autoscaling.minReplicas > malwar.autoscaling.maxReplicas) {
            ctx.addIssue({ code: "custom", path: ["autoscaling", "minReplicas"], input: malwar.autoscaling.minReplicas, message: `must be <= autoscaling.maxReplicas (${malwar.autoscaling.maxReplicas})` });
        }
        if (malwar.ingress.enabled && malwar.ingress.hosts.length === 0) {
            ctx.addIssue({ code: "custom", path: ["ingress", "hosts"], input: [], message: "must list at least one host when ingress.enabled is true" });
        }
    });

const kubernetesSchema = z
    .strictObject({
        namespace: dnsLabel.default("security-scanning"),
        createNamespace: z.boolean({ error: "must be true or false" }).default(true),
        /** PriorityClass of every pod (cluster-scoped: created by the cluster's admins). */
        priorityClassName: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "must be a PriorityClass name (lower-case DNS name)" }).optional(),
    })
    .prefault({});

/** Where the RDS instances live. Required when any database uses RDS. */
const networkSchema = z
    .strictObject({
        vpcId: z.string().regex(/^vpc-[0-9a-z]+$/, { error: "must be a VPC id such as vpc-0abc123" }).optional(),
        subnetIds: z.array(z.string().regex(/^subnet-[0-9a-z]+$/, { error: "must be a subnet id such as subnet-0abc123" })).default([]),
        /** Who may reach PostgreSQL on 5432: the cluster's node/pod CIDRs and/or its security group. */
        allowedCidrs: z.array(cidr).default([]),
        allowedSecurityGroupIds: z.array(z.string().regex(/^sg-[0-9a-z]+$/, { error: "must be a security group id such as sg-0abc123" })).default([]),
    })
    .prefault({});

/** Secrets: set with `pulumi config set --secret`; generated when absent. */
const secretsSchema = {
    clairPsk: z.string().refine((k) => /^[A-Za-z0-9+/]+={0,2}$/.test(k) && Buffer.from(k, "base64").length >= 32, {
        error: "must be base64 of at least 32 random bytes (Clair decodes it into the HS256 key)",
    }),
    malwarApiKeys: z.array(nonEmpty),
    malwarAnthropicApiKey: nonEmpty,
    malwarWebhookSecret: nonEmpty,
    malwarPostgresUrl: z.string().regex(/^postgres(ql)?:\/\//, { error: "must be a postgresql:// URL" }),
};

export const configSchema = z
    .strictObject({
        kubernetes: kubernetesSchema,
        network: networkSchema,
        clair: clairSchema,
        clamav: clamavSchema,
        malwar: malwarSchema,
        clairPsk: secretsSchema.clairPsk.optional(),
        malwarApiKeys: secretsSchema.malwarApiKeys.optional(),
        malwarAnthropicApiKey: secretsSchema.malwarAnthropicApiKey.optional(),
        malwarWebhookSecret: secretsSchema.malwarWebhookSecret.optional(),
        malwarPostgresUrl: secretsSchema.malwarPostgresUrl.optional(),
    })
    .superRefine((cfg, ctx) => {
        const usesRds = cfg.clair.database.backend === "rds" || (cfg.malwar.database.backend === "postgres" && cfg.malwar.database.rds);
        if (usesRds) {
            if (!cfg.network.vpcId) ctx.addIssue({ code: "custom", path: ["network", "vpcId"], input: undefined, message: "is required when a database runs on RDS" });
            if (cfg.network.subnetIds.length < 2) {
                ctx.addIssue({ code: "custom", path: ["network", "subnetIds"], input: cfg.network.subnetIds, message: "must list at least two subnets in different availability zones (an RDS subnet group needs two)" });
            }
            if (cfg.network.allowedCidrs.length + cfg.network.allowedSecurityGroupIds.length === 0) {
                ctx.addIssue({ code: "custom", path: ["network", "allowedCidrs"], input: [], message: "must admit the cluster: set network.allowedCidrs or network.allowedSecurityGroupIds" });
            }
        }
        if (cfg.malwar.database.backend === "postgres" && !cfg.malwar.database.rds && !cfg.malwarPostgresUrl) {
            ctx.addIssue({ code: "custom", path: ["malwarPostgresUrl"], input: undefined, message: "is required (as a secret) when malwar.database.backend is 'postgres' without malwar.database.rds" });
        }
    });

/** Inputs of the Clair pool plan, from the validated config. */
export function clairPoolSettings(clair: {
    indexer: { replicas: number };
    matcher: { replicas: number };
    notifier: { replicas: number };
    database: { backend: string; rds: { instanceClass: string; reservedConnections: number }; inClusterMaxConnections: number; poolMaxConnsCeiling: number };
}) {
    const rds = clair.database.backend === "rds";
    return {
        replicas: { indexer: clair.indexer.replicas, matcher: clair.matcher.replicas, notifier: clair.notifier.replicas },
        maxConnections: rds ? maxConnectionsFor(clair.database.rds.instanceClass) : clair.database.inClusterMaxConnections,
        reserved: rds ? clair.database.rds.reservedConnections : IN_CLUSTER_RESERVED_CONNECTIONS,
        ceiling: clair.database.poolMaxConnsCeiling,
    };
}

/** superuser_reserved_connections of a stock PostgreSQL, plus one for pg_isready probes. */
export const IN_CLUSTER_RESERVED_CONNECTIONS = 5;

export type PlatformConfig = z.infer<typeof configSchema>;
export type ClairConfig = PlatformConfig["clair"];
export type RdsSettings = ClairConfig["database"]["rds"];
export type { GuaranteedResources } from "../components/shared/resources";

/** Config keys that hold secrets: they must be set with --secret. */
export const SECRET_KEYS = Object.keys(secretsSchema);

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Validates the raw stack config: `raw` maps "scanning-platform:key" to the string the engine
 * passes (structured values arrive as JSON). Keys of other namespaces (aws:, kubernetes:) are
 * left to their providers.
 */
export function parseConfig(raw: Record<string, string>, secretKeys: string[] = []): PlatformConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace !== PROJECT) continue;
        values[key] = decode(text);
        if (SECRET_KEYS.includes(key) && !secretKeys.includes(fullKey)) {
            problems.push(`${PROJECT}:${key}: holds a secret in plaintext; set it with 'pulumi config set --secret ${key} ...'`);
        }
    }
    const result = configSchema.safeParse(values, { reportInput: true });
    if (!result.success) {
        for (const issue of result.error.issues) problems.push(describeIssue(issue, values));
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return result.data!;
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

/** Structured config arrives as JSON; plain values as strings ("3", "true" are decoded too). */
function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): string {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
        const parent = path.join(".");
        return issue.keys
            .map((key) => {
                const name = parent ? `${parent}.${key}` : key;
                return `${PROJECT}:${name}: unknown key (a typo?); allowed here: ${allowedKeys(path).join(", ")}`;
            })
            .join("\n  - ");
    }
    const key = `${PROJECT}:${path.join(".")}`;
    const secret = SECRET_KEYS.includes(path[0]);
    const input = "input" in issue && issue.input !== undefined ? issue.input : lookup(values, path);
    const shown = secret ? "[secret]" : input === undefined ? "(unset)" : JSON.stringify(input);
    return `${key} = ${shown}: ${issue.message}`;
}

function lookup(values: unknown, path: string[]): unknown {
    let current = values;
    for (const part of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<string, unknown>)[part];
    }
    return current;
}

/** The keys a strict object accepts at `path`, read from the schema itself. */
function allowedKeys(path: string[]): string[] {
    let schema: z.ZodType = configSchema;
    for (const part of [...path, ""]) {
        const shape = objectShape(schema);
        if (!shape) return [];
        if (part === "") return Object.keys(shape);
        schema = shape[part] as z.ZodType;
    }
    return [];
}

function objectShape(schema: z.ZodType): Record<string, unknown> | undefined {
    // Unwrap defaults, prefaults, pipes and refinements until the object itself.
    let current: any = schema;
    for (let i = 0; i < 10 && current; i++) {
        if (current.shape) return current.shape;
        const def = current._zod?.def;
        current = def?.innerType ?? def?.in ?? def?.schema;
    }
    return undefined;
}

/**
 * Every config key path the schema accepts ("clair.indexer.replicas"), for the docs test.
 * Resource blocks are one key each (their requests/limits shape is documented once).
 */
export function configKeys(schema: z.ZodType = configSchema, prefix = ""): string[] {
    const shape = objectShape(schema);
    if (!shape || /(^|\.)(resources|\w+Resources)$/.test(prefix)) return [prefix];
    return Object.entries(shape).flatMap(([key, child]) => configKeys(child as z.ZodType, prefix ? `${prefix}.${key}` : key));
}
