import * as pulumi from "@pulumi/pulumi";
import type { AutoscalingRange } from "../shared/autoscaling";
import { appServiceAccount } from "../shared/service-account";
import { proxyEnv, proxyPorts, type EgressProxy } from "../shared/proxy";
import type { TrustedCa } from "../shared/trusted-ca";
import { placementWithAccount, type AppPlacement } from "../shared/workload";
import type { DatabaseCapacity, WorkloadCapacity } from "../../lib/capacity";
import { CLAIR_NAMES, type ClairMode } from "../../lib/clair-pools";
import { generatedBase64Key } from "../shared/generated-secret";
import type { GuaranteedResources } from "../../lib/resources";
import { clairAlerts } from "../../lib/alerts";
import { podMonitor, prometheusRule, scrapeIngress, type MonitoringArgs } from "../shared/monitoring";
import { allowOnly, DNS, urlPort } from "../shared/network-policy";
import { ClairConfigFile } from "./config";
import { ClairDatabases, type ClairDatabaseBackend } from "./databases";
import { ClairDeployment } from "./deployment";
import { ClairUpdatersImport, type UpdatersBundle } from "./import";
import { ClairIndexer } from "./indexer";
import { HTTP_PORT, INTROSPECTION_PORT, rhelMappingFiles, type RhelMappings } from "./pod";
import { ClairRoutes } from "./routes";
import { ClairUpdater, updaterIdentity } from "./updater";
import { ClairUpgradeJob } from "./upgrade";

export interface ClairNodeSettings {
    /** Pods; with `autoscaling`, the count the workload starts at (the autoscaler's minimum). */
    replicas: number;
    /** An autoscaler for this node type (the indexer and the matcher only); a fixed count when absent. */
    autoscaling?: AutoscalingRange;
    /** Per Clair container; requests equal limits. */
    resources: GuaranteedResources;
}

/** The ServiceAccount every Clair pod runs as. */
export const CLAIR_SERVICE_ACCOUNT = "clair";

