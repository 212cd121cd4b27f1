import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { checksum } from "../shared/checksum";
import { exemptionAnnotations, singleReplicaExemptions, vendorUid, type Exemption } from "../shared/exemptions";
import { onePodAtATime } from "../shared/disruption";
import { allowOnly, DNS, urlPort } from "../shared/network-policy";
import { proxyEnv, proxyPorts, type EgressProxy } from "../shared/proxy";
import { generatedSecret } from "../shared/generated-secret";
import { instanceSelector, labels, selectorLabels } from "../shared/labels";
import { httpProbe } from "../shared/probes";
import type { GuaranteedResources } from "../../lib/resources";
import { appServiceAccount } from "../shared/service-account";
import { appPlacementOf, placementWithAccount, podTemplate, podVolume, type AppPlacement } from "../shared/workload";
import { MalwarBackup, type MalwarBackupArgs } from "./backup";
import { MALWAR_READINESS_PERIOD_SECONDS } from "./readiness";

export interface MalwarSecrets {
    apiKeys?: pulumi.Input<string[]>;
    anthropicApiKey?: pulumi.Input<string>;
    webhookSecret?: pulumi.Input<string>;
    /** Each chat or paging channel is on when its secret is given. */
    slackWebhookUrl?: pulumi.Input<string>;
    teamsWebhookUrl?: pulumi.Input<string>;
    pagerdutyRoutingKey?: pulumi.Input<string>;
    /** Only with `email` and its user. */
    smtpPassword?: pulumi.Input<string>;
}

/** Mail notifications (Malwar's email channel): STARTTLS on `port` unless `useTls` is false. */
export interface MalwarEmail {
    host: string;
    port: number;
    useTls: boolean;
    user?: string;
    from: string;
    to: string[];
}

/** The placement (namespace, priority class, pod settings) is on every Malwar pod, the backup CronJob's too. */
export interface MalwarArgs extends AppPlacement {
    /** Pinned Malwar image. */
    image: string;
    /** 0 or 1: SQLite, one writer. */
    replicas: number;
    /** The Malwar container's. */
    resources: GuaranteedResources;
    /** uid (and gid, fsGroup) of the container. */
    runAsUser: number;
    /** MALWAR_LOG_LEVEL, e.g. "INFO" or "DEBUG". */
    logLevel: string;
    /** MALWAR_AUTO_MIGRATE: Malwar migrates its SQLite schema at start-up. */
    autoMigrate: boolean;
    /** Sent as JSON arrays (pydantic-settings). */
    webhookUrls: string[];
    /** MALWAR_CORS_ORIGINS, sent as a JSON array: origins such as https://app.example.com, or "*" alone; empty allows no cross-origin browser call. */
    corsOrigins: string[];
    /** Verdicts the webhooks fire for (MALICIOUS, SUSPICIOUS, CAUTION, CLEAN). */
    webhookVerdicts: string[];
    /** Requests a minute: with an X-API-Key header per key, without one per client address. */
    rateLimit: { perKey: number; perIp: number };
    /** The LLM layer: model, tokens per answer, and the risk score below which a scan skips it. */
    llm: { model: string; maxTokens: number; skipBelowRisk: number };
    /** The email channel (MALWAR_SMTP_* settings, the port opened in the NetworkPolicy); no mail when absent. */
    email?: MalwarEmail;
    /** The cluster's egress proxy: the crawler, the LLM client, webhooks and chat channels go through it (SMTP does not). */
    proxy?: EgressProxy;
    /** The SQLite claim. */
    storageSize: string;
    /** StorageClass of the SQLite claim; the cluster's default class when unset. */
    storageClass?: string;
    /** An Ingress to the API; none when absent. */
    ingress?: { className: string; annotations: Record<string, string>; hosts: string[]; tlsSecretName?: string };
    /** Scheduled snapshots of the SQLite database to an S3 bucket of its own (MalwarBackup); none when absent. */
    backup?: Pick<MalwarBackupArgs, "schedule" | "retentionDays" | "oidc" | "uploadImage" | "resources" | "region" | "tags">;
    /**
     * Values of the Secret malwar-secrets: each sets its variable only when given, except the API
     * keys, of which one random 40-character key is generated when none is given.
     */
    secrets: MalwarSecrets;
}

/** Malwar's options: a component's, plus the provider of the data it keeps on destroy. */
export interface MalwarOptions extends pulumi.ComponentResourceOptions {
    /**
     * Provider for the SQLite claim, which is kept on destroy: one that adopts an existing
     * object on create (upsertExistingObjects), so the next `up` re-attaches the kept claim and
     * its volume. Without it the claim uses the component's provider, and `up` after `destroy` fails.
     */
    keptDataProvider?: k8s.Provider;
}

