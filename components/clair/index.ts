import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseCapacity, WorkloadCapacity } from "../../lib/capacity";
import { planPools, type ClairMode } from "../../lib/clair-config";
import { clairPoolSettings, type ClairConfig } from "../../lib/config";
import { generatedBase64Key } from "../shared/generated-secret";
import { allowOnly, DNS } from "../shared/network-policy";
import { ClairConfigFile } from "./config";
import { ClairDatabases } from "./databases";
import { ClairDeployment } from "./deployment";
import { ClairIndexer, INDEXER_NAME } from "./indexer";
import { HTTP_PORT, INTROSPECTION_PORT } from "./pod";
import { ClairRoutes } from "./routes";

export interface ClairArgs {
    stack: string;
    namespace: pulumi.Input<string>;
    settings: ClairConfig;
    /** The PSK shared with Quay (base64); generated when absent. */
    psk?: pulumi.Input<string>;
    network?: { subnetGroupName: pulumi.Input<string>; securityGroupId: pulumi.Input<string> };
    tags: Record<string, string>;
    priorityClassName?: string;
    provider?: k8s.Provider;
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
        const s = args.settings;
        const common = { namespace: args.namespace, provider: args.provider };

        const databases = new ClairDatabases("clair", { stack: args.stack, settings: s.database, network: args.network, tags: args.tags, priorityClassName: args.priorityClassName, ...common }, { parent: this });

        const plan = planPools(clairPoolSettings(s));
        const pools = { indexer: plan.indexer.poolMaxConns, matcher: plan.matcher.poolMaxConns, notifier: plan.notifier.poolMaxConns };
        this.poolMaxConns = pools;

        const psk = args.psk ?? generatedBase64Key("clair-psk", 64, { parent: this });
        const configFile = new ClairConfigFile("clair-config", {
            ...common,
            logLevel: s.logLevel,
            databases: {
                indexer: { endpoint: databases.endpoints.indexer, poolMaxConns: pools.indexer },
                matcher: { endpoint: databases.endpoints.matcher, poolMaxConns: pools.matcher },
                notifier: { endpoint: databases.endpoints.notifier, poolMaxConns: pools.notifier },
            },
            sslMode: s.database.sslMode,
            caBundle: s.database.caBundle,
            indexerServiceName: INDEXER_NAME,
            matcherServiceName: "clair-matcher",
            layerScanConcurrency: s.indexer.layerScanConcurrency,
            matcherPeriod: s.matcher.period,
            notifierPollInterval: s.notifier.pollInterval,
            notifierDeliveryInterval: s.notifier.deliveryInterval,
            webhook: s.notifier.webhookTarget
                ? { target: s.notifier.webhookTarget, callback: s.notifier.webhookCallback ?? `https://${s.host}/notifier/api/v1/notification` }
                : undefined,
            psk,
        }, { parent: this });

        const workload = {
            ...common,
            image: s.image,
            runAsUser: s.runAsUser,
            configSecretName: configFile.secretName,
            caConfigMapName: configFile.caConfigMapName,
            priorityClassName: args.priorityClassName,
        };
        // API on 8080 (router, Quay, the other node types), metrics on 8089; out to layer
        // registries and vulnerability feeds (80/443), the databases and each other.
        const clairPods = { "app.kubernetes.io/name": "clair" };
        allowOnly("clair", { name: "clair", component: "network", partOf: "clair" }, args.namespace, {
            podSelector: clairPods,
            ingress: [{ ports: [HTTP_PORT, INTROSPECTION_PORT] }],
            egress: [...DNS, { ports: [80, 443, 5432] }, { ports: [HTTP_PORT], peers: [{ podSelector: { matchLabels: clairPods } }] }],
        }, { parent: this, provider: args.provider });
        const indexer = new ClairIndexer("clair-indexer", {
            ...workload,
            replicas: s.indexer.replicas,
            resources: s.indexer.resources,
            storageClass: s.indexer.storageClass,
            storageSize: s.indexer.storageSize,
            podAnnotations: configFile.podAnnotations,
            annotations: configFile.databaseAnnotations.indexer,
        }, { parent: this });
        const matcher = new ClairDeployment("clair-matcher", {
            ...workload, mode: "matcher", replicas: s.matcher.replicas, resources: s.matcher.resources, podAnnotations: configFile.podAnnotations, annotations: configFile.databaseAnnotations.matcher,
        }, { parent: this });
        const notifier = new ClairDeployment("clair-notifier", {
            ...workload, mode: "notifier", replicas: s.notifier.replicas, resources: s.notifier.resources, podAnnotations: configFile.podAnnotations, annotations: configFile.databaseAnnotations.notifier,
        }, { parent: this });

        const routes = new ClairRoutes("clair", {
            ...common,
            host: s.host,
            exposure: s.exposure,
            services: { indexer: indexer.serviceName, matcher: matcher.serviceName, notifier: notifier.serviceName },
            ingressClassName: s.ingressClassName,
            tlsSecretName: s.tlsSecretName,
        }, { parent: this });

        this.urls = routes.urls;
        this.databaseAddresses = {
            indexer: databases.endpoints.indexer.address,
            matcher: databases.endpoints.matcher.address,
            notifier: databases.endpoints.notifier.address,
        };
        this.capacity = [...indexer.capacity, ...matcher.capacity, ...notifier.capacity, ...databases.capacity];
        this.databases = databases.databases;
        this.registerOutputs({ urls: this.urls, databaseAddresses: this.databaseAddresses, poolMaxConns: this.poolMaxConns });
    }
}
