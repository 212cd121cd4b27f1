import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATABASE_ANNOTATION, POOL_ANNOTATION } from "../../policy/lib/clair-annotations";
import { renderClairConfig, renderUpdaterConfig, type ClairConfigInput, type ClairConnection } from "../../lib/clair-config";
import { checksum } from "../shared/checksum";
import { labels } from "../shared/labels";
import type { PostgresEndpoint } from "../postgres/endpoint";
import { CA_DIR, CA_FILE, CONFIG_FILE, HTTP_PORT, INTROSPECTION_PORT, UPDATER_CONFIG_FILE } from "./pod";
import type { ClairMode } from "../../lib/clair-pools";

export const CHECKSUM_ANNOTATION = "checksum/clair-config";

export interface ClairDatabaseUse {
    endpoint: PostgresEndpoint;
    poolMaxConns: number;
}

export interface ClairConfigFileArgs {
    /** Namespace of the config Secret (clair-config), of the CA ConfigMap, and of the Services named below. */
    namespace: pulumi.Input<string>;
    /** log_level, e.g. "info" or "debug" (Clair's ParseLogLevel, any case). */
    logLevel: string;
    /** Per node type: its database (host, port, name, user, password) and pool_max_conns, written into its connstring. */
    databases: Record<ClairMode, ClairDatabaseUse>;
    /** libpq sslmode of every connstring, e.g. "require" or "verify-full". */
    sslMode: string;
    /** PEM bundle for verify-ca/verify-full; mounted where Clair's SSL_CERT_DIR looks. */
    caBundle?: string;
    /** Service the matcher and the notifier call the indexer at: http://<name>.<namespace>.svc:8080/ (their indexer_addr). */
    indexerServiceName: string;
    /** Service the notifier calls the matcher at: http://<name>.<namespace>.svc:8080/ (notifier.matcher_addr). */
    matcherServiceName: string;
    /** indexer.layer_scan_concurrency: layers one indexer pod scans at once. */
    layerScanConcurrency: number;
    /** indexer.index_report_request_concurrency: index requests one indexer pod takes at once. */
    indexReportRequestConcurrency: number;
    /** indexer.scanlock_retry, in seconds. */
    scanLockRetry: number;
    /** matcher.period: how often the updaters run; a Go duration, e.g. "6h". */
    matcherPeriod: string;
    /** matcher.update_retention: update operations kept per updater; 0: garbage collection off. */
    matcherUpdateRetention: number;
    /** notifier.poll_interval: how often the notifier looks for new update operations; a Go duration, e.g. "5m". */
    notifierPollInterval: string;
    /** notifier.delivery_interval: how often the notifier tries to deliver pending notifications; a Go duration, e.g. "1m". */
    notifierDeliveryInterval: string;
    /** notifier.webhook: the URL notifications are sent to, and the callback URL Clair resolves each notification id against; no webhook when absent. */
    webhook?: { target: string; callback: string };
    /** auth.psk.key: the base64 key Quay and clairctl sign their JWTs with (issuers "quay" and "clairctl"). */
    psk: pulumi.Input<string>;
    /** matcher.disable_updaters and indexer.airgap (lib/clair-config.ts). */
    disconnected: boolean;
    /** Disconnected mode: the paths of Red Hat's mapping files in the indexer pods, for the RHEL scanners' config. */
    rhelMappingFiles?: { repo2cpe: string; name2repos: string };
    /** updaters.sets and updaters.config. */
    updaters: { sets?: string[]; config: Record<string, Record<string, unknown>> };
    /** The updaters run in one dedicated pod, which reads UPDATER_CONFIG_FILE; every matcher runs with disable_updaters. */
    dedicatedUpdater: boolean;
    /** Merged into every rendered file (lib/clair-config.ts). */
    overrides: Record<string, unknown>;
}

/**
 * The one config file of all three node types, serialized from a typed object into a Secret
 * (it holds three database passwords and the PSK).
 */
export class ClairConfigFile extends pulumi.ComponentResource {
    readonly secretName: pulumi.Output<string>;
    readonly caConfigMapName?: pulumi.Output<string>;
    /** Pod-template annotation: the config checksum, which rolls the pods on a change. */
    readonly podAnnotations: pulumi.Output<Record<string, string>>;
    /**
     * Workload annotations per node type: its database and pool size. Plain values, so the
     * policy pack can check the pool sums already at the first preview.
     */
    readonly databaseAnnotations: Record<ClairMode, Record<string, string>>;