export const MALWAR_NAME = "malwar";
/** The backup CronJob and its ServiceAccount. */
export const MALWAR_BACKUP_NAME = `${MALWAR_NAME}-backup`;
export const MALWAR_UID_EXEMPTIONS = vendorUid(
    "runs as uid 1000, the malwar user of the image that the deployment guide prescribes; malwar.runAsUser changes it",
);
export const MALWAR_SECRET_ENV_EXEMPTIONS: Exemption[] = [
    {
        checker: "checkov",
        check: "CKV_K8S_35",
        reason: "Malwar reads its settings (pydantic-settings) from environment variables only; the values come from a Secret, never from the pod spec",
    },
];
export const MALWAR_RECREATE_EXEMPTIONS: Exemption[] = [
    {
        checker: "kube-score",
        check: "deployment-strategy",
        reason: "Recreate: SQLite on a ReadWriteOnce claim, which cannot attach to a second pod during a rolling update",
    },
];
/** Polaris reads any ConfigMap key holding "token" as a credential; MALWAR_LLM_MAX_TOKENS is a count. */
export const MALWAR_SETTINGS_EXEMPTIONS: Exemption[] = [
    {
        checker: "polaris",
        check: "sensitiveConfigmapContent",
        reason: "MALWAR_LLM_MAX_TOKENS is the most tokens the model may write per analysis, a number, not a credential; Malwar's credentials are in the Secret malwar-secrets",
    },
];
/** Why Malwar runs one pod: the reason on the single-replica exemptions. */
export const MALWAR_ONE_WRITER = "one writer: SQLite on a ReadWriteOnce claim, the only store Malwar 0.4.0 serves from";
const PORT = 8000;
const DATA_DIR = "/data";
const DATABASE_FILE = `${DATA_DIR}/malwar.db`;

/**
 * Malwar as its chart and deployment guide describe it, with the chart's defects fixed: list
 * settings as JSON arrays (pydantic-settings), and `Recreate`, since SQLite holds the data on a
 * ReadWriteOnce claim. SQLite only: Malwar 0.4.0's API opens nothing else (its start-up calls
 * init_db(db_path) whatever MALWAR_DB_BACKEND says), so there is no PostgreSQL option, no
 * second replica and no HPA.
 */
