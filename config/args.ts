/**
 * The validated stack config mapped onto each component's own Args. Components never read
 * config; index.ts calls these with what other components produced (the namespace, the
 * database network) and wires the results.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseNetworkArgs } from "../components/aws/database-network";
import type { RdsInstanceSettings } from "../components/aws/postgres";
import { CLAIR_SERVICE_ACCOUNT, type ClairArgs } from "../components/clair";
import { CLAMAV_SERVICE_ACCOUNT, type ClamavArgs } from "../components/clamav";
import { MALWAR_BACKUP_NAME, MALWAR_NAME, type MalwarArgs } from "../components/malwar";
import type { PlatformDashboardArgs } from "../components/monitoring/dashboard";
import type { MonitoringArgs } from "../components/shared/monitoring";
import type { EgressProxy } from "../components/shared/proxy";
import type { TrustedCa } from "../components/shared/trusted-ca";
import type { TrustedCaBundleArgs } from "../components/trusted-ca";
import type { PodSettings } from "../components/shared/workload";
import type { OpenshiftSccGrantArgs } from "../components/openshift-scc-grant";
import { clairVersion } from "../lib/clair-config";
import { autoscalingRange } from "./autoscaling";
import { oidcIssuerOf } from "./malwar";
import type { PodSettingsConfig } from "./pod";
import { OPENSHIFT_CA_BUNDLE_KEY, OPENSHIFT_DEFAULT_SCC, OPENSHIFT_FIXED_ID_SCC, type PlatformConfig } from "./platform";

/** What other components produce and the apps need. */
export interface Wiring {
    stack: string;
    namespace: pulumi.Input<string>;
    /** The RDS subnet and security groups, when a database runs on RDS. */
    network?: { subnetGroupName: pulumi.Input<string>; securityGroupId: pulumi.Input<string> };
    tags: Record<string, string>;
    /** aws:region, where the AWS provider creates resources. */
    region?: string;
    /** The trusted CA bundle (config trustedCA), when one is configured. */
    trustedCa?: TrustedCa;
}

/** What every app needs to know about monitoring. */
export function monitoringArgs(config: PlatformConfig): MonitoringArgs {
    const m = config.monitoring;
    // The schema requires it with rules; this is for the type.
    if (m.rules && m.runbookBaseUrl === undefined) throw new Error("monitoring.runbookBaseUrl is required while monitoring.rules is true");
    return {
        ...(m.podMonitors ? { podMonitors: { scraper: m.scraper } } : {}),
        ...(m.rules && m.runbookBaseUrl !== undefined ? { rules: { runbookBaseUrl: m.runbookBaseUrl } } : {}),
    };
}

/** The Grafana dashboard's Args, or undefined when monitoring.dashboard is off. */
export function dashboardArgs(config: PlatformConfig, wiring: Wiring): PlatformDashboardArgs | undefined {
    return config.monitoring.dashboard ? { namespace: wiring.namespace, sidecarLabels: config.monitoring.dashboardLabels } : undefined;
}

/**
 * True when the pods leave their IDs to OpenShift's restricted-v2 SCC: platform openshift without
 * the nonroot-v2 grant.
 */
export function idsAssignedByPlatform(k: PlatformConfig["kubernetes"]): boolean {
    return k.platform === "openshift" && (k.openshiftScc ?? OPENSHIFT_DEFAULT_SCC) === OPENSHIFT_DEFAULT_SCC;
}

/**
 * The SCC grant's Args, when the stack keeps fixed IDs on OpenShift (kubernetes.openshiftScc
 * nonroot-v2): every ServiceAccount the apps' pods run as, known before the apps exist so the
 * grant can be in place before their first pod is admitted.
 */
export function sccGrantArgs(config: PlatformConfig, namespace: pulumi.Input<string>): OpenshiftSccGrantArgs | undefined {
    // The schema accepts openshiftScc only with platform openshift.
    if (config.kubernetes.openshiftScc !== OPENSHIFT_FIXED_ID_SCC) return undefined;
    const serviceAccounts = [
        CLAIR_SERVICE_ACCOUNT,
        CLAMAV_SERVICE_ACCOUNT,
        config.clamav.refresh.name,
        MALWAR_NAME,
        ...(config.malwar.backup.enabled ? [MALWAR_BACKUP_NAME] : []),
    ];
    return { namespace, scc: OPENSHIFT_FIXED_ID_SCC, serviceAccounts };
}

