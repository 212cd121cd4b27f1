/** Malwar's part of the stack config. */
import { z } from "zod";
import { podSettingsSchema, qualifiedNameProblem } from "./pod";
import { bool, cronSchedule, corsOrigin, guaranteedResources, ingressHost, objectName, pinnedImage, quantity, replicas, uid, url } from "./primitives";


const annotations = z
    .record(z.string(), z.string({ error: "must be text (quote numbers and booleans)" }), { error: "must be a block of annotation: value pairs" })
    .superRefine((record, ctx) => {
        for (const key of Object.keys(record)) {
            if (qualifiedNameProblem(key)) {
                ctx.addIssue({
                    code: "custom",
                    path: [key],
                    input: key,
                    message: "is not an annotation key: an optional prefix such as cert-manager.io/ and a name of letters, digits, '-', '_' and '.' (at most 63)",
                });
            }
        }
    });

/**
 * Why Malwar has no PostgreSQL option (checked against the 0.4.0 wheel: malwar/api/app.py,
 * malwar/storage/database.py): its settings accept db_backend and postgres_url, but the API's
 * start-up opens SQLite at db_path whatever they say, and asyncpg is only an optional extra.
 */
/** Why Malwar runs at most one pod. */
export const MALWAR_ONE_WRITER = "SQLite on a ReadWriteOnce volume allows one writer, and SQLite is the only store Malwar 0.4.0 serves from";

export const MALWAR_SQLITE_ONLY =
    "Malwar 0.4.0's API serves from SQLite only: its start-up opens SQLite at MALWAR_DB_PATH whatever MALWAR_DB_BACKEND says, and PostgreSQL's driver (asyncpg) is not part of its install; this option returns when a Malwar release serves from PostgreSQL";

/** arn:aws:iam::<account>:oidc-provider/<issuer without https://>, as IAM names an OIDC provider. */
const OIDC_PROVIDER_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:oidc-provider\/([A-Za-z0-9.-]+(\/[A-Za-z0-9._-]+)*)$/;
const oidcProviderArn = z
    .string({ error: "must be an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE" })
    .regex(OIDC_PROVIDER_ARN, { error: "must be an IAM OIDC provider ARN: arn:aws:iam::<12-digit account>:oidc-provider/<issuer host and path>, e.g. arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE" });

/** The issuer (host and path, no scheme) an OIDC provider ARN names: the prefix of its condition keys. */
export function oidcIssuerOf(providerArn: string): string {
    const match = OIDC_PROVIDER_ARN.exec(providerArn);
    if (!match) throw new Error(`not an IAM OIDC provider ARN: ${providerArn}`);
    return match[2];
}

/**
 * Malwar's log level: malwar/core/logging.py setup_logging takes getattr(logging, level.upper(),
 * logging.INFO), so any case of Python's level names; another word would silently be INFO, which
 * this program refuses. (Malwar 0.4.0 reads MALWAR_LOG_LEVEL into its settings but its start-up
 * does not call setup_logging.)
 */
const MALWAR_LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL"];
const malwarLogLevel = z.string({ error: `must be one of ${MALWAR_LOG_LEVELS.join(", ")}` }).refine((level) => MALWAR_LOG_LEVELS.includes(level.toUpperCase()), {
    error: `must be one of ${MALWAR_LOG_LEVELS.join(", ")} (in any case, as Malwar reads them; another word would silently be INFO)`,
});

export const malwarSchema = z
    .strictObject({
        image: pinnedImage.default("ghcr.io/ap6pack/malwar:0.4.0"),
        replicas: replicas(50).default(1),
        resources: guaranteedResources("500m", "512Mi"),
        runAsUser: uid.default(1000),
        logLevel: malwarLogLevel.default("INFO"),
        autoMigrate: bool.default(true),
        webhookUrls: z.array(url(["http", "https"], "https://hooks.example.com/malwar", "python"), { error: "must be a list of http:// or https:// URLs" }).default([]),
        corsOrigins: z
            .array(corsOrigin, { error: "must be a list of origins such as https://app.example.com" })
            // Starlette allows every origin when "*" is anywhere in the list; the others beside it would suggest a limit there is not.
            .refine((origins) => !origins.includes("*") || origins.length === 1, { error: "lists * beside other origins: Starlette (which Malwar uses) then allows every origin, so this program takes * only alone; write [\"*\"] or list the origins" })
            .default([]),
        storageSize: quantity("bytes", "1Gi").default("1Gi"),
        storageClass: objectName.optional(),
        // Only SQLite works (MALWAR_SQLITE_ONLY); the keys stay so that asking for PostgreSQL gets
        // that reason instead of "unknown key".
        database: z
            .strictObject({
                backend: z.enum(["sqlite", "postgres"], { error: "must be 'sqlite' (the only store Malwar 0.4.0 serves from)" }).default("sqlite"),
                rds: bool.default(false),
            })
            .prefault({}),
        // Scheduled SQLite snapshots to an S3 bucket the program creates (components/malwar/backup.ts).
        backup: z
            .strictObject({
                enabled: bool.default(true),
                schedule: cronSchedule.default("30 */6 * * *"),
                retentionDays: z.int({ error: "must be a whole number of days" }).min(1, { error: "must be 1 to 3650 (days)" }).max(3650, { error: "must be 1 to 3650 (days)" }).default(30),
                oidcProviderArn: oidcProviderArn.optional(),
                uploadImage: pinnedImage.default("amazon/aws-cli:2.32.2"),
                resources: guaranteedResources("250m", "256Mi"),
            })
            .prefault({}),
        ingress: z
            .strictObject({
                enabled: bool.default(false),
                className: objectName.default("nginx"),
                annotations: annotations.default({}),
                hosts: z.array(ingressHost, { error: "must be a list of host names" }).default([]),
                tlsSecretName: objectName.optional(),
            })
            .prefault({}),
        /** Cluster fit: pull secrets, node selection, tolerations, affinity, extra pod labels and annotations (config/pod.ts). */
        pod: podSettingsSchema,
    })
    .prefault({})
    .superRefine((malwar, ctx) => {
        if (malwar.database.backend === "postgres") {
            ctx.addIssue({ code: "custom", path: ["database", "backend"], input: "postgres", message: `is not offered; allowed: 'sqlite'. ${MALWAR_SQLITE_ONLY}` });
        }
        if (malwar.database.rds) {
            ctx.addIssue({ code: "custom", path: ["database", "rds"], input: true, message: `must be false: an RDS instance for Malwar would sit unused. ${MALWAR_SQLITE_ONLY}` });
        }
        if (malwar.replicas > 1) ctx.addIssue({ code: "custom", path: ["replicas"], input: malwar.replicas, message: `must be 0 or 1 (${MALWAR_ONE_WRITER})` });
        if (malwar.backup.enabled && !malwar.backup.oidcProviderArn) {
            ctx.addIssue({
                code: "custom",
                path: ["backup", "oidcProviderArn"],
                input: undefined,
                message: "is required when malwar.backup.enabled is true: the ARN of the cluster's IAM OIDC provider (arn:aws:iam::<account>:oidc-provider/<issuer>), which the backup role trusts; or set malwar.backup.enabled to false",
            });
        }
        if (malwar.ingress.enabled && malwar.ingress.hosts.length === 0) {
            ctx.addIssue({ code: "custom", path: ["ingress", "hosts"], input: [], message: "must list at least one host when ingress.enabled is true" });
        }
    });