/** The placement (namespace, priority class, pod settings) is on every Clair pod: the node types', the clairctl Jobs' and the in-cluster databases'. */
export interface ClairArgs extends AppPlacement {
    /** Suffix of RDS identifiers, e.g. "prod" -> clair-indexer-prod. */
    stack: string;
    /** Pinned Clair image, e.g. quay.io/projectquay/clair:4.8.0. */
    image: string;
    /** The one host of the three paths (/indexer, /matcher, /notifier). */
    host: string;
    /** OpenShift Routes, or a Kubernetes Ingress (which then needs tlsSecretName). */
    exposure: "route" | "ingress";
    /** IngressClass of the Ingress, e.g. "nginx"; read only with exposure "ingress". */
    ingressClassName: string;
    /** TLS Secret of the Ingress for the host; read only with exposure "ingress". */
    tlsSecretName?: string;
    /** Clair's log_level for every node type, e.g. "info" or "debug". */
    logLevel: string;
    /** Numeric uid (and gid) of every Clair container. */
    runAsUser: number;
    /** The indexer StatefulSet: pods, resources, each pod's claim, and its keys of the config file. */
    indexer: ClairNodeSettings & {
        /** StorageClass of each indexer pod's layer claim. */
        storageClass: string;
        /** Size of each indexer pod's layer claim, a quantity with a byte unit, e.g. "100Gi". */
        storageSize: string;
        /** indexer.layer_scan_concurrency: layers one pod scans at once. */
        layerScanConcurrency: number;
        /** Index requests one pod takes at once before answering 429. */
        indexReportRequestConcurrency: number;
        /** Seconds between tries for a manifest's scan lock. */
        scanlockRetry: number;
    };
    /**
     * Which updater sets run and their settings; with `dedicated`, one Deployment of its own runs
     * them (with these resources) and every matcher runs with disable_updaters.
     */
    updaters: { sets?: string[]; config: Record<string, Record<string, unknown>>; dedicated?: { resources: GuaranteedResources } };
    /** A partial Clair config merged into the rendered file(s), already checked against the keys Clair reads and the program owns. */
    configOverrides: Record<string, unknown>;
    /** The matcher Deployment: pods, resources, and its keys of the config file. */
    matcher: ClairNodeSettings & {
        /** matcher.period: how often the updaters run; a Go duration, e.g. "6h". */
        period: string;
        /** matcher.update_retention: update operations the matcher's garbage collection keeps per updater; 0: no garbage collection. */
        updateRetention: number;
    };
    /** The notifier Deployment: pods, resources, and its keys of the config file. */
    notifier: ClairNodeSettings & {
        /** notifier.poll_interval: how often it looks for new update operations; a Go duration, e.g. "5m". */
        pollInterval: string;
        /** notifier.delivery_interval: how often it tries to deliver pending notifications; a Go duration, e.g. "1m". */
        deliveryInterval: string;
        /** Where notifications go; the callback defaults to https://<host>/notifier/api/v1/notification/ (Clair appends the id). */
        webhook?: { target: string; callback?: string };
    };
    /** The three databases (one per node type): on RDS or in the cluster, and how Clair connects to them. */
    database: ClairDatabaseBackend & {
        /** libpq sslmode of every connection. */
        sslMode: string;
        /** PEM of the database CA, mounted where Clair trusts it. */
        caBundle?: string;
    };
    /** pool_max_conns per node type, from planPools (./pools), computed once before anything is registered. */
    poolMaxConns: Record<ClairMode, number>;
    /** The PSK shared with Quay (base64); generated when absent. */
    psk?: pulumi.Input<string>;
    /** AWS tags of the RDS resources. */
    tags: Record<string, string>;
    /** Minutes a Clair pod may take to start (migrations) before liveness takes over. */
    startupMinutes: number;
    /** The cluster's egress proxy: Clair's containers (and clairctl) reach the internet through it. */
    proxy?: EgressProxy;
    /** A trusted CA bundle (TLS inspection): the three node types, and the import from a URL, trust it besides the image's roots. */
    trustedCa?: TrustedCa;
    /** PodMonitor of the introspection port (all three node types), the alerts; none when absent. */
    monitoring?: MonitoringArgs;
    /**
     * Disconnected mode: the config file turns the updaters off (matcher.disable_updaters,
     * indexer.airgap) and a Job imports the bundle into the matcher database once the matcher is
     * ready; with `schedule`, a CronJob imports it again.
     */
    disconnected?: {
        bundle: UpdatersBundle;
        schedule?: string;
        importResources: GuaranteedResources;
        /**
         * Red Hat's mapping files for the indexer's RHEL scanners, which cannot fetch them offline:
         * mounted into the indexer pods and named in the config file.
         */
        rhelMappings: RhelMappings;
    };
    /**
     * `clairctl admin pre v<version>` before the Clair pods change and `admin post v<version>` after
     * they have rolled out, each a Job named after the version (so it runs when the version changes).
     */
    upgradeJobs?: { version: string; resources: GuaranteedResources };
}

/** Clair v4 in distributed mode: databases, one config file, three node types, path routing. */
export class Clair extends pulumi.ComponentResource {
    readonly urls: Record<ClairMode, string>;
    readonly databaseAddresses: Record<ClairMode, pulumi.Output<string>>;
    readonly poolMaxConns: Record<ClairMode, number>;
    readonly capacity: WorkloadCapacity[];
    readonly databases: DatabaseCapacity[];

