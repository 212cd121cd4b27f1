/**
 * The stack configuration: one typed, validated schema (zod) for every key under the project
 * namespace, assembled from the per-app schemas. Validation runs before any resource is
 * registered, so a bad value fails `pulumi preview` with the key, the value and what is allowed.
 */
import { placeholdersSchema } from "./placeholders";
import { z } from "zod";
import { clairSchema } from "./clair";
import { clamavSchema } from "./clamav";
import { MALWAR_SQLITE_ONLY, malwarSchema } from "./malwar";
import { monitoringSchema } from "./monitoring";
import { bool, cidr, configMapKey, dnsLabel, nonEmpty, objectName, url, urlProblem } from "./primitives";

export const PROJECT = "scanning-platform";

/** The SCC an OpenShift namespace's ServiceAccounts may use without an admin's grant (every authenticated account). */
export const OPENSHIFT_DEFAULT_SCC = "restricted-v2";
/** The SCC that admits the images' own fixed IDs, when an admin lets the program bind it (its ClusterRole ships with OpenShift). */
export const OPENSHIFT_FIXED_ID_SCC = "nonroot-v2";

export const kubernetesSchema = z
    .strictObject({
        namespace: dnsLabel().default("security-scanning"),
        createNamespace: bool.default(true),
        /** PriorityClass of every pod (cluster-scoped: created by the cluster's admins). */
        priorityClassName: objectName.optional(),
        /**
         * openshift: pods set no runAsUser, runAsGroup or fsGroup, so restricted-v2 assigns them
         * from the namespace's range; kubernetes: pods run as the images' own users.
         */
        platform: z.enum(["kubernetes", "openshift"], { error: "must be 'kubernetes' or 'openshift'" }).default("kubernetes"),
        /**
         * OpenShift only: the SCC the pods are meant for. restricted-v2 needs no grant; nonroot-v2
         * keeps the images' fixed IDs and binds the program's ServiceAccounts to OpenShift's
         * ClusterRole system:openshift:scc:nonroot-v2 (which takes a cluster admin's consent).
         */
        openshiftScc: z.enum([OPENSHIFT_DEFAULT_SCC, OPENSHIFT_FIXED_ID_SCC], { error: `must be '${OPENSHIFT_DEFAULT_SCC}' (the namespace's IDs, no grant) or '${OPENSHIFT_FIXED_ID_SCC}' (the images' own IDs, a RoleBinding to system:openshift:scc:${OPENSHIFT_FIXED_ID_SCC})` }).optional(),
    })
    .prefault({})
    .superRefine((k, ctx) => {
        if (k.openshiftScc !== undefined && k.platform !== "openshift") {
            ctx.addIssue({ code: "custom", path: ["openshiftScc"], input: k.openshiftScc, message: "applies only with kubernetes.platform: openshift (SCCs are OpenShift's); remove it or set the platform" });
        }
    });

/** An EC2 id: the prefix and 8 or 17 hexadecimal digits (vpc-0abc1234, subnet-0123456789abcdef0). */
const awsId = (prefix: string) =>
    z.string({ error: `must be an id such as ${prefix}-0123456789abcdef0` }).regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), {
        error: `must be an id such as ${prefix}-0123456789abcdef0 (${prefix}- and 8 or 17 hexadecimal digits)`,
    });

/** Where the RDS instances live. Required when any database uses RDS. */
export const networkSchema = z
    .strictObject({
        vpcId: awsId("vpc").optional(),
        subnetIds: z.array(awsId("subnet"), { error: "must be a list of subnet ids" }).default([]),
        /** Who may reach PostgreSQL on 5432: the cluster's node/pod CIDRs and/or its security group. */
        allowedCidrs: z.array(cidr, { error: "must be a list of IPv4 networks such as 10.0.0.0/16" }).default([]),
        allowedSecurityGroupIds: z.array(awsId("sg"), { error: "must be a list of security group ids" }).default([]),
    })
    .prefault({});

/** A proxy URL: http(s)://host:port, no credentials (they would land in pod specs in plain text). */
const proxyUrl = url(["http", "https"], "http://proxy.example.com:3128", "go").superRefine((value, ctx) => {
    try {
        const parsed = new URL(value);
        if (parsed.username || parsed.password) ctx.addIssue({ code: "custom", input: value, message: "holds credentials (user:password@), which would be readable in every pod spec: use a proxy that admits the cluster without them" });
        if (parsed.pathname !== "/" || parsed.search) ctx.addIssue({ code: "custom", input: value, message: "has a path or query: a proxy is scheme, host and port only" });
    } catch {
        // url() has said why.
    }
});

