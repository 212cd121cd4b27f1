/**
 * The stack configuration: one typed, validated schema (zod) for every key under the project
 * namespace, assembled from the per-app schemas. Validation runs before any resource is
 * registered, so a bad value fails `pulumi preview` with the key, the value and what is allowed.
 */
import * as ipaddr from "ipaddr.js";
import { placeholdersSchema } from "./placeholders";
import { z } from "zod";
import { clairSchema } from "./clair";
import { clamavSchema } from "./clamav";
import { MALWAR_SQLITE_ONLY, malwarSchema } from "./malwar";
import { monitoringSchema } from "./monitoring";
import { bool, cidr, configMapKey, curlUrlProblem, dnsLabel, goUrlHost, nonEmpty, objectName, url, urlProblem } from "./primitives";

export const PROJECT = "scanning-platform";

/** The SCC an OpenShift namespace's ServiceAccounts may use without an admin's grant (every authenticated account). */
export const OPENSHIFT_DEFAULT_SCC = "restricted-v2";
/** The SCC that admits the images' own fixed IDs, when an admin lets the program bind it (its ClusterRole ships with OpenShift). */
export const OPENSHIFT_FIXED_ID_SCC = "nonroot-v2";

export const kubernetesSchema = z
    .strictObject({
        namespace: dnsLabel().default("security-scanning").describe("namespace of every object"),
        createNamespace: bool.default(true).describe("create the namespace (kept on destroy: it holds Malwar's retained claim)"),
        /** PriorityClass of every pod (cluster-scoped: created by the cluster's admins). */
        priorityClassName: objectName.optional().describe("PriorityClass of every pod; created by the cluster's admins"),
        /**
         * openshift: pods set no runAsUser, runAsGroup or fsGroup, so restricted-v2 assigns them
         * from the namespace's range; kubernetes: pods run as the images' own users.
         */
        platform: z
            .enum(["kubernetes", "openshift"], { error: "must be 'kubernetes' or 'openshift'" })
            .default("kubernetes")
            .describe(
                "`openshift`: no pod sets `runAsUser`, `runAsGroup` or `fsGroup`, so OpenShift's restricted-v2 SCC " +
                    "assigns them from the namespace's range (see On OpenShift); `kubernetes`: pods run as the images' " +
                    "own users",
            ),
        /**
         * OpenShift only: the SCC the pods are meant for. restricted-v2 needs no grant; nonroot-v2
         * keeps the images' fixed IDs and binds the program's ServiceAccounts to OpenShift's
         * ClusterRole system:openshift:scc:nonroot-v2 (which takes a cluster admin's consent).
         */
        openshiftScc: z
            .enum([OPENSHIFT_DEFAULT_SCC, OPENSHIFT_FIXED_ID_SCC], {
                error: `must be '${OPENSHIFT_DEFAULT_SCC}' (the namespace's IDs, no grant) or '${OPENSHIFT_FIXED_ID_SCC}' (the images' own IDs, a RoleBinding to system:openshift:scc:${OPENSHIFT_FIXED_ID_SCC})`,
            })
            .optional()
            .describe(
                "OpenShift only: `restricted-v2` (the same as unset: the namespace's IDs, no grant) or `nonroot-v2` " +
                    "(the images' own IDs, and a RoleBinding of the program's ServiceAccounts to " +
                    "`system:openshift:scc:nonroot-v2`, which a cluster admin must be able to create)",
            ),
    })
    .prefault({})
    .superRefine((k, ctx) => {
        if (k.openshiftScc !== undefined && k.platform !== "openshift") {
            ctx.addIssue({
                code: "custom",
                path: ["openshiftScc"],
                input: k.openshiftScc,
                message: "applies only with kubernetes.platform: openshift (SCCs are OpenShift's); remove it or set the platform",
            });
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
        vpcId: awsId("vpc").optional().meta({
            description: "VPC of the RDS security group",
            defaultText: "(none; required with RDS)",
        }),
        subnetIds: z.array(awsId("subnet"), { error: "must be a list of subnet ids" }).default([]).meta({
            description: "RDS subnet group",
            defaultText: "`[]` (two or more required with RDS)",
        }),
        /** Who may reach PostgreSQL on 5432: the cluster's node/pod CIDRs and/or its security group. */
        allowedCidrs: z
            .array(cidr, { error: "must be a list of IPv4 networks such as 10.0.0.0/16" })
            .default([])
            .describe("who may reach 5432: IPv4 networks (network address, not 0.0.0.0/0)"),
        allowedSecurityGroupIds: z
            .array(awsId("sg"), { error: "must be a list of security group ids" })
            .default([])
            .describe("security groups allowed on 5432"),
    })
    .prefault({});

/**
 * How the proxy's two readers take a value. Clair's Go reads HTTP_PROXY/HTTPS_PROXY with
 * golang.org/x/net/http/httpproxy parseProxy: a value that does not parse with a scheme and a host
 * is read as "http://" + value (proxy.example.com:3128 is http://proxy.example.com:3128); its
 * Transport takes http, https, socks5 and socks5h proxies and dials the scheme's port when none is
 * written (80, 443, 1080). freshclam gets HTTPProxyServer and HTTPProxyPort from the same value
 * (freshclam.c: a leading "http://" stripped, the rest to libcurl's CURLOPT_PROXY; the port cast to
 * 16 bits, and 0 read as "not set", then 8080). Returns the value as both read it, with its scheme.
 */
export function readProxy(value: string): string {
    // A value with "://" keeps its scheme: prefixing would make the scheme a host name ("http:").
    const direct = goUrlHost(value);
    if (value.includes("://") || (typeof direct !== "string" && direct.host)) return value;
    const prefixed = goUrlHost(`http://${value}`);
    if (typeof prefixed !== "string" && prefixed.host) return `http://${value}`;
    return value;
}

/** Why a proxy value is refused, by whichever reader refuses it, or the program's own rule. */
export function proxyProblem(value: string): string | undefined {
    const read = readProxy(value);
    // Without a scheme and host of its own, Go reads "http://" + value, and its errors are that reading's.
    const direct = goUrlHost(value);
    const seen = value.includes("://") || (typeof direct !== "string" && direct.host) ? direct : goUrlHost(`http://${value}`);
    if (typeof seen === "string") return `${seen}, read as Go's net/http reads a proxy (Clair)`;
    if (!seen.host) return "has no host as Go's net/http reads a proxy (Clair)";
    if (!["http", "https", "socks5", "socks5h"].includes(seen.scheme))
        return `uses ${seen.scheme}:, which Go's net/http (Clair) does not take for a proxy (it takes http, https, socks5 and socks5h)`;
    // The program's rule: freshclam's settings are for an HTTP proxy (HTTPProxyServer, reached with CONNECT).
    if (seen.scheme !== "http" && seen.scheme !== "https")
        return `uses ${seen.scheme}:, which Go's net/http (Clair) takes but this program does not: freshclam reads the same value as an HTTP proxy (HTTPProxyServer), so only http:// and https:// proxies are offered`;
    if (seen.port) {
        if (!/^\d+$/.test(seen.port)) return `has the port '${seen.port}', which is not a number`;
        const port = Number(seen.port);
        if (port === 0) return "has the port 0, which Go cannot dial and freshclam reads as no port (it would use 8080); must be 1-65535";
        if (port > 65535)
            return `has the port ${seen.port}, which Go cannot dial and freshclam's 16-bit HTTPProxyPort would read as ${port % 65536}; must be 1-65535`;
    }
    // freshclam hands libcurl CURLOPT_PROXY scheme://host and CURLOPT_PROXYPORT: libcurl's host rules apply (curl lib/urlapi.c).
    return curlUrlProblem(read, ["http", "https"]);
}

/**
 * A proxy URL, stored as its readers take it (a value without a scheme gains "http://"): no
 * credentials (they would land in pod specs in plain text), no path.
 */
const proxyUrl = z
    .string({ error: "must be a proxy such as http://proxy.example.com:3128 or proxy.example.com:3128" })
    .superRefine((value, ctx) => {
        const what = "; must be a proxy such as http://proxy.example.com:3128 or proxy.example.com:3128 (read as http://), port 1-65535";
        const why = proxyProblem(value);
        if (why) {
            ctx.addIssue({ code: "custom", input: value, message: `${why}${what}` });
            return;
        }
        const parsed = new URL(readProxy(value));
        if (parsed.username || parsed.password)
            ctx.addIssue({
                code: "custom",
                input: value,
                message: "holds credentials (user:password@), which would be readable in every pod spec: use a proxy that admits the cluster without them",
            });
        // Go and freshclam ignore a proxy's path and query; the program refuses them as likely mistakes (a PAC file's URL, say).
        if (parsed.pathname !== "/" || parsed.search)
            ctx.addIssue({
                code: "custom",
                input: value,
                message: "has a path or query, which Go and freshclam ignore in a proxy: this program takes scheme, host and port only",
            });
    })
    .transform(readProxy);

/**
 * Why Clair's Go would not read `entry` as written in NO_PROXY (golang.org/x/net/http/httpproxy
 * config.init): entries are split at ',' and trimmed; "*" bypasses the proxy for every host; an
 * entry is a network (net.ParseCIDR), an IP, or a host or .domain with an optional :port, and one
 * with an empty host is skipped.
 */
export function noProxyEntryProblem(entry: string): string | undefined {
    const p = entry.trim().toLowerCase();
    if (p === "") return "is empty";
    if (p.includes(",")) return "holds ',', which separates NO_PROXY entries: Go would read it as two; list each on its own";
    // The program's rule: with "*" Clair would bypass the proxy everywhere while freshclam still used it.
    if (p === "*")
        return "is *, with which Clair's Go bypasses the proxy for every host (freshclam would still use it): this program refuses it; remove proxy.httpProxy and proxy.httpsProxy instead";
    if (p.includes("/")) {
        const [address, bits, ...rest] = p.split("/");
        const v4 = ipaddr.IPv4.isValidFourPartDecimal(address);
        const v6 = !v4 && ipaddr.IPv6.isValid(address);
        const max = v4 ? 32 : 128;
        if (rest.length > 0 || !(v4 || v6) || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
            return "is not a network as Go's net.ParseCIDR reads it (such as 10.0.0.0/8), so Go would compare it as a host name and it would match nothing";
        }
        return undefined;
    }
    if (/^:[^:]*$/.test(p)) return "has no host before its port, and Go skips such an entry";
    return undefined;
}

/** The cluster's egress proxy: Clair's containers, Malwar's and the freshclam that reaches outside use it. */
export const proxySchema = z
    .strictObject({
        httpProxy: proxyUrl
            .optional()
            .describe(
                "the cluster's egress proxy for http:// requests (`http://proxy.example.com:3128`, no credentials): " +
                    "`HTTP_PROXY` in every Clair container (clairctl Jobs included) and Malwar's (its URL crawler, the " +
                    "Anthropic client, webhooks, Slack, Teams and PagerDuty; not mail); its port joins their " +
                    "NetworkPolicies' egress. Read as Clair's Go reads it (`httpproxy` parseProxy): " +
                    "`proxy.example.com:3128` without a scheme is `http://proxy.example.com:3128` (and written so); port " +
                    "1-65535 (freshclam's 16-bit `HTTPProxyPort` would turn 65536 into 0, and 0 into 8080); schemes http " +
                    "and https: Go also takes socks5 and socks5h, which the program refuses because freshclam reads the " +
                    "same value as an HTTP proxy; no path (both readers ignore it). The host must be one libcurl takes too (freshclam hands it to CURLOPT_PROXY): `_` is taken, `! $ & ' ( ) * + , ; =` are refused",
            ),
        httpsProxy: proxyUrl
            .optional()
            .describe(
                "the same for https:// requests (`HTTPS_PROXY`); freshclam uses this one (else `httpProxy`) as " +
                    "`HTTPProxyServer`/`HTTPProxyPort` where it reaches outside: the mirror's updater, or clamd's init " +
                    "containers when the in-cluster mirror is off",
            ),
        noProxy: z
            .array(
                z.string({ error: "must be a host, .domain or network" }).superRefine((entry, ctx) => {
                    const why = noProxyEntryProblem(entry);
                    if (why)
                        ctx.addIssue({
                            code: "custom",
                            input: entry,
                            message: `${why}; must be a host (example.com), a domain (.example.com or *.example.com), an IP or a network (10.0.0.0/8), optionally with :port`,
                        });
                }),
                { error: "must be a list of hosts, .domains or networks" },
            )
            .default([])
            .describe(
                "hosts, `.domains` and networks that bypass the proxy, added to `NO_PROXY` after `localhost`, " +
                    "`127.0.0.1`, `.svc`, `.cluster.local` and Clair's own Services. Each entry as Clair's Go reads " +
                    "`NO_PROXY` (`httpproxy`): no `,` inside (Go would split it), a network that `net.ParseCIDR` reads " +
                    "(`10.0.0.0/33` would match nothing), a host before any `:port`; `*` is refused (the program's rule: " +
                    "Clair would bypass the proxy everywhere while freshclam still used it). freshclam reads no " +
                    "`NO_PROXY`. Malwar's Python clients (httpx 0.29) take hosts and `.domains` but not networks: " +
                    "`10.0.0.0/8` exempts only the address 10.0.0.0, so list such hosts by name for Malwar",
            ),
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
        openshiftInjected: bool
            .default(false)
            .describe(
                "OpenShift: the program creates an empty ConfigMap `trusted-ca-bundle` labelled " +
                    '`config.openshift.io/inject-trusted-cabundle: "true"`, which the cluster network operator fills with ' +
                    "the cluster's trust bundle (key `ca-bundle.crt`); the updaters trust it ([Behind TLS " +
                    "inspection](operations.md#behind-tls-inspection-trustedca))",
            ),
        /** Elsewhere: an existing ConfigMap in the namespace holding a complete PEM bundle. */
        configMap: objectName
            .optional()
            .describe(
                "elsewhere: an existing ConfigMap in the namespace holding a complete PEM bundle (public roots plus " +
                    "the inspecting CA); not with `openshiftInjected`",
            ),
        key: configMapKey.optional().meta({
            description: "the key of `trustedCA.configMap` that holds the bundle; needs `configMap`",
            defaultText: "(none; then `ca-bundle.crt`)",
        }),
    })
    .prefault({})
    .superRefine((ca, ctx) => {
        if (ca.openshiftInjected && ca.configMap !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["configMap"],
                input: ca.configMap,
                message:
                    "cannot be combined with trustedCA.openshiftInjected: true (the program then creates the ConfigMap OpenShift fills); set one or the other",
            });
        }
        if (ca.openshiftInjected && ca.key !== undefined && ca.key !== OPENSHIFT_CA_BUNDLE_KEY) {
            ctx.addIssue({
                code: "custom",
                path: ["key"],
                input: ca.key,
                message: `must be ${OPENSHIFT_CA_BUNDLE_KEY} (the key OpenShift's cluster network operator fills) or absent with trustedCA.openshiftInjected: true`,
            });
        }
        if (!ca.openshiftInjected && ca.configMap === undefined && ca.key !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["key"],
                input: ca.key,
                message: "needs trustedCA.configMap, the ConfigMap that holds the bundle (or trustedCA.openshiftInjected: true on OpenShift)",
            });
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
            ctx.addIssue({
                code: "custom",
                input: value,
                message: "uses a port other than 443, which Malwar's NetworkPolicy does not admit for a chat webhook; use the URL the service gave",
            });
        }
    });
}