/** An app's `pod` block as the workload helper takes it, plus who assigns the IDs: empty fields left out. */
export function podSettings(pod: PodSettingsConfig, kubernetes: PlatformConfig["kubernetes"]): PodSettings {
    return {
        ...(idsAssignedByPlatform(kubernetes) ? { idsAssignedByPlatform: true } : {}),
        ...(pod.imagePullSecrets.length ? { imagePullSecrets: pod.imagePullSecrets } : {}),
        ...(Object.keys(pod.nodeSelector).length ? { nodeSelector: pod.nodeSelector } : {}),
        ...(pod.tolerations.length ? { tolerations: pod.tolerations } : {}),
        // Passed through as written: the API server checks the inside of the Affinity block.
        ...(pod.affinity ? { affinity: pod.affinity as PodSettings["affinity"] } : {}),
        ...(Object.keys(pod.labels).length ? { labels: pod.labels } : {}),
        ...(Object.keys(pod.annotations).length ? { annotations: pod.annotations } : {}),
    };
}

/** The egress proxy, or undefined when neither proxy is set. */
function egressProxy(config: PlatformConfig): EgressProxy | undefined {
    const p = config.proxy;
    return p.httpProxy || p.httpsProxy ? { httpProxy: p.httpProxy, httpsProxy: p.httpsProxy, noProxy: p.noProxy } : undefined;
}

/** The trusted CA bundle's Args, or undefined when config trustedCA sets neither source. */
export function trustedCaArgs(config: PlatformConfig, namespace: pulumi.Input<string>): TrustedCaBundleArgs | undefined {
    const ca = config.trustedCA;
    if (ca.openshiftInjected) return { namespace, source: { kind: "openshift-injected", key: OPENSHIFT_CA_BUNDLE_KEY } };
    return ca.configMap ? { namespace, source: { kind: "existing", configMap: ca.configMap, key: ca.key ?? OPENSHIFT_CA_BUNDLE_KEY } } : undefined;
}

const secret = <T>(value: T | undefined, wrap: (v: T) => pulumi.Output<T>) => (value === undefined ? undefined : wrap(value));

function rdsInstance(rds: PlatformConfig["clair"]["database"]["rds"]): RdsInstanceSettings {
    const { reservedConnections: _poolsOnly, instanceMemoryGiB: _stated, memoryGiB, ...instance } = rds;
    // The schema refuses an RDS database whose class memory is unknown, so it is set here.
    return { ...instance, memoryGiB: memoryGiB! };
}

/** The RDS network, or undefined when no database runs on RDS (the schema decided). */
export function databaseNetworkArgs(config: PlatformConfig, tags: Record<string, string>): DatabaseNetworkArgs | undefined {
    return config.databaseNetwork ? { ...config.databaseNetwork, tags } : undefined;
}

export function clairArgs(config: PlatformConfig, wiring: Wiring, toSecret: <T>(v: T) => pulumi.Output<T>): ClairArgs {
    const c = config.clair;
    const database: ClairArgs["database"] =
        c.database.backend === "rds"
            ? { backend: "rds", rds: rdsInstance(c.database.rds), network: requireNetwork(wiring), sslMode: c.database.sslMode, caBundle: c.database.caBundle }
            : {
                  backend: "in-cluster",
                  image: c.database.inClusterImage,
                  storageSize: c.database.inClusterStorageSize,
                  maxConnections: c.database.inClusterMaxConnections,
                  sslMode: c.database.sslMode,
                  caBundle: c.database.caBundle,
              };
    return {
        stack: wiring.stack,
        namespace: wiring.namespace,
        image: c.image,
        host: c.host,
        exposure: c.exposure,
        ingressClassName: c.ingressClassName,
        tlsSecretName: c.tlsSecretName,
        logLevel: c.logLevel,
        runAsUser: c.runAsUser,
        startupMinutes: c.startupMinutes,
        proxy: egressProxy(config),
        indexer: { ...c.indexer, autoscaling: autoscalingRange(c.indexer.replicas, c.indexer.autoscaling) },
        matcher: { ...c.matcher, autoscaling: autoscalingRange(c.matcher.replicas, c.matcher.autoscaling) },
        configOverrides: c.configOverrides,
        updaters: { sets: c.updaters.sets, config: c.updaters.config, dedicated: c.updaters.dedicated ? { resources: c.updaters.resources } : undefined },
        notifier: {
            replicas: c.notifier.replicas,
            resources: c.notifier.resources,
            pollInterval: c.notifier.pollInterval,
            deliveryInterval: c.notifier.deliveryInterval,
            webhook: c.notifier.webhookTarget ? { target: c.notifier.webhookTarget, callback: c.notifier.webhookCallback } : undefined,
        },
        database,
        poolMaxConns: { indexer: c.pools.indexer.poolMaxConns, matcher: c.pools.matcher.poolMaxConns, notifier: c.pools.notifier.poolMaxConns },
        psk: secret(config.clairPsk, toSecret),
        tags: wiring.tags,
        trustedCa: wiring.trustedCa,
        priorityClassName: config.kubernetes.priorityClassName,
        podSettings: podSettings(c.pod, config.kubernetes),
        monitoring: monitoringArgs(config),
        disconnected: c.disconnected.enabled
            ? {
                  // The schema requires one source when enabled.
                  bundle: c.disconnected.bundleUrl
                      ? { url: c.disconnected.bundleUrl }
                      : { claim: c.disconnected.bundleClaim!, path: c.disconnected.bundlePath },
                  schedule: c.disconnected.importSchedule,
                  importResources: c.disconnected.importResources,
                  // The schema requires the ConfigMap when enabled.
                  rhelMappings: { ...c.disconnected.rhelMappings, configMap: c.disconnected.rhelMappings.configMap! },
              }
            : undefined,
        // The schema refuses an image without a version tag while the Jobs are on.
        upgradeJobs: c.upgrade.jobs ? { version: clairVersion(c.image)!, resources: c.upgrade.resources } : undefined,
    };
}

