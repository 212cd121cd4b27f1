/** Malwar's part of the stack config. */
import { z } from "zod";
import { MALWAR_READINESS_PERIOD_SECONDS } from "../components/malwar/readiness";
import { qualifiedNameProblem } from "../lib/kubernetes-names";
import { podSettingsSchema } from "./pod";
import {
    bool,
    cronSchedule,
    corsOrigin,
    guaranteedResources,
    hostname,
    ingressHost,
    objectName,
    pinnedImage,
    quantity,
    replicas,
    uid,
    url,
} from "./primitives";

const annotations = z
    .record(z.string(), z.string({ error: "must be text (quote numbers and booleans)" }), { error: "must be a block of annotation: value pairs" })
    .superRefine((record, ctx) => {
        for (const key of Object.keys(record)) {
            if (qualifiedNameProblem(key)) {
                ctx.addIssue({
                    code: "custom",
                    path: [key],
                    input: key,
                    message:
                        "is not an annotation key: an optional prefix such as cert-manager.io/ and a name of letters, digits, '-', '_' and '.' (at most 63)",
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
    .regex(OIDC_PROVIDER_ARN, {
        error: "must be an IAM OIDC provider ARN: arn:aws:iam::<12-digit account>:oidc-provider/<issuer host and path>, e.g. arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",
    });

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
const malwarLogLevel = z
    .string({ error: `must be one of ${MALWAR_LOG_LEVELS.join(", ")}` })
    .refine((level) => MALWAR_LOG_LEVELS.includes(level.toUpperCase()), {
        error: `must be one of ${MALWAR_LOG_LEVELS.join(", ")} (in any case, as Malwar reads them; another word would silently be INFO)`,
    });

/** The verdicts Malwar gives a scan (malwar/models/scan.py ScanResult.verdict), as it compares them: exactly, in upper case. */
export const MALWAR_VERDICTS = ["MALICIOUS", "SUSPICIOUS", "CAUTION", "CLEAN"] as const;
const verdictList = z
    .array(z.string({ error: `must be one of ${MALWAR_VERDICTS.join(", ")}` }), { error: `must be a list of verdicts: ${MALWAR_VERDICTS.join(", ")}` })
    .superRefine((verdicts, ctx) => {
        verdicts.forEach((verdict, i) => {
            if (!(MALWAR_VERDICTS as readonly string[]).includes(verdict)) {
                ctx.addIssue({
                    code: "custom",
                    path: [i],
                    input: verdict,
                    message: `must be one of ${MALWAR_VERDICTS.join(", ")}, in upper case (Malwar compares them exactly: another spelling never matches)`,
                });
            } else if (verdicts.indexOf(verdict) !== i) {
                ctx.addIssue({ code: "custom", path: [i], input: verdict, message: "is listed twice" });
            }
        });
        // Malwar reads an empty list two ways: its webhook sender then sends nothing, its notification router everything.
        if (verdicts.length === 0)
            ctx.addIssue({ code: "custom", input: [], message: "must list at least one verdict (to send no webhooks, leave malwar.webhookUrls empty)" });
    });

/** Requests a minute: Malwar refuses every request once a client has made this many in the last 60 s. */
const perMinute = z.int({ error: "must be a whole number of requests a minute" }).min(1, { error: "must be 1 or more (at 0 Malwar refuses every request)" });

/**
 * The kubelet's readiness probe asks /api/v1/ready every 10 s without an API key, so it counts
 * against the per-IP limit of the node's address. Malwar refuses a request once it has seen the
 * limit's count in the 60 s before it: five earlier probes on time, six when one came late.
 */
export const MALWAR_MIN_PER_IP = 60 / MALWAR_READINESS_PERIOD_SECONDS + 1;

/** An SMTP mailbox as Malwar hands it to smtplib: local@domain, no display name. */
const mailbox = z
    .string({ error: "must be an address such as alerts@example.com" })
    .regex(/^[^@\s<>(),;:"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, { error: "must be a bare address such as alerts@example.com (no display name, no spaces)" });

/** Anthropic model ids, as Malwar sends them to the Messages API (its only LLM client). */
const modelId = z.string({ error: "must be an Anthropic model id such as claude-sonnet-5" }).regex(/^claude-[a-z0-9]+([.-][a-z0-9]+)*$/, {
    error: "must be an Anthropic model id such as claude-sonnet-5 or claude-opus-4-1: claude- then lower-case letters, digits, '-' and '.'",
});

export const malwarSchema = z
    .strictObject({
        image: pinnedImage
            .default("ghcr.io/ap6pack/malwar:0.4.0")
            .describe("pinned Malwar image; the tests check every `MALWAR_*` variable against this release's settings class"),
        replicas: replicas(50).default(1).describe("0 or 1 (SQLite: one writer)"),
        resources: guaranteedResources("500m", "512Mi").describe("Malwar's container, requests = limits"),
        runAsUser: uid.default(1000).describe("numeric uid (the image's own user); with `kubernetes.platform: kubernetes`"),
        logLevel: malwarLogLevel
            .default("INFO")
            .describe(
                "DEBUG, INFO, WARNING, WARN, ERROR, CRITICAL, FATAL, in any case (Malwar upper-cases it for Python's " +
                    "`logging`); Malwar 0.4.0 reads it but its start-up does not apply it",
            ),
        autoMigrate: bool.default(true).describe("Malwar's `MALWAR_AUTO_MIGRATE`: Malwar migrates its SQLite schema at start-up"),
        webhookUrls: z
            .array(url(["http", "https"], "https://hooks.example.com/malwar", "python"), { error: "must be a list of http:// or https:// URLs" })
            .default([])
            .describe("sent as a JSON array; each URL's port joins Malwar's NetworkPolicy egress"),
        corsOrigins: z
            .array(corsOrigin, { error: "must be a list of origins such as https://app.example.com" })
            // Starlette allows every origin when "*" is anywhere in the list; the others beside it would suggest a limit there is not.
            .refine((origins) => !origins.includes("*") || origins.length === 1, {
                error: 'lists * beside other origins: Starlette (which Malwar uses) then allows every origin, so this program takes * only alone; write ["*"] or list the origins',
            })
            .default([])
            .describe(
                "origins (`https://app.example.com`) or `*`; sent as a JSON array; empty allows no cross-origin " +
                    "browser calls (Malwar's own default is `[\"*\"]`). Starlette's CORSMiddleware compares the browser's " +
                    "`Origin` header as an exact string, so each entry is written as browsers send it: lower case, no " +
                    "default port (`:443`), no path or trailing `/` (another spelling never matches and is refused). `*` " +
                    "only alone (Starlette allows every origin once `*` is listed); `null` is refused (the program's " +
                    "rule: any site can send it from a sandboxed frame)",
            ),
        // Malwar's own default: the webhooks fire for these two only.
        webhookVerdicts: verdictList
            .default(["MALICIOUS", "SUSPICIOUS"])
            .describe(
                "`MALWAR_WEBHOOK_VERDICTS`: the verdicts a scan must have for the webhooks to fire, from `MALICIOUS`, " +
                    "`SUSPICIOUS`, `CAUTION`, `CLEAN` (risk score 75+, 40+, 15+, below 15), in upper case (Malwar " +
                    "compares them exactly, so `malicious` would never match); no repeats; not empty (Malwar's webhook " +
                    "sender reads `[]` as none, its router as all: leave `webhookUrls` empty instead). Malwar's own " +
                    "default",
            ),
        rateLimit: z
            .strictObject({
                perKey: perMinute
                    .default(600)
                    .describe(
                        "`MALWAR_RATE_LIMIT_PER_KEY`: requests a minute per `X-API-Key` value (a sliding 60 s window, in the " +
                            "pod's memory); past it Malwar answers 429 with `Retry-After`. 1 or more. Malwar's own default ([what " +
                            "is counted](operations.md#malwar-rate-limits))",
                    ),
                perIp: perMinute
                    .default(60)
                    .describe(
                        "`MALWAR_RATE_LIMIT_PER_IP`: requests a minute per client address for requests without an `X-API-Key` " +
                            "header; behind the Ingress the address is the Ingress controller's pod, not the client ([Malwar's " +
                            "rate limits](operations.md#malwar-rate-limits)). At least 7: the kubelet's readiness probe asks " +
                            "`/api/v1/ready` every 10 s without a key from the node's address (6 a minute, a seventh when one " +
                            "comes late), and a probe answered 429 takes the pod out of its Service. Malwar's own default",
                    ),
                // Kept so that asking for it gets the reason instead of "unknown key".
                rpm: z
                    .unknown()
                    .optional()
                    .describe(
                        "refused: Malwar 0.4.0 has a `MALWAR_RATE_LIMIT_RPM` setting but nothing reads it; `perKey` and " + "`perIp` are the limits it applies",
                    ),
            })
            .prefault({}),
        // Malwar's own defaults (malwar/core/config.py).
        llm: z
            .strictObject({
                model: modelId
                    .default("claude-sonnet-5")
                    .describe(
                        "`MALWAR_LLM_MODEL`: the Anthropic model the LLM layer asks (`claude-` and lower-case letters, " +
                            "digits, `-`, `.`); the layer runs only with `malwarAnthropicApiKey`. Malwar's own default",
                    ),
                maxTokens: z
                    .int({ error: "must be a whole number of tokens" })
                    .min(1, { error: "must be 1 or more (tokens the model may write per analysis)" })
                    .default(4096)
                    .describe(
                        "`MALWAR_LLM_MAX_TOKENS`: the most tokens the model may write per analysis (`max_tokens`), 1 or more; " +
                            "the model's own ceiling is Anthropic's to enforce. Malwar's own default",
                    ),
                skipBelowRisk: z
                    .int({ error: "must be a whole number from 0 to 100" })
                    .min(0, { error: "must be 0 to 100 (Malwar's risk score runs from 0 to 100; 0 sends every scan to the LLM)" })
                    .max(100, { error: "must be 0 to 100 (Malwar's risk score runs from 0 to 100; at 100 only scans already at 100 reach the LLM)" })
                    .default(15)
                    .describe(
                        "`MALWAR_LLM_SKIP_BELOW_RISK`: a scan whose risk score from the layers before it is below this skips " +
                            "the LLM layer; 0 to 100 (the score's range): 0 sends every scan, higher saves calls on clean-looking " +
                            "skills. **Malwar 0.4.0 applies it only to scans that do not list their layers**: scheduled scans " +
                            'without layers, and API requests that send `"layers": []`. An API request that leaves `layers` out ' +
                            "gets all four listed (its request model's default), and a listed LLM layer always runs; such clients " +
                            'save calls with `"use_llm": false`. Malwar\'s own default',
                    ),
            })
            .prefault({}),
        notifications: z
            .strictObject({
                // Slack, Teams and PagerDuty are on when their secret is set (malwarSlackWebhookUrl, ...);
                // mail when email.host is.
                email: z
                    .strictObject({
                        host: hostname.optional().meta({
                            description:
                                "`MALWAR_SMTP_HOST`: the mail server, a host name; set, Malwar's email channel is on (the other " +
                                "`email` keys are refused without it). Mail goes direct, never through `proxy.*` (Python's smtplib " +
                                "does not use it)",
                            defaultText: "(none: no mail)",
                        }),
                        port: z
                            .int({ error: "must be a port number" })
                            .min(1, { error: "must be 1 to 65535" })
                            .max(65535, { error: "must be 1 to 65535" })
                            .default(587)
                            .describe(
                                "`MALWAR_SMTP_PORT`; joins Malwar's NetworkPolicy egress. 465 is refused: it expects TLS from the " +
                                    "first byte, and Malwar connects in plain text and asks for STARTTLS",
                            ),
                        useTls: bool
                            .default(true)
                            .describe(
                                "`MALWAR_SMTP_USE_TLS`: STARTTLS before logging in and sending; `false` sends in plain text (refused " +
                                    "with `malwarSmtpPassword`)",
                            ),
                        user: z
                            .string({ error: "must be text" })
                            .min(1, { error: "must not be empty (leave it out to send without logging in)" })
                            .optional()
                            .meta({
                                description: "`MALWAR_SMTP_USER`, in the ConfigMap; its password is `malwarSmtpPassword`",
                                defaultText: "(none: no login)",
                            }),
                        from: mailbox.optional().meta({
                            description: "`MALWAR_SMTP_FROM`: a bare address (`malwar@example.com`)",
                            defaultText: "(none; required with `host`)",
                        }),
                        to: z.array(mailbox, { error: "must be a list of addresses such as alerts@example.com" }).default([]).meta({
                            description: "`MALWAR_SMTP_TO`: bare addresses, sent as a JSON array",
                            defaultText: "`[]` (at least one with `host`)",
                        }),
                    })
                    .prefault({}),
            })
            .prefault({}),
        storageSize: quantity("bytes", "1Gi").default("1Gi").describe("SQLite claim"),
        storageClass: objectName.optional().meta({
            description: "SQLite claim class",
            defaultText: "(cluster default)",
        }),
        // Only SQLite works (MALWAR_SQLITE_ONLY); the keys stay so that asking for PostgreSQL gets
        // that reason instead of "unknown key".
        database: z
            .strictObject({
                backend: z
                    .enum(["sqlite", "postgres"], { error: "must be 'sqlite' (the only store Malwar 0.4.0 serves from)" })
                    .default("sqlite")
                    .describe("`sqlite` only; `postgres` is refused ([why](architecture.md#malwar-serves-from-sqlite-only))"),
                rds: bool
                    .default(false)
                    .describe("`true` is refused: Malwar cannot use an RDS instance " + "([why](architecture.md#malwar-serves-from-sqlite-only))"),
            })
            .prefault({}),
        // Scheduled SQLite snapshots to an S3 bucket the program creates (components/malwar/backup.ts).
        backup: z
            .strictObject({
                enabled: bool
                    .default(true)
                    .describe(
                        "scheduled SQLite backups to an S3 bucket ([Malwar backups](operations.md#malwar-backups)); the local " +
                            "stack sets `false` (no AWS there)",
                    ),
                schedule: cronSchedule.default("30 */6 * * *").describe("as `clamav.refresh.schedule` takes it"),
                retentionDays: z
                    .int({ error: "must be a whole number of days" })
                    .min(1, { error: "must be 1 to 3650 (days)" })
                    .max(3650, { error: "must be 1 to 3650 (days)" })
                    .default(30)
                    .describe("1 to 3650: days a backup object is kept; a replaced or deleted version is kept as long again"),
                oidcProviderArn: oidcProviderArn.optional().meta({
                    description:
                        "the cluster's IAM OIDC provider, which the backup role trusts; the committed values are " +
                        "placeholders: set the cluster's (`aws iam list-open-id-connect-providers`)",
                    defaultText: "(none; required while backups are on)",
                }),
                uploadImage: pinnedImage.default("amazon/aws-cli:2.32.2").describe("AWS CLI v2 image of the upload container"),
                resources: guaranteedResources("250m", "256Mi").describe("each of the two containers (they run one after the other)"),
            })
            .prefault({}),
        ingress: z
            .strictObject({
                enabled: bool.default(false).describe("an Ingress for Malwar's API (Service port 8000)"),
                className: objectName.default("nginx").describe("the Ingress's class; with `enabled`"),
                annotations: annotations.default({}).describe("annotations of the Ingress (your controller's settings); with `enabled`"),
                hosts: z
                    .array(ingressHost, { error: "must be a list of host names" })
                    .default([])
                    .describe("required when enabled; host names or wildcards (`*.example.com`)"),
                tlsSecretName: objectName.optional().describe("TLS Secret of the Ingress; without it the Ingress serves plain http"),
            })
            .prefault({}),
        /** Cluster fit: pull secrets, node selection, tolerations, affinity, extra pod labels and annotations (config/pod.ts). */
        pod: podSettingsSchema,
    })
    .prefault({})
    .superRefine((malwar, ctx) => {
        if (malwar.database.backend === "postgres") {
            ctx.addIssue({
                code: "custom",
                path: ["database", "backend"],
                input: "postgres",
                message: `is not offered; allowed: 'sqlite'. ${MALWAR_SQLITE_ONLY}`,
            });
        }
        if (malwar.database.rds) {
            ctx.addIssue({
                code: "custom",
                path: ["database", "rds"],
                input: true,
                message: `must be false: an RDS instance for Malwar would sit unused. ${MALWAR_SQLITE_ONLY}`,
            });
        }
        if (malwar.replicas > 1) ctx.addIssue({ code: "custom", path: ["replicas"], input: malwar.replicas, message: `must be 0 or 1 (${MALWAR_ONE_WRITER})` });
        if (malwar.backup.enabled && !malwar.backup.oidcProviderArn) {
            ctx.addIssue({
                code: "custom",
                path: ["backup", "oidcProviderArn"],
                input: undefined,
                message:
                    "is required when malwar.backup.enabled is true: the ARN of the cluster's IAM OIDC provider (arn:aws:iam::<account>:oidc-provider/<issuer>), which the backup role trusts; or set malwar.backup.enabled to false",
            });
        }
        if (malwar.rateLimit.rpm !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["rateLimit", "rpm"],
                input: malwar.rateLimit.rpm,
                message:
                    "is not offered: Malwar 0.4.0 reads MALWAR_RATE_LIMIT_RPM into its settings but its rate limiter (malwar/api/middleware.py) never uses it; set rateLimit.perKey (requests with an X-API-Key header) and rateLimit.perIp (requests without one)",
            });
        }
        if (malwar.rateLimit.perIp < MALWAR_MIN_PER_IP) {
            ctx.addIssue({
                code: "custom",
                path: ["rateLimit", "perIp"],
                input: malwar.rateLimit.perIp,
                message: `must be at least ${MALWAR_MIN_PER_IP}: the kubelet's readiness probe asks /api/v1/ready every ${MALWAR_READINESS_PERIOD_SECONDS} s without an API key (Malwar counts up to ${MALWAR_MIN_PER_IP - 1} of them in a minute from the node's address when one comes late), and a probe answered 429 takes Malwar out of its Service`,
            });
        }
        const email = malwar.notifications.email;
        const at = (key: string) => ["notifications", "email", key];
        if (email.host === undefined) {
            const set = { user: email.user, from: email.from, to: email.to.length ? email.to : undefined };
            for (const [key, value] of Object.entries(set)) {
                if (value !== undefined)
                    ctx.addIssue({
                        code: "custom",
                        path: at(key),
                        input: value,
                        message: "is set but malwar.notifications.email.host is not: mail is off without a mail server; set the host or remove this",
                    });
            }
        } else {
            if (email.from === undefined)
                ctx.addIssue({
                    code: "custom",
                    path: at("from"),
                    input: undefined,
                    message: "is required with malwar.notifications.email.host: the sender's address, such as malwar@example.com",
                });
            if (email.to.length === 0)
                ctx.addIssue({
                    code: "custom",
                    path: at("to"),
                    input: [],
                    message: "must list at least one address with malwar.notifications.email.host (Malwar sends no mail without one)",
                });
        }
        if (email.host !== undefined && email.port === 465) {
            ctx.addIssue({
                code: "custom",
                path: ["notifications", "email", "port"],
                input: 465,
                message:
                    "must not be 465: that port expects TLS from the first byte, and Malwar 0.4.0 connects in plain text and asks for STARTTLS (smtplib.SMTP, then starttls); use the server's submission port, usually 587",
            });
        }
        if (malwar.ingress.enabled && malwar.ingress.hosts.length === 0) {
            ctx.addIssue({ code: "custom", path: ["ingress", "hosts"], input: [], message: "must list at least one host when ingress.enabled is true" });
        }
    });