export class Malwar extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    /** http://<service>.<namespace>.svc:8000, for clients inside the cluster. */
    readonly endpoint: pulumi.Output<string>;
    readonly secretName: pulumi.Output<string>;
    readonly claimName: pulumi.Output<string>;
    /** The backup bucket, when backups are on. */
    readonly backupBucketName?: pulumi.Output<string>;
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: MalwarArgs, opts: MalwarOptions = {}) {
        const { keptDataProvider, ...componentOpts } = opts;
        super("scanning:malwar:Malwar", name, {}, componentOpts);
        const id = { name: "malwar", component: "api", partOf: "malwar" };
        const childOpts = { parent: this };
        const meta = { name: MALWAR_NAME, namespace: args.namespace, labels: labels(id) };
        const runAs = { user: args.runAsUser, group: args.runAsUser };

        const account = appServiceAccount(name, { objectName: MALWAR_NAME, namespace: args.namespace, identity: id }, childOpts);

        const settings: Record<string, string> = {
            MALWAR_LOG_LEVEL: args.logLevel,
            MALWAR_AUTO_MIGRATE: String(args.autoMigrate),
            MALWAR_WEBHOOK_URLS: JSON.stringify(args.webhookUrls),
            MALWAR_CORS_ORIGINS: JSON.stringify(args.corsOrigins),
            MALWAR_DB_PATH: DATABASE_FILE,
            MALWAR_WEBHOOK_VERDICTS: JSON.stringify(args.webhookVerdicts),
            MALWAR_RATE_LIMIT_PER_KEY: String(args.rateLimit.perKey),
            MALWAR_RATE_LIMIT_PER_IP: String(args.rateLimit.perIp),
            MALWAR_LLM_MODEL: args.llm.model,
            MALWAR_LLM_MAX_TOKENS: String(args.llm.maxTokens),
            MALWAR_LLM_SKIP_BELOW_RISK: String(args.llm.skipBelowRisk),
            ...(args.email ? emailSettings(args.email) : {}),
            ...notificationChannels(args),
        };
        const settingsMap = new k8s.core.v1.ConfigMap(
            `${name}-settings`,
            {
                metadata: { ...meta, name: "malwar-settings", annotations: exemptionAnnotations(MALWAR_SETTINGS_EXEMPTIONS) },
                data: settings,
            },
            childOpts,
        );

        // No API key configured means an open API: generate one instead.
        const apiKeys = args.secrets.apiKeys ?? generatedSecret(`${name}-api-key`, { length: 40 }, { parent: this }).apply((key) => [key]);
        const secretValues: Record<string, pulumi.Input<string>> = {
            MALWAR_API_KEYS: pulumi.output(apiKeys).apply((keys) => JSON.stringify(keys)),
            ...(args.secrets.anthropicApiKey ? { MALWAR_ANTHROPIC_API_KEY: args.secrets.anthropicApiKey } : {}),
            ...(args.secrets.webhookSecret ? { MALWAR_WEBHOOK_SECRET: args.secrets.webhookSecret } : {}),
            ...(args.secrets.slackWebhookUrl ? { MALWAR_SLACK_WEBHOOK_URL: args.secrets.slackWebhookUrl } : {}),
            ...(args.secrets.teamsWebhookUrl ? { MALWAR_TEAMS_WEBHOOK_URL: args.secrets.teamsWebhookUrl } : {}),
            ...(args.secrets.pagerdutyRoutingKey ? { MALWAR_PAGERDUTY_ROUTING_KEY: args.secrets.pagerdutyRoutingKey } : {}),
            ...(args.secrets.smtpPassword ? { MALWAR_SMTP_PASSWORD: args.secrets.smtpPassword } : {}),
        };
        const secretData = pulumi.secret(pulumi.output(secretValues));
        const secret = new k8s.core.v1.Secret(
            `${name}-secrets`,
            {
                metadata: { ...meta, name: "malwar-secrets" },
                type: "Opaque",
                stringData: secretData,
            },
            childOpts,
        );

        // Kept when the stack is destroyed, as the guide promises for the chart's claim.
        const claim = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-data`,
            {
                metadata: { ...meta, name: "malwar-data" },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
                    resources: { requests: { storage: args.storageSize } },
                },
            },
            { ...childOpts, provider: keptDataProvider, retainOnDelete: true },
        );

        const proxyVariables = proxyEnv(args.proxy, []);
        const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "256Mi" } });
        const data = podVolume("data", { persistentVolumeClaim: { claimName: claim.metadata.name } }, { sharedSize: args.storageSize });
        const pod = podTemplate({
            placement: placementWithAccount(args, account.metadata.name),
            runAs,
            fsGroup: args.runAsUser,
            // Preferences only, so the one SQLite pod still schedules wherever its claim is.
            spread: id,
            uidExemptions: MALWAR_UID_EXEMPTIONS,
            exemptions: MALWAR_SECRET_ENV_EXEMPTIONS,
            containers: [
                {
                    name: "malwar",
                    image: args.image,
                    ports: [{ name: "http", containerPort: PORT }],
                    envFrom: [{ configMapRef: { name: settingsMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }],
                    // Python's HTTP clients (httpx, the Anthropic SDK) read these; smtplib does not.
                    ...(proxyVariables.length ? { env: proxyVariables } : {}),
                    // The deployment guide's probe table. Note: /api/v1/ready answers 200 even
                    // when the database is down (an upstream bug), so readiness cannot catch that.
                    livenessProbe: httpProbe("/api/v1/health", "http", { initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
                    readinessProbe: httpProbe("/api/v1/ready", "http", {
                        initialDelaySeconds: 5,
                        periodSeconds: MALWAR_READINESS_PERIOD_SECONDS,
                        timeoutSeconds: 5,
                        failureThreshold: 3,
                    }),
                    mounts: [tmp.mount("/tmp"), data.mount(DATA_DIR)],
                    resources: args.resources,
                    ephemeralStorage: "512Mi",
                },
            ],
            volumes: [tmp, data],
        });

        const workloadExemptions = [...MALWAR_RECREATE_EXEMPTIONS, ...singleReplicaExemptions(args.replicas, MALWAR_ONE_WRITER)];
        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { ...meta, labels: labels(id, MALWAR_NAME), annotations: pod.annotations(workloadExemptions) },
                spec: {
                    replicas: args.replicas,
                    // SQLite on a ReadWriteOnce claim: a second pod could not attach it (multi-attach deadlock).
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selectorLabels(id) },
                    template: {
                        metadata: pod.metadata(labels(id, MALWAR_NAME), {
                            "checksum/settings": checksum(JSON.stringify(settings)),
                            "checksum/secrets": checksum(secretData.apply((d) => JSON.stringify(d))),
                        }),
                        spec: pod.spec,
                    },
                },
            },
            childOpts,
        );

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: meta,
                spec: { type: "ClusterIP", selector: selectorLabels(id), ports: [{ name: "http", port: PORT, targetPort: "http" }] },
            },
            childOpts,
        );

        onePodAtATime(name, id, args.namespace, childOpts, MALWAR_NAME);
        // The API on 8000. Out: the URL crawler fetches the http:// and https:// links of what it
        // scans (80, 443), the Anthropic API, chat and paging channels (443), the webhooks' own
        // ports, the proxy, and the mail server, which is never reached through the proxy.
        const egressPorts = [80, 443, ...args.webhookUrls.map((u) => urlPort(u)), ...proxyPorts(args.proxy), ...(args.email ? [args.email.port] : [])];
        allowOnly(
            name,
            id,
            args.namespace,
            {
                podSelector: instanceSelector(MALWAR_NAME),
                ingress: [{ ports: [PORT] }],
                egress: [...DNS, { ports: [...new Set(egressPorts)] }],
            },
            childOpts,
            MALWAR_NAME,
        );

        const ingress = args.ingress;
        if (ingress) {
            new k8s.networking.v1.Ingress(
                name,
                {
                    metadata: { ...meta, annotations: ingress.annotations },
                    spec: {
                        ingressClassName: ingress.className,
                        ...(ingress.tlsSecretName ? { tls: [{ hosts: ingress.hosts, secretName: ingress.tlsSecretName }] } : {}),
                        rules: ingress.hosts.map((host) => ({
                            host,
                            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: "http" } } } }] },
                        })),
                    },
                },
                childOpts,
            );
        }

        const backup = args.backup
            ? new MalwarBackup(
                  `${name}-backup`,
                  {
                      ...args.backup,
                      // The backup CronJob has a ServiceAccount of its own.
                      ...appPlacementOf(args),
                      name: MALWAR_BACKUP_NAME,
                      snapshotImage: args.image,
                      runAs,
                      claimName: claim.metadata.name,
                      databaseFile: DATABASE_FILE,
                      malwarPodLabels: selectorLabels(id),
                      storageSize: args.storageSize,
                      uidExemptions: MALWAR_UID_EXEMPTIONS,
                  },
                  childOpts,
              )
            : undefined;

        this.capacity = [pod.capacity({ name: MALWAR_NAME, app: "malwar", kind: "Deployment", replicas: args.replicas }), ...(backup?.capacity ?? [])];
        this.backupBucketName = backup?.bucketName;
        this.serviceName = service.metadata.name;
        this.endpoint = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc:${PORT}`;
        this.secretName = secret.metadata.name;
        this.claimName = claim.metadata.name;
        this.registerOutputs({
            serviceName: this.serviceName,
            endpoint: this.endpoint,
            secretName: this.secretName,
            claimName: this.claimName,
            backupBucketName: this.backupBucketName,
        });
    }
}