/** The cluster's egress proxy: Clair's containers, Malwar's and the freshclam that reaches outside use it. */
export const proxySchema = z
    .strictObject({
        httpProxy: proxyUrl.optional(),
        httpsProxy: proxyUrl.optional(),
        noProxy: z.array(nonEmpty, { error: "must be a list of hosts, .domains or networks" }).default([]),
    })
    .prefault({});

/** The key OpenShift's cluster network operator fills in a ConfigMap labelled for injection. */
export const OPENSHIFT_CA_BUNDLE_KEY = "ca-bundle.crt";

/**
 * A trusted CA bundle for the updaters behind TLS inspection (Clair's containers, the freshclam
 * that reaches outside): OpenShift's injected bundle, or a key of an existing ConfigMap. Off
 * when neither is set.
 */
export const trustedCaSchema = z
    .strictObject({
        /** OpenShift: the program creates an empty ConfigMap labelled config.openshift.io/inject-trusted-cabundle. */
        openshiftInjected: bool.default(false),
        /** Elsewhere: an existing ConfigMap in the namespace holding a complete PEM bundle. */
        configMap: objectName.optional(),
        key: configMapKey.optional(),
    })
    .prefault({})
    .superRefine((ca, ctx) => {
        if (ca.openshiftInjected && ca.configMap !== undefined) {
            ctx.addIssue({ code: "custom", path: ["configMap"], input: ca.configMap, message: "cannot be combined with trustedCA.openshiftInjected: true (the program then creates the ConfigMap OpenShift fills); set one or the other" });
        }
        if (ca.openshiftInjected && ca.key !== undefined && ca.key !== OPENSHIFT_CA_BUNDLE_KEY) {
            ctx.addIssue({ code: "custom", path: ["key"], input: ca.key, message: `must be ${OPENSHIFT_CA_BUNDLE_KEY} (the key OpenShift's cluster network operator fills) or absent with trustedCA.openshiftInjected: true` });
        }
        if (!ca.openshiftInjected && ca.configMap === undefined && ca.key !== undefined) {
            ctx.addIssue({ code: "custom", path: ["key"], input: ca.key, message: "needs trustedCA.configMap, the ConfigMap that holds the bundle (or trustedCA.openshiftInjected: true on OpenShift)" });
        }
    });

/**
 * A Slack or Teams incoming-webhook URL: the URL is the credential. https only, and on 443, the
 * port Malwar's NetworkPolicy admits for it (the port is not read from the secret).
 */
function chatWebhookUrl(example: string) {
    return url(["https"], example, "python").superRefine((value, ctx) => {
        // WHATWG drops the default port: an empty port is 443 here.
        if (urlProblem(value, ["https"], "python") === undefined && new URL(value).port !== "") {
            ctx.addIssue({ code: "custom", input: value, message: "uses a port other than 443, which Malwar's NetworkPolicy does not admit for a chat webhook; use the URL the service gave" });
        }
    });
}

/** Secrets: set with `pulumi config set --secret`; generated when absent. */
export const secretsSchema = {
    clairPsk: z.string({ error: "must be text: base64 of at least 32 random bytes" }).refine((k) => /^[A-Za-z0-9+/]+={0,2}$/.test(k) && Buffer.from(k, "base64").length >= 32, {
        error: "must be base64 of at least 32 random bytes (Clair decodes it into the HS256 key)",
    }),
    malwarApiKeys: z.array(nonEmpty, { error: "must be a JSON list of keys" }),
    malwarAnthropicApiKey: nonEmpty,
    malwarWebhookSecret: nonEmpty,
    malwarSlackWebhookUrl: chatWebhookUrl("https://hooks.slack.com/services/T000/B000/XXXX"),
    malwarTeamsWebhookUrl: chatWebhookUrl("https://example.webhook.office.com/webhookb2/..."),
    // The message must not echo any part of the key.
    malwarPagerdutyRoutingKey: z.string({ error: "must be text: the Events API v2 integration key" }).regex(/^\S+$/, { error: "must be the Events API v2 integration key: no spaces or line breaks" }),
    malwarSmtpPassword: nonEmpty,
    // The message must not echo any part of the secret.
    malwarPostgresUrl: z.string({ error: "must be a postgresql:// URL" }).refine((v) => urlProblem(v, ["postgres", "postgresql"]) === undefined, { error: "must be a postgresql:// URL with a host" }),
};

