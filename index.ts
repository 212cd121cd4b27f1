/**
 * The security-scanning platform: Clair v4 (distributed, one database per node type),
 * ClamAV and Malwar. This file reads the stack config and wires the components.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseNetwork } from "./components/aws/database-network";
import { RdsPostgres } from "./components/aws/postgres";
import { Clair } from "./components/clair";
import { Clamav } from "./components/clamav";
import { Malwar } from "./components/malwar";
import { summarize } from "./lib/capacity";
import { readStackConfig } from "./lib/stack-config";

const config = readStackConfig();
const stack = pulumi.getStack();
const tags = { project: pulumi.getProject(), stack, "managed-by": "pulumi" };

// Objects kept on `pulumi destroy` (retainOnDelete) are still in the cluster at the next `up`:
// this provider adopts them on create (server-side apply of the existing object) instead of
// failing with "already exists". Same cluster as the default provider; used for nothing else,
// so a renamed resource elsewhere still fails loudly rather than silently taking an object over.
const clusterSelection = new pulumi.Config("kubernetes");
const keptDataProvider = new k8s.Provider("kept-data", {
    kubeconfig: clusterSelection.get("kubeconfig"),
    context: clusterSelection.get("context"),
    cluster: clusterSelection.get("cluster"),
    upsertExistingObjects: true,
});

// Kept on `pulumi destroy`: deleting the namespace would cascade to Malwar's retained claim.
const namespace = config.kubernetes.createNamespace
    ? new k8s.core.v1.Namespace("namespace", {
          metadata: { name: config.kubernetes.namespace, labels: { "app.kubernetes.io/part-of": "security-scanning", "app.kubernetes.io/managed-by": "pulumi" } },
      }, { retainOnDelete: true, provider: keptDataProvider }).metadata.name
    : pulumi.output(config.kubernetes.namespace);

const malwarOnRds = config.malwar.database.backend === "postgres" && config.malwar.database.rds;
const network = config.clair.database.backend === "rds" || malwarOnRds
    ? new DatabaseNetwork("databases", {
          vpcId: config.network.vpcId!,
          subnetIds: config.network.subnetIds,
          allowedCidrs: config.network.allowedCidrs,
          allowedSecurityGroupIds: config.network.allowedSecurityGroupIds,
          tags,
      })
    : undefined;

const clair = new Clair("clair", {
    stack,
    namespace,
    settings: config.clair,
    psk: config.clairPsk ? pulumi.secret(config.clairPsk) : undefined,
    network,
    tags,
    priorityClassName: config.kubernetes.priorityClassName,
});

const clamav = new Clamav("clamav", { namespace, settings: config.clamav, priorityClassName: config.kubernetes.priorityClassName });

const malwarDatabase = malwarOnRds && network
    ? new RdsPostgres("malwar-db", {
          identifier: `malwar-${stack}`,
          app: "malwar",
          dbName: "malwar",
          username: "malwar",
          settings: config.clair.database.rds,
          subnetGroupName: network.subnetGroupName,
          securityGroupId: network.securityGroupId,
          tags: { ...tags, component: "malwar" },
      })
    : undefined;

const malwar = new Malwar("malwar", {
    namespace,
    settings: config.malwar,
    secrets: {
        apiKeys: config.malwarApiKeys ? pulumi.secret(config.malwarApiKeys) : undefined,
        anthropicApiKey: config.malwarAnthropicApiKey ? pulumi.secret(config.malwarAnthropicApiKey) : undefined,
        webhookSecret: config.malwarWebhookSecret ? pulumi.secret(config.malwarWebhookSecret) : undefined,
        postgresUrl: config.malwarPostgresUrl ? pulumi.secret(config.malwarPostgresUrl) : undefined,
    },
    database: malwarDatabase,
    priorityClassName: config.kubernetes.priorityClassName,
    keptDataProvider,
});

export const kubernetesNamespace = namespace;
export const clairUrls = clair.urls;
export const clairDatabaseAddresses = clair.databaseAddresses;
export const clairPoolMaxConns = clair.poolMaxConns;
export const clamavEndpoint = pulumi.interpolate`tcp://${clamav.serviceName}.${namespace}.svc:3310`;
export const clamavRefreshCronJob = clamav.refreshCronJobName;
export const malwarEndpoint = pulumi.interpolate`http://${malwar.serviceName}.${namespace}.svc:8000`;
/** The Kubernetes Secret that holds Malwar's API keys (read it with kubectl; never exported). */
export const malwarApiKeysSecret = malwar.secretName;
export const capacity = summarize(
    stack,
    [...clair.capacity, ...clamav.capacity, ...malwar.capacity],
    [...clair.databases, ...(malwarDatabase ? [malwarDatabase.capacity] : [])],
);