    constructor(name: string, args: ClairConfigFileArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:ConfigFile", name, {}, opts);
        const id = { name: "clair", component: "config", partOf: "clair" };
        const childOpts = { parent: this };
        const namespaceOutput = pulumi.output(args.namespace);
        const serviceUrl = (service: string) => namespaceOutput.apply((ns) => `http://${service}.${ns}.svc:${HTTP_PORT}/`);

        const connection = (use: ClairDatabaseUse): pulumi.Output<ClairConnection> =>
            pulumi.all([use.endpoint.address, use.endpoint.port, use.endpoint.password]).apply(([host, port, password]) => ({
                host,
                port,
                dbName: use.endpoint.dbName,
                user: use.endpoint.username,
                password,
                sslMode: args.sslMode,
                sslRootCert: args.caBundle ? `${CA_DIR}/${CA_FILE}` : undefined,
                poolMaxConns: use.poolMaxConns,
            }));

        const document = pulumi
            .all([
                connection(args.databases.indexer),
                connection(args.databases.matcher),
                connection(args.databases.notifier),
                serviceUrl(args.indexerServiceName),
                serviceUrl(args.matcherServiceName),
                args.psk,
            ])
            .apply(([indexer, matcher, notifier, indexerAddr, matcherAddr, psk]): ClairConfigInput => ({
                logLevel: args.logLevel,
                httpPort: HTTP_PORT,
                introspectionPort: INTROSPECTION_PORT,
                indexer: {
                    connection: indexer,
                    layerScanConcurrency: args.layerScanConcurrency,
                    indexReportRequestConcurrency: args.indexReportRequestConcurrency,
                    scanLockRetry: args.scanLockRetry,
                },
                matcher: { connection: matcher, period: args.matcherPeriod, updateRetention: args.matcherUpdateRetention },
                notifier: {
                    connection: notifier,
                    pollInterval: args.notifierPollInterval,
                    deliveryInterval: args.notifierDeliveryInterval,
                    webhook: args.webhook,
                },
                indexerAddr,
                matcherAddr,
                pskBase64: psk,
                pskIssuers: ["quay", "clairctl"],
                disconnected: args.disconnected,
                rhelMappingFiles: args.rhelMappingFiles,
                updaters: args.updaters,
                dedicatedUpdater: args.dedicatedUpdater,
                overrides: args.overrides,
            }));
        const secretDocument = pulumi.secret(document.apply(renderClairConfig));
        const updaterDocument = args.dedicatedUpdater ? pulumi.secret(document.apply(renderUpdaterConfig)) : undefined;

        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: { name: "clair-config", namespace: args.namespace, labels: labels(id) },
                type: "Opaque",
                stringData: { [CONFIG_FILE]: secretDocument, ...(updaterDocument ? { [UPDATER_CONFIG_FILE]: updaterDocument } : {}) },
            },
            childOpts,
        );

        if (args.caBundle) {
            const ca = new k8s.core.v1.ConfigMap(
                `${name}-database-ca`,
                {
                    metadata: { name: "clair-database-ca", namespace: args.namespace, labels: labels(id) },
                    data: { [CA_FILE]: args.caBundle },
                },
                childOpts,
            );
            this.caConfigMapName = ca.metadata.name;
        }

        const digest = checksum(pulumi.all([secretDocument, updaterDocument ?? "", args.caBundle ?? ""]).apply(([doc, updater, ca]) => doc + updater + ca));
        this.podAnnotations = digest.apply((sum): Record<string, string> => ({ [CHECKSUM_ANNOTATION]: sum }));
        const databaseAnnotations = (mode: ClairMode): Record<string, string> => ({
            [DATABASE_ANNOTATION]: args.databases[mode].endpoint.identifier,
            [POOL_ANNOTATION]: String(args.databases[mode].poolMaxConns),
        });
        this.databaseAnnotations = {
            indexer: databaseAnnotations("indexer"),
            matcher: databaseAnnotations("matcher"),
            notifier: databaseAnnotations("notifier"),
        };
        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }
}