    constructor(name: string, args: ClairArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:Clair", name, {}, opts);
        // Clair's own account for every Clair pod (serving, clairctl Jobs, in-cluster databases).
        const account = appServiceAccount(
            `${name}-sa`,
            { objectName: CLAIR_SERVICE_ACCOUNT, namespace: args.namespace, identity: { name: "clair", component: "service-account", partOf: "clair" } },
            { parent: this },
        );
        const serviceAccountName = account.metadata.name;
        // The Services Clair calls by short name stay off the proxy.
        const proxyVariables = proxyEnv(args.proxy, [CLAIR_NAMES.indexer, CLAIR_NAMES.matcher, CLAIR_NAMES.notifier]);
        const dedicated = args.updaters.dedicated;
        // Every Clair workload's, the in-cluster databases' too.
        const placement = placementWithAccount(args, serviceAccountName);
        const databases = new ClairDatabases(
            name,
            { ...placement, stack: args.stack, dedicatedUpdater: dedicated !== undefined, database: args.database, tags: args.tags },
            { parent: this },
        );
        const pools = args.poolMaxConns;
        this.poolMaxConns = pools;

        const psk = args.psk ?? generatedBase64Key(`${name}-psk`, 64, { parent: this });
        const webhook = args.notifier.webhook;
        const configFile = new ClairConfigFile(
            `${name}-config`,
            {
                namespace: args.namespace,
                logLevel: args.logLevel,
                databases: {
                    indexer: { endpoint: databases.endpoints.indexer, poolMaxConns: pools.indexer },
                    matcher: { endpoint: databases.endpoints.matcher, poolMaxConns: pools.matcher },
                    notifier: { endpoint: databases.endpoints.notifier, poolMaxConns: pools.notifier },
                },
                sslMode: args.database.sslMode,
                caBundle: args.database.caBundle,
                indexerServiceName: CLAIR_NAMES.indexer,
                matcherServiceName: CLAIR_NAMES.matcher,
                layerScanConcurrency: args.indexer.layerScanConcurrency,
                indexReportRequestConcurrency: args.indexer.indexReportRequestConcurrency,
                scanLockRetry: args.indexer.scanlockRetry,
                matcherPeriod: args.matcher.period,
                matcherUpdateRetention: args.matcher.updateRetention,
                notifierPollInterval: args.notifier.pollInterval,
                notifierDeliveryInterval: args.notifier.deliveryInterval,
                webhook: webhook ? { target: webhook.target, callback: webhook.callback ?? `https://${args.host}/notifier/api/v1/notification/` } : undefined,
                psk,
                disconnected: args.disconnected !== undefined,
                rhelMappingFiles: args.disconnected ? rhelMappingFiles(args.disconnected.rhelMappings) : undefined,
                updaters: { sets: args.updaters.sets, config: args.updaters.config },
                dedicatedUpdater: dedicated !== undefined,
                overrides: args.configOverrides,
            },
            { parent: this },
        );

        const workload = {
            ...placement,
            image: args.image,
            runAsUser: args.runAsUser,
            configSecretName: configFile.secretName,
            caConfigMapName: configFile.caConfigMapName,
            startupMinutes: args.startupMinutes,
            extraEnv: proxyVariables,
            trustedCa: args.trustedCa,
        };
        const clairctl = {
            ...placement,
            image: args.image,
            runAsUser: args.runAsUser,
            configSecretName: configFile.secretName,
            caConfigMapName: configFile.caConfigMapName,
            extraEnv: proxyVariables,
        };
        const upgrade = args.upgradeJobs;
        const preUpgrade = upgrade
            ? new ClairUpgradeJob(
                  `${name}-pre-upgrade`,
                  { namespace: args.namespace, phase: "pre", version: upgrade.version, pod: { ...clairctl, resources: upgrade.resources } },
                  { parent: this },
              )
            : undefined;
        const after = preUpgrade ? [preUpgrade] : undefined;
        // API on 8080 (router, Quay, the other node types), metrics on 8089 for the scraper only
        // (the kubelet's probes come from the node, which a NetworkPolicy always admits); out to
        // layer registries and vulnerability feeds (80/443), the databases and each other.
        const clairPods = { "app.kubernetes.io/name": "clair" };
        // The import Job (labelled clair too) fetches its bundle, wherever the URL points.
        const bundlePort = args.disconnected && "url" in args.disconnected.bundle ? urlPort(args.disconnected.bundle.url) : undefined;
        allowOnly(
            name,
            { name: "clair", component: "network", partOf: "clair" },
            args.namespace,
            {
                podSelector: clairPods,
                ingress: [{ ports: [HTTP_PORT] }, ...scrapeIngress(args.monitoring, [INTROSPECTION_PORT])],
                egress: [
                    ...DNS,
                    { ports: [...new Set([80, 443, 5432, ...(bundlePort ? [bundlePort] : []), ...proxyPorts(args.proxy)])] },
                    { ports: [HTTP_PORT], peers: [{ podSelector: { matchLabels: clairPods } }] },
                ],
            },
            { parent: this },
            "clair",
        );
        const indexer = new ClairIndexer(
            `${name}-indexer`,
            {
                ...workload,
                replicas: args.indexer.replicas,
                autoscaling: args.indexer.autoscaling,
                resources: args.indexer.resources,
                storageClass: args.indexer.storageClass,
                storageSize: args.indexer.storageSize,
                rhelMappings: args.disconnected?.rhelMappings,
                podAnnotations: configFile.podAnnotations,
                annotations: configFile.databaseAnnotations.indexer,
                after,
            },
            { parent: this },
        );
        const matcher = new ClairDeployment(
            `${name}-matcher`,
            {
                ...workload,
                mode: "matcher",
                replicas: args.matcher.replicas,
                autoscaling: args.matcher.autoscaling,
                resources: args.matcher.resources,
                podAnnotations: configFile.podAnnotations,
                annotations: configFile.databaseAnnotations.matcher,
                after,
            },
            { parent: this },
        );
        const notifier = new ClairDeployment(
            `${name}-notifier`,
            {
                ...workload,
                mode: "notifier",
                replicas: args.notifier.replicas,
                resources: args.notifier.resources,
                podAnnotations: configFile.podAnnotations,
                annotations: configFile.databaseAnnotations.notifier,
                after,
            },
            { parent: this },
        );

        // Beside the matchers, on their database and pool (the pool plan counts its pod).
        const updater = dedicated
            ? new ClairUpdater(
                  `${name}-updater`,
                  {
                      ...workload,
                      resources: dedicated.resources,
                      podAnnotations: configFile.podAnnotations,
                      annotations: configFile.databaseAnnotations.matcher,
                      after,
                  },
                  { parent: this },
              )
            : undefined;

        const monitoringId = { name: "clair", component: "monitoring", partOf: "clair" };
        // The three node types only: the clairctl Jobs' pods carry the Clair name too, and serve no metrics.
        const nodeTypes = {
            matchLabels: clairPods,
            matchExpressions: [
                { key: "app.kubernetes.io/component", operator: "In" as const, values: ["indexer", "matcher", "notifier", updaterIdentity.component] },
            ],
        };
        if (args.monitoring?.podMonitors) podMonitor(name, monitoringId, args.namespace, nodeTypes, ["introspection"], { parent: this }, "clair");
        const rules = args.monitoring?.rules;
        if (rules) prometheusRule(name, monitoringId, args.namespace, (ns) => clairAlerts(ns, rules.runbookBaseUrl), { parent: this }, "clair");

        const routes = new ClairRoutes(
            name,
            {
                namespace: args.namespace,
                host: args.host,
                exposure: args.exposure,
                services: { indexer: indexer.serviceName, matcher: matcher.serviceName, notifier: notifier.serviceName },
                ingressClassName: args.ingressClassName,
                tlsSecretName: args.tlsSecretName,
            },
            { parent: this },
        );

        const postUpgrade = upgrade
            ? new ClairUpgradeJob(
                  `${name}-post-upgrade`,
                  {
                      namespace: args.namespace,
                      phase: "post",
                      version: upgrade.version,
                      pod: { ...clairctl, resources: upgrade.resources },
                      after: [indexer, matcher, notifier, ...(updater ? [updater] : [])],
                  },
                  { parent: this },
              )
            : undefined;
        const updatersImport = args.disconnected
            ? new ClairUpdatersImport(
                  `${name}-import`,
                  {
                      namespace: args.namespace,
                      bundle: args.disconnected.bundle,
                      schedule: args.disconnected.schedule,
                      // An import from a URL goes out (an internal https server, say); one from a claim does not.
                      pod: {
                          ...clairctl,
                          resources: args.disconnected.importResources,
                          ...("url" in args.disconnected.bundle ? { trustedCa: args.trustedCa } : {}),
                      },
                      after: [matcher],
                  },
                  { parent: this },
              )
            : undefined;

        this.urls = routes.urls;
        this.databaseAddresses = {
            indexer: databases.endpoints.indexer.address,
            matcher: databases.endpoints.matcher.address,
            notifier: databases.endpoints.notifier.address,
        };
        // The clairctl Jobs count as one pod each, as if running (the CronJob rule, docs/capacity.md).
        this.capacity = [
            ...indexer.capacity,
            ...matcher.capacity,
            ...notifier.capacity,
            ...(updater?.capacity ?? []),
            ...(preUpgrade ? [preUpgrade.capacity] : []),
            ...(postUpgrade ? [postUpgrade.capacity] : []),
            ...(updatersImport?.capacity ?? []),
            ...databases.capacity,
        ];
        this.databases = databases.databases;
        this.registerOutputs({ urls: this.urls, databaseAddresses: this.databaseAddresses, poolMaxConns: this.poolMaxConns });
    }
}