/** MALWAR_SMTP_*: the password goes to the Secret. */
function emailSettings(email: MalwarEmail): Record<string, string> {
    return {
        MALWAR_SMTP_HOST: email.host,
        MALWAR_SMTP_PORT: String(email.port),
        MALWAR_SMTP_USE_TLS: String(email.useTls),
        ...(email.user !== undefined ? { MALWAR_SMTP_USER: email.user } : {}),
        MALWAR_SMTP_FROM: email.from,
        MALWAR_SMTP_TO: JSON.stringify(email.to),
    };
}

/**
 * The channels by name, when any is configured. Left to itself Malwar 0.4.0 also enables its
 * router's "webhook" channel, which posts every webhook a second time (in another format) beside
 * the webhook sender every scan already calls; naming the channels leaves that one out.
 */
function notificationChannels(args: MalwarArgs): Record<string, string> {
    const channels = [
        ...(args.secrets.slackWebhookUrl ? ["slack"] : []),
        ...(args.secrets.teamsWebhookUrl ? ["teams"] : []),
        ...(args.secrets.pagerdutyRoutingKey ? ["pagerduty"] : []),
        ...(args.email ? ["email"] : []),
    ];
    return channels.length ? { MALWAR_NOTIFICATION_CHANNELS: JSON.stringify(channels) } : {};
}
