import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import type { DatabaseCapacity } from "../../lib/capacity";
import { RdsPostgres, type RdsInstanceSettings } from "../aws/postgres";
import type { PostgresEndpoint } from "../postgres/endpoint";
import { checksum } from "../shared/checksum";
import { singleReplicaExemptions, vendorUid, type Exemption } from "../shared/exemptions";
import { onePodAtATime } from "../shared/disruption";
import { allowOnly, DNS } from "../shared/network-policy";
import { generatedSecret } from "../shared/generated-secret";
import { instanceSelector, labels, selectorLabels } from "../shared/labels";
import { httpProbe } from "../shared/probes";
import type { GuaranteedResources } from "../shared/resources";
import { podTemplate, podVolume } from "../shared/workload";

export interface MalwarSecrets {
    apiKeys?: pulumi.Input<string[]>;
    anthropicApiKey?: pulumi.Input<string>;
    webhookSecret?: pulumi.Input<string>;
    /** postgresql:// URL, with the postgres backend and no RDS instance of its own. */
    postgresUrl?: pulumi.Input<string>;
}

/** Malwar's own RDS instance (its database then lives and dies with the stack's RDS rules). */
export interface MalwarRdsDatabase {
    /** RDS instance identifier, e.g. "malwar-prod". */
    identifier: string;
    settings: RdsInstanceSettings;
    network: { subnetGroupName: pulumi.Input<string>; securityGroupId: pulumi.Input<string> };
    tags: Record<string, string>;
}

export interface MalwarArgs {
    namespace: pulumi.Input<string>;
    /** Pinned Malwar image. */
    image: string;
    /** 0 or 1 with SQLite (one writer). */
    replicas: number;
    resources: GuaranteedResources;
    /** uid (and gid, fsGroup) of the container. */
    runAsUser: number;
    logLevel: string;
    autoMigrate: boolean;
    /** Sent as JSON arrays (pydantic-settings). */
    webhookUrls: string[];
    corsOrigins: string[];
    /** The SQLite claim. */
    storageSize: string;
    storageClass?: string;
    /** SQLite on the claim; or PostgreSQL on its own RDS instance, or at secrets.postgresUrl. */
    database: { backend: "sqlite" } | { backend: "postgres"; rds?: MalwarRdsDatabase };
    ingress: { enabled: boolean; className: string; annotations: Record<string, string>; hosts: string[]; tlsSecretName?: string };
    autoscaling: { enabled: boolean; minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number; targetMemoryUtilizationPercentage: number };
    secrets: MalwarSecrets;
    priorityClassName?: string;
    /**
     * Provider for the SQLite claim, which is kept on destroy: one that adopts an existing
     * object on create (upsertExistingObjects), so the next `up` re-attaches the kept claim and
     * its volume. Without it the claim uses `provider`, and `up` after `destroy` fails.
     */
    keptDataProvider?: k8s.Provider;
}

export const MALWAR_NAME = "malwar";
export const MALWAR_UID_EXEMPTIONS = vendorUid("runs as uid 1000, the malwar user of the image that the deployment guide prescribes; malwar.runAsUser changes it");
export const MALWAR_SECRET_ENV_EXEMPTIONS: Exemption[] = [
    { checker: "checkov", check: "CKV_K8S_35", reason: "Malwar reads its settings (pydantic-settings) from environment variables only; the values come from a Secret, never from the pod spec" },
];
export const MALWAR_RECREATE_EXEMPTIONS: Exemption[] = [
    { checker: "kube-score", check: "deployment-strategy", reason: "Recreate while on SQLite: a ReadWriteOnce claim cannot attach to a second pod during a rolling update" },
];
const PORT = 8000;
const DATA_DIR = "/data";

/**
 * Malwar as its chart and deployment guide describe it, with the chart's defects fixed: list
 * settings as JSON arrays (pydantic-settings), PostgreSQL through MALWAR_DB_BACKEND and
 * MALWAR_POSTGRES_URL, and `Recreate` while SQLite holds the data on a ReadWriteOnce claim.
 */