export function clamavArgs(config: PlatformConfig, wiring: Wiring): ClamavArgs {
    const c = config.clamav;
    // The mirror's settings are the component's Args as they are, once it is on.
    const { enabled: mirrorOn, ...mirror } = c.mirror;
    return {
        namespace: wiring.namespace,
        image: c.image,
        replicas: c.replicas,
        autoscaling: autoscalingRange(c.replicas, c.autoscaling),
        resources: c.resources,
        updaterResources: c.updaterResources,
        limits: c.limits,
        runAs: { user: c.runAsUser, group: c.runAsGroup },
        proxy: egressProxy(config),
        trustedCa: wiring.trustedCa,
        privateMirror: c.privateMirror,
        customDatabaseUrls: c.customDatabaseUrls,
        mirror: mirrorOn ? mirror : undefined,
        refresh: c.refresh,
        priorityClassName: config.kubernetes.priorityClassName,
        podSettings: podSettings(c.pod, config.kubernetes),
        monitoring: { ...monitoringArgs(config), exporter: c.exporter, databaseMaxAgeHours: config.monitoring.clamavDatabaseMaxAgeHours },
    };
}

export function malwarArgs(config: PlatformConfig, wiring: Wiring, toSecret: <T>(v: T) => pulumi.Output<T>): MalwarArgs {
    const m = config.malwar;
    return {
        namespace: wiring.namespace,
        image: m.image,
        replicas: m.replicas,
        resources: m.resources,
        runAsUser: m.runAsUser,
        logLevel: m.logLevel,
        autoMigrate: m.autoMigrate,
        webhookUrls: m.webhookUrls,
        corsOrigins: m.corsOrigins,
        webhookVerdicts: m.webhookVerdicts,
        rateLimit: { perKey: m.rateLimit.perKey, perIp: m.rateLimit.perIp },
        llm: m.llm,
        // The schema requires from with a host.
        email: m.notifications.email.host ? { ...m.notifications.email, host: m.notifications.email.host, from: m.notifications.email.from! } : undefined,
        proxy: egressProxy(config),
        storageSize: m.storageSize,
        storageClass: m.storageClass,
        ingress: m.ingress.enabled
            ? { className: m.ingress.className, annotations: m.ingress.annotations, hosts: m.ingress.hosts, tlsSecretName: m.ingress.tlsSecretName }
            : undefined,
        backup: m.backup.enabled
            ? {
                  schedule: m.backup.schedule,
                  retentionDays: m.backup.retentionDays,
                  // The schema requires the ARN when backups are on.
                  oidc: { providerArn: m.backup.oidcProviderArn!, issuer: oidcIssuerOf(m.backup.oidcProviderArn!) },
                  uploadImage: m.backup.uploadImage,
                  resources: m.backup.resources,
                  region: requireRegion(wiring),
                  tags: wiring.tags,
              }
            : undefined,
        secrets: {
            apiKeys: secret(config.malwarApiKeys, toSecret),
            anthropicApiKey: secret(config.malwarAnthropicApiKey, toSecret),
            webhookSecret: secret(config.malwarWebhookSecret, toSecret),
            slackWebhookUrl: secret(config.malwarSlackWebhookUrl, toSecret),
            teamsWebhookUrl: secret(config.malwarTeamsWebhookUrl, toSecret),
            pagerdutyRoutingKey: secret(config.malwarPagerdutyRoutingKey, toSecret),
            smtpPassword: secret(config.malwarSmtpPassword, toSecret),
        },
        priorityClassName: config.kubernetes.priorityClassName,
        podSettings: podSettings(m.pod, config.kubernetes),
    };
}

function requireNetwork(wiring: Wiring): NonNullable<Wiring["network"]> {
    // The schema makes databaseNetwork present whenever an RDS backend is chosen; index.ts builds
    // the network from it, so this holds unless index.ts forgets to pass it.
    if (!wiring.network) throw new Error("an RDS database needs the DatabaseNetwork: pass it in the wiring");
    return wiring.network;
}

function requireRegion(wiring: Wiring): string {
    if (!wiring.region) throw new Error("Malwar's backup bucket needs aws:region: set it in the stack file (pulumi config set aws:region us-east-1)");
    return wiring.region;
}