export const configSchema = z
    .strictObject({
        kubernetes: kubernetesSchema,
        network: networkSchema,
        clair: clairSchema,
        clamav: clamavSchema,
        malwar: malwarSchema,
        monitoring: monitoringSchema,
        proxy: proxySchema,
        trustedCA: trustedCaSchema,
        clairPsk: secretsSchema.clairPsk.optional(),
        malwarApiKeys: secretsSchema.malwarApiKeys.optional(),
        malwarAnthropicApiKey: secretsSchema.malwarAnthropicApiKey.optional(),
        malwarWebhookSecret: secretsSchema.malwarWebhookSecret.optional(),
        malwarPostgresUrl: secretsSchema.malwarPostgresUrl.optional(),
        malwarSlackWebhookUrl: secretsSchema.malwarSlackWebhookUrl.optional(),
        malwarTeamsWebhookUrl: secretsSchema.malwarTeamsWebhookUrl.optional(),
        malwarPagerdutyRoutingKey: secretsSchema.malwarPagerdutyRoutingKey.optional(),
        malwarSmtpPassword: secretsSchema.malwarSmtpPassword.optional(),
        placeholders: placeholdersSchema,
    })
    // Where the RDS instances live: the union `databaseNetwork` is present exactly when a database
    // runs on RDS, with every field it needs (no `!` downstream).
    .transform((cfg, ctx) => {
        const usesRds = cfg.clair.database.backend === "rds";
        const { vpcId, subnetIds, allowedCidrs, allowedSecurityGroupIds } = cfg.network;
        if (cfg.malwarPostgresUrl !== undefined) {
            ctx.addIssue({ code: "custom", path: ["malwarPostgresUrl"], input: cfg.malwarPostgresUrl, message: `is not used; remove it (pulumi config rm malwarPostgresUrl). ${MALWAR_SQLITE_ONLY}` });
        }
        const email = cfg.malwar.notifications.email;
        if (cfg.malwarSmtpPassword !== undefined) {
            const problem = email.host === undefined
                ? "is not used without malwar.notifications.email.host; set it or remove the password (pulumi config rm malwarSmtpPassword)"
                : email.user === undefined
                  ? "needs malwar.notifications.email.user: Malwar logs in only when a user is set, and would otherwise send without the password"
                  : !email.useTls
                    ? "would be sent unencrypted: Malwar logs in without STARTTLS when malwar.notifications.email.useTls is false; set it to true"
                    : undefined;
            if (problem) ctx.addIssue({ code: "custom", path: ["malwarSmtpPassword"], input: cfg.malwarSmtpPassword, message: problem });
        }
        if (!usesRds) return { ...cfg, databaseNetwork: undefined };
        if (!vpcId) ctx.addIssue({ code: "custom", path: ["network", "vpcId"], input: undefined, message: "is required when a database runs on RDS" });
        if (subnetIds.length < 2) {
            ctx.addIssue({ code: "custom", path: ["network", "subnetIds"], input: subnetIds, message: "must list at least two subnets in different availability zones (an RDS subnet group needs two)" });
        }
        if (allowedCidrs.length + allowedSecurityGroupIds.length === 0) {
            ctx.addIssue({ code: "custom", path: ["network", "allowedCidrs"], input: [], message: "must admit the cluster: set network.allowedCidrs or network.allowedSecurityGroupIds" });
        }
        if (!vpcId) return z.NEVER;
        return { ...cfg, databaseNetwork: { vpcId, subnetIds, allowedCidrs, allowedSecurityGroupIds } };
    });

export type PlatformConfig = z.output<typeof configSchema>;
export type ClairConfig = PlatformConfig["clair"];
export type RdsSettings = ClairConfig["database"]["rds"];
export type { GuaranteedResources } from "../components/shared/resources";

/** Config keys that hold secrets: they must be set with --secret. */
export const SECRET_KEYS = Object.keys(secretsSchema);