export class Malwar extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    /** http://<service>.<namespace>.svc:8000, for clients inside the cluster. */
    readonly endpoint: pulumi.Output<string>;
    readonly secretName: pulumi.Output<string>;
    readonly claimName?: pulumi.Output<string>;
    readonly capacity: WorkloadCapacity[];
    /** Its own RDS instance, if any. */
    readonly databases: DatabaseCapacity[];

    constructor(name: string, args: MalwarArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:malwar:Malwar", name, {}, opts);
        const s = args;
        const id = { name: "malwar", component: "api", partOf: "malwar" };
        const childOpts = { parent: this };
        const meta = { name: MALWAR_NAME, namespace: args.namespace, labels: labels(id) };
        const sqlite = s.database.backend === "sqlite";
        const runAs = { user: s.runAsUser, group: s.runAsUser };

        const account = new k8s.core.v1.ServiceAccount(name, { metadata: meta, automountServiceAccountToken: false }, childOpts);

        const settings: Record<string, string> = {
            MALWAR_LOG_LEVEL: s.logLevel,
            MALWAR_AUTO_MIGRATE: String(s.autoMigrate),
            MALWAR_DB_BACKEND: s.database.backend,
            MALWAR_WEBHOOK_URLS: JSON.stringify(s.webhookUrls),
            MALWAR_CORS_ORIGINS: JSON.stringify(s.corsOrigins),
            ...(sqlite ? { MALWAR_DB_PATH: `${DATA_DIR}/malwar.db` } : {}),
        };
        const settingsMap = new k8s.core.v1.ConfigMap(`${name}-settings`, {
            metadata: { ...meta, name: "malwar-settings" },
            data: settings,
        }, childOpts);

        // No API key configured means an open API: generate one instead.
        const apiKeys = args.secrets.apiKeys ?? generatedSecret(`${name}-api-key`, { length: 40 }, { parent: this }).apply((key) => [key]);
        const rds = args.database.backend === "postgres" ? args.database.rds : undefined;
        const database = rds
            ? new RdsPostgres(`${name}-db`, {
                  identifier: rds.identifier,
                  app: "malwar",
                  dbName: "malwar",
                  username: "malwar",
                  settings: rds.settings,
                  subnetGroupName: rds.network.subnetGroupName,
                  securityGroupId: rds.network.securityGroupId,
                  tags: rds.tags,
              }, { parent: this, aliases: [{ name: `${name}-db`, parent: pulumi.rootStackResource }] })
            : undefined;
        this.databases = database ? [database.capacity] : [];
        const postgresUrl = database ? postgresUrlOf(database) : args.secrets.postgresUrl;
        const secretValues: Record<string, pulumi.Input<string>> = {
            MALWAR_API_KEYS: pulumi.output(apiKeys).apply((keys) => JSON.stringify(keys)),
            ...(args.secrets.anthropicApiKey ? { MALWAR_ANTHROPIC_API_KEY: args.secrets.anthropicApiKey } : {}),
            ...(args.secrets.webhookSecret ? { MALWAR_WEBHOOK_SECRET: args.secrets.webhookSecret } : {}),
            ...(!sqlite && postgresUrl ? { MALWAR_POSTGRES_URL: postgresUrl } : {}),
        };
        const secretData = pulumi.secret(pulumi.output(secretValues));
        const secret = new k8s.core.v1.Secret(`${name}-secrets`, {
            metadata: { ...meta, name: "malwar-secrets" },
            type: "Opaque",
            stringData: secretData,
        }, childOpts);

        let claim: k8s.core.v1.PersistentVolumeClaim | undefined;
        if (sqlite) {
            // Kept when the stack is destroyed, as the guide promises for the chart's claim.
            claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
                metadata: { ...meta, name: "malwar-data" },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    ...(s.storageClass ? { storageClassName: s.storageClass } : {}),
                    resources: { requests: { storage: s.storageSize } },
                },
            }, { ...childOpts, provider: args.keptDataProvider, retainOnDelete: true });
        }

        const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "256Mi" } });
        const data = claim ? podVolume("data", { persistentVolumeClaim: { claimName: claim.metadata.name } }, { sharedSize: s.storageSize }) : undefined;
        const pod = podTemplate({
            serviceAccountName: account.metadata.name,
            runAs,
            fsGroup: s.runAsUser,
            priorityClassName: args.priorityClassName,
            // Preferences only, so the one SQLite pod still schedules wherever its claim is.
            spread: id,
            exemptions: [...MALWAR_UID_EXEMPTIONS, ...MALWAR_SECRET_ENV_EXEMPTIONS],
            containers: [{
                name: "malwar",
                image: s.image,
                ports: [{ name: "http", containerPort: PORT }],
                envFrom: [{ configMapRef: { name: settingsMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }],
                // The deployment guide's probe table. Note: /api/v1/ready answers 200 even
                // when the database is down (an upstream bug), so readiness cannot catch that.
                livenessProbe: httpProbe("/api/v1/health", "http", { initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
                readinessProbe: httpProbe("/api/v1/ready", "http", { initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
                mounts: [tmp.mount("/tmp"), ...(data ? [data.mount(DATA_DIR)] : [])],
                resources: s.resources,
                ephemeralStorage: "512Mi",
            }],
            volumes: [tmp, ...(data ? [data] : [])],
        });

        const rollingWithPostgres = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
        const planned = s.autoscaling.enabled ? s.autoscaling.minReplicas : s.replicas;
        const workloadExemptions = [
            ...(sqlite ? MALWAR_RECREATE_EXEMPTIONS : []),
            ...singleReplicaExemptions(planned, sqlite ? "one writer: SQLite on a ReadWriteOnce claim (switch malwar.database.backend to postgres to scale)" : "this stack runs one Malwar pod"),
        ];
        new k8s.apps.v1.Deployment(name, {
            metadata: { ...meta, labels: labels(id, MALWAR_NAME), annotations: pod.annotations(workloadExemptions) },
            spec: {
                // An HPA owns the replica count when enabled.
                ...(s.autoscaling.enabled ? {} : { replicas: s.replicas }),
                // SQLite on a ReadWriteOnce claim: a second pod could not attach it (multi-attach deadlock).
                strategy: sqlite ? { type: "Recreate" } : rollingWithPostgres,
                selector: { matchLabels: selectorLabels(id) },
                template: {
                    metadata: {
                        labels: labels(id, MALWAR_NAME),
                        annotations: { "checksum/settings": checksum(JSON.stringify(settings)), "checksum/secrets": checksum(secretData.apply((d) => JSON.stringify(d))) },
                    },
                    spec: pod.spec,
                },
            },
        }, childOpts);

        const service = new k8s.core.v1.Service(name, {
            metadata: meta,
            spec: { type: "ClusterIP", selector: selectorLabels(id), ports: [{ name: "http", port: PORT, targetPort: "http" }] },
        }, childOpts);

        onePodAtATime(name, id, args.namespace, childOpts, MALWAR_NAME);
        // The API on 8000; out to the Anthropic API and webhooks (443) and PostgreSQL.
        allowOnly(name, id, args.namespace, {
            podSelector: instanceSelector(MALWAR_NAME),
            ingress: [{ ports: [PORT] }],
            egress: [...DNS, { ports: [443, ...(sqlite ? [] : [5432])] }],
        }, childOpts, MALWAR_NAME);

        if (s.ingress.enabled) {
            new k8s.networking.v1.Ingress(name, {
                metadata: { ...meta, annotations: s.ingress.annotations },
                spec: {
                    ingressClassName: s.ingress.className,
                    ...(s.ingress.tlsSecretName ? { tls: [{ hosts: s.ingress.hosts, secretName: s.ingress.tlsSecretName }] } : {}),
                    rules: s.ingress.hosts.map((host) => ({
                        host,
                        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: "http" } } } }] },
                    })),
                },
            }, childOpts);
        }

        if (s.autoscaling.enabled) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, {
                metadata: meta,
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: MALWAR_NAME },
                    minReplicas: s.autoscaling.minReplicas,
                    maxReplicas: s.autoscaling.maxReplicas,
                    metrics: [
                        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.autoscaling.targetCPUUtilizationPercentage } } },
                        { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: s.autoscaling.targetMemoryUtilizationPercentage } } },
                    ],
                },
            }, childOpts);
        }

        // With an HPA, plan for its ceiling.
        this.capacity = [pod.capacity({ name: MALWAR_NAME, app: "malwar", kind: "Deployment", replicas: s.autoscaling.enabled ? s.autoscaling.maxReplicas : s.replicas })];
        this.serviceName = service.metadata.name;
        this.endpoint = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc:${PORT}`;
        this.secretName = secret.metadata.name;
        this.claimName = claim?.metadata.name;
        this.registerOutputs({ serviceName: this.serviceName, endpoint: this.endpoint, secretName: this.secretName, claimName: this.claimName });
    }
}

function postgresUrlOf(db: PostgresEndpoint): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([db.address, db.port, db.password]).apply(
            ([host, port, password]) => `postgresql://${encodeURIComponent(db.username)}:${encodeURIComponent(password)}@${host}:${port}/${db.dbName}?sslmode=require`,
        ),
    );
}
