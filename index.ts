/**
 * The security-scanning platform: Clair v4 (distributed, one database per node type), ClamAV and
 * Malwar. This file only wires: config/ validates the stack config and maps it onto each
 * component's Args; the components decide everything else.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseNetwork } from "./components/aws/database-network";
import { Clair } from "./components/clair";
import { Clamav } from "./components/clamav";
import { Malwar } from "./components/malwar";
import { PlatformDashboard } from "./components/monitoring/dashboard";
import { PlatformNamespace } from "./components/namespace";
import { TrustedCaBundle } from "./components/trusted-ca";
import { OpenshiftSccGrant } from "./components/openshift-scc-grant";
import { clairArgs, clamavArgs, dashboardArgs, databaseNetworkArgs, malwarArgs, sccGrantArgs, trustedCaArgs } from "./config/args";
import { readStackConfig } from "./config/load";
import { summarize } from "./lib/capacity";

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

const namespace = new PlatformNamespace(
    "namespace",
    { name: config.kubernetes.namespace, create: config.kubernetes.createNamespace },
    { provider: keptDataProvider },
);
const networkArgs = databaseNetworkArgs(config, tags);
const network = networkArgs ? new DatabaseNetwork("databases", networkArgs) : undefined;
// OpenShift with the images' own IDs: the SCC grant must exist before the first pod asks to be
// admitted. The apps get the namespace's name through the grant, so every object they create
// (each names its namespace) waits for it.
const sccGrantSettings = sccGrantArgs(config, namespace.name);
const sccGrant = sccGrantSettings ? new OpenshiftSccGrant("openshift-scc", sccGrantSettings) : undefined;
const appNamespace = sccGrant ? pulumi.all([namespace.name, sccGrant.roleBindingName]).apply(([name]) => name) : namespace.name;

const trustedCaSettings = trustedCaArgs(config, appNamespace);
const trustedCa = trustedCaSettings ? new TrustedCaBundle("trusted-ca", trustedCaSettings).bundle : undefined;
const wiring = { stack, namespace: appNamespace, network, tags, region: new pulumi.Config("aws").get("region"), trustedCa };

const clair = new Clair("clair", clairArgs(config, wiring, pulumi.secret));
const clamav = new Clamav("clamav", clamavArgs(config, wiring));
const malwar = new Malwar("malwar", malwarArgs(config, wiring, pulumi.secret), { keptDataProvider });
const dashboard = dashboardArgs(config, wiring);
if (dashboard) new PlatformDashboard("dashboard", dashboard);

export const kubernetesNamespace = namespace.name;
export const clairUrls = clair.urls;
export const clairDatabaseAddresses = clair.databaseAddresses;
export const clairPoolMaxConns = clair.poolMaxConns;
export const clamavEndpoint = clamav.endpoint;
export const clamavRefreshCronJob = clamav.refreshCronJobName;
export const malwarEndpoint = malwar.endpoint;
/** The Kubernetes Secret that holds Malwar's API keys (read it with kubectl; never exported). */
export const malwarApiKeysSecret = malwar.secretName;
/** The S3 bucket that holds Malwar's SQLite backups (docs/operations.md: Malwar backups), when they are on. */
export const malwarBackupBucket = malwar.backupBucketName;
export const capacity = summarize(stack, [...clair.capacity, ...clamav.capacity, ...malwar.capacity], clair.databases);