/** Secrets: set with `pulumi config set --secret`; generated when absent. */
export const secretsSchema = {
    clairPsk: z
        .string({ error: "must be text: base64 of at least 32 random bytes" })
        .refine((k) => /^[A-Za-z0-9+/]+={0,2}$/.test(k) && Buffer.from(k, "base64").length >= 32, {
            error: "must be base64 of at least 32 random bytes (Clair decodes it into the HS256 key)",
        }),
    malwarApiKeys: z.array(nonEmpty, { error: "must be a JSON list of keys" }),
    malwarAnthropicApiKey: nonEmpty,
    malwarWebhookSecret: nonEmpty,
    malwarSlackWebhookUrl: chatWebhookUrl("https://hooks.slack.com/services/T000/B000/XXXX"),
    malwarTeamsWebhookUrl: chatWebhookUrl("https://example.webhook.office.com/webhookb2/..."),
    // The message must not echo any part of the key.
    malwarPagerdutyRoutingKey: z
        .string({ error: "must be text: the Events API v2 integration key" })
        .regex(/^\S+$/, { error: "must be the Events API v2 integration key: no spaces or line breaks" }),
    malwarSmtpPassword: nonEmpty,
    // The message must not echo any part of the secret.
    malwarPostgresUrl: z
        .string({ error: "must be a postgresql:// URL" })
        .refine((v) => urlProblem(v, ["postgres", "postgresql"]) === undefined, { error: "must be a postgresql:// URL with a host" }),
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
        clairPsk: secretsSchema.clairPsk.optional().meta({
            description: "secret: base64 of >= 32 bytes, shared with Quay",
            defaultText: "generated",
        }),
        malwarApiKeys: secretsSchema.malwarApiKeys.optional().meta({
            description: "secret: JSON list",
            defaultText: "one generated",
        }),
        malwarAnthropicApiKey: secretsSchema.malwarAnthropicApiKey.optional().describe("secret"),
        malwarWebhookSecret: secretsSchema.malwarWebhookSecret.optional().describe("secret"),
        malwarPostgresUrl: secretsSchema.malwarPostgresUrl.optional().describe("refused when set ([why](architecture.md#malwar-serves-from-sqlite-only))"),
        malwarSlackWebhookUrl: secretsSchema.malwarSlackWebhookUrl.optional().meta({
            description:
                "secret (`MALWAR_SLACK_WEBHOOK_URL`, in the `malwar-secrets` Secret): the Slack incoming-webhook URL, " +
                "which is its own credential; https on 443. Set, Malwar posts every scan's verdict to it " +
                "([channels](operations.md#malwar-notification-channels))",
            defaultText: "(none: no Slack)",
        }),
        malwarTeamsWebhookUrl: secretsSchema.malwarTeamsWebhookUrl.optional().meta({
            description: "secret (`MALWAR_TEAMS_WEBHOOK_URL`): the Teams incoming-webhook URL; https on 443",
            defaultText: "(none: no Teams)",
        }),
        malwarPagerdutyRoutingKey: secretsSchema.malwarPagerdutyRoutingKey.optional().meta({
            description: "secret (`MALWAR_PAGERDUTY_ROUTING_KEY`): the Events API v2 integration key; Malwar pages on " + "MALICIOUS and SUSPICIOUS scans only",
            defaultText: "(none: no PagerDuty)",
        }),
        malwarSmtpPassword: secretsSchema.malwarSmtpPassword
            .optional()
            .describe("secret (`MALWAR_SMTP_PASSWORD`): needs `malwar.notifications.email.user` and `useTls: true`"),
        placeholders: placeholdersSchema.describe(
            "keys whose committed values are examples (`kubernetes:context`, `network.vpcId`, " +
                "`network.subnetIds`, `network.allowedCidrs`, `malwar.backup.oidcProviderArn`, " +
                "`monitoring.runbookBaseUrl` on stage and prod): `pulumi preview` runs with them; `pulumi up` stops " +
                "before creating anything while any is listed, naming each key and its value. Set each to yours, then " +
                "remove it from the list (`pulumi config set --path 'placeholders[0]' ...` or edit the stack file); a " +
                "listed key the stack does not set is refused",
        ),
    })
    // Where the RDS instances live: the union `databaseNetwork` is present exactly when a database
    // runs on RDS, with every field it needs (no `!` downstream).
    .transform((cfg, ctx) => {
        const usesRds = cfg.clair.database.backend === "rds";
        const { vpcId, subnetIds, allowedCidrs, allowedSecurityGroupIds } = cfg.network;
        if (cfg.malwarPostgresUrl !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["malwarPostgresUrl"],
                input: cfg.malwarPostgresUrl,
                message: `is not used; remove it (pulumi config rm malwarPostgresUrl). ${MALWAR_SQLITE_ONLY}`,
            });
        }
        const email = cfg.malwar.notifications.email;
        if (cfg.malwarSmtpPassword !== undefined) {
            const problem =
                email.host === undefined
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
            ctx.addIssue({
                code: "custom",
                path: ["network", "subnetIds"],
                input: subnetIds,
                message: "must list at least two subnets in different availability zones (an RDS subnet group needs two)",
            });
        }
        if (allowedCidrs.length + allowedSecurityGroupIds.length === 0) {
            ctx.addIssue({
                code: "custom",
                path: ["network", "allowedCidrs"],
                input: [],
                message: "must admit the cluster: set network.allowedCidrs or network.allowedSecurityGroupIds",
            });
        }
        if (!vpcId) return z.NEVER;
        return { ...cfg, databaseNetwork: { vpcId, subnetIds, allowedCidrs, allowedSecurityGroupIds } };
    });

export type PlatformConfig = z.output<typeof configSchema>;

/** Config keys that hold secrets: they must be set with --secret. */
export const SECRET_KEYS = Object.keys(secretsSchema);
