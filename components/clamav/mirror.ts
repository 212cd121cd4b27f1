import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { CLAMAV_DB_DIR, customDatabaseFile, mirrorUpdaterConf, renderClamavConf, type FreshclamProxy } from "../../lib/clamav-conf";
import { mirrorNginxConf, renderNginxConf } from "../../lib/nginx-conf";
import { checksum } from "../shared/checksum";
import { onePodAtATime } from "../shared/disruption";
import { vendorUid, type Exemption } from "../shared/exemptions";
import { instanceSelector, labels, selectorLabels } from "../shared/labels";
import { allowOnly, DNS, urlPort, type PortRule } from "../shared/network-policy";
import { execProbe, httpProbe, tcpProbe } from "../shared/probes";
import type { GuaranteedResources } from "../../lib/resources";
import { freshclamTrustedCa, freshclamUsesTls, type TrustedCa } from "../shared/trusted-ca";
import { perPodClaimVolume, podTemplate, podVolume, type ContainerDeclaration, type WorkloadPlacement } from "../shared/workload";

/** Where the mirror's updater gets the signatures. */
export type MirrorUpstream =
    /** ClamAV's CDN (database.clamav.net). */
    | { kind: "cdn" }
    /** Another mirror, e.g. the organisation's own (PrivateMirror). */
    | { kind: "mirror"; url: string }
    /** None: a disconnected cluster. The operator copies a database bundle onto the claim. */
    | { kind: "none" };

export interface ClamavMirrorArgs extends WorkloadPlacement {
    /** StatefulSet, Service and NetworkPolicy name. */
    name: string;
    /** The clamav/clamav image (its freshclam updates the mirror). */
    updaterImage: string;
    /** A pinned nginx image; it runs with the config built here, not the image's own. */
    serverImage: string;
    /** The clamav image's user and group: they own the database files on the claim. */
    runAs: { user: number; group: number };
    /** Where freshclam fetches from: ClamAV's CDN, another mirror (PrivateMirror), or none (no freshclam container; the operator copies the files in). */
    upstream: MirrorUpstream;
    /** freshclam checks per day, 1 to 24 (ClamAV asks for at most hourly). */
    checksPerDay: number;
    /** Size of the mirror's claim, which holds the database, its patches and freshclam's state, e.g. "2Gi". */
    storageSize: string;
    /** StorageClass of the mirror's claim; the cluster's default class when unset. */
    storageClass?: string;
    /** The freshclam container's; its memory limit also decides TestDatabases (on from 2Gi). */
    updaterResources: GuaranteedResources;
    /** The nginx container's. */
    serverResources: GuaranteedResources;
    /** Labels of the pods that may fetch from the mirror (clamd, the refresh job). */
    clientLabels: Record<string, string>[];
    /** The egress proxy freshclam reaches its upstream through (freshclam.conf HTTPProxyServer/Port). */
    proxy?: FreshclamProxy;
    /** A trusted CA bundle (TLS inspection): CURL_CA_BUNDLE for the updater when its upstream is the CDN or an https mirror. */
    trustedCa?: TrustedCa;
    /**
     * Extra signature databases (DatabaseCustomURL): the updater fetches them, nginx serves each
     * under its file name. Disconnected, the operator copies the files onto the claim.
     */
    customDatabaseUrls: string[];
}

export const MIRROR_PORT = 8080;
const CONF_DIR = "/etc/clamav-mirror";

export const MIRROR_UID_EXEMPTIONS: Exemption[] = vendorUid(
    "runs as the clamav/clamav image's own user (uid 100, gid 101), which owns the database files on the claim; nginx runs as the same user with its pid and temporary files under /tmp",
);
/** The updater's own exemptions: it is freshclam in daemon mode and serves nothing. */
const NO_UPDATER_LIVENESS =
    "the updater container's process is freshclam's daemon itself: when it dies, the container restarts; a liveness restart would only make it ask the CDN again";
export const UPDATER_PROBE_EXEMPTIONS: Exemption[] = [
    { checker: "polaris", check: "livenessProbeMissing", reason: NO_UPDATER_LIVENESS },
    { checker: "checkov", check: "CKV_K8S_8", reason: NO_UPDATER_LIVENESS },
];

/** Ready once main and daily are on the claim (as .cvd or .cld), so the Service publishes no empty mirror. */
export const DATABASE_PRESENT = ["main", "daily"].map((db) => `{ test -s ${CLAMAV_DB_DIR}/${db}.cvd || test -s ${CLAMAV_DB_DIR}/${db}.cld; }`).join(" && ");

/**
 * An in-cluster ClamAV signature mirror (ClamAV's private-mirror guide, option b): freshclam
 * keeps the database on the mirror's own claim, with incremental updates, and nginx serves it
 * over HTTP with Range support. clamd's init containers fetch from it instead of the CDN, so the
 * fleet makes no CDN requests at all, and the cool-down state freshclam keeps after an HTTP 429
 * or 403 (freshclam.dat, beside the database) survives restarts.
 */
export class ClamavMirror extends pulumi.ComponentResource {
    /** http://<service>.<namespace>.svc:8080, for freshclam's PrivateMirror. */
    readonly url: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    readonly statefulSetName: pulumi.Output<string>;
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: ClamavMirrorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clamav:Mirror", name, {}, opts);
        const id = { name: "clamav", component: "mirror", partOf: "clamav" };
        const childOpts = { parent: this };
        const connected = args.upstream.kind !== "none";

        const files: Record<string, string> = {
            "nginx.conf": renderNginxConf(
                mirrorNginxConf({
                    port: MIRROR_PORT,
                    root: CLAMAV_DB_DIR,
                    tempDir: "/tmp",
                    accessLog: "/dev/stdout",
                    customFiles: args.customDatabaseUrls.map(customDatabaseFile),
                }),
            ),
            ...(connected
                ? {
                      "freshclam.conf": renderClamavConf(
                          mirrorUpdaterConf(
                              args.checksPerDay,
                              { memoryLimit: args.updaterResources.memory },
                              args.upstream.kind === "mirror" ? args.upstream.url : undefined,
                              args.proxy,
                              args.customDatabaseUrls,
                          ),
                      ),
                  }
                : {}),
        };
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: { name: `${args.name}-config`, namespace: args.namespace, labels: labels(id) },
                data: files,
            },
            childOpts,
        );

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: args.name, namespace: args.namespace, labels: labels(id) },
                // Headless: the StatefulSet's governing Service; one pod, so clients resolve straight to it.
                spec: { clusterIP: "None", selector: selectorLabels(id), ports: [{ name: "http", port: MIRROR_PORT, targetPort: "http" }] },
            },
            childOpts,
        );

        const upstreamPorts = [
            ...new Set([
                ...(args.upstream.kind === "mirror" ? [urlPort(args.upstream.url)] : [80, 443]),
                ...args.customDatabaseUrls.map((u) => urlPort(u)),
                ...(args.proxy ? [args.proxy.port] : []),
            ]),
        ];
        const egress: PortRule[] = connected ? [...DNS, { ports: upstreamPorts }] : DNS;
        allowOnly(
            name,
            id,
            args.namespace,
            {
                podSelector: instanceSelector(args.name),
                ingress: [{ ports: [MIRROR_PORT], peers: args.clientLabels.map((matchLabels) => ({ podSelector: { matchLabels } })) }],
                egress,
            },
            childOpts,
            args.name,
        );
        onePodAtATime(name, id, args.namespace, childOpts, args.name);

        const database = perPodClaimVolume("database", args.storageSize);
        const configVolume = podVolume("config", { configMap: { name: config.metadata.name } });
        const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "256Mi" } });
        const upstreamUrl = args.upstream.kind === "mirror" ? args.upstream.url : undefined;
        const usesTls = freshclamUsesTls(upstreamUrl) || args.customDatabaseUrls.some((u) => u.startsWith("https:"));
        const trustedCa = connected && args.trustedCa && usesTls ? freshclamTrustedCa(args.trustedCa) : undefined;
        const healthy = httpProbe("/healthz", "http", { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
        const server: ContainerDeclaration = {
            name: "nginx",
            image: args.serverImage,
            // The config built here, not the image's (its entrypoint rewrites files under /etc).
            command: ["nginx", "-c", `${CONF_DIR}/nginx.conf`, "-g", "daemon off;"],
            ports: [{ name: "http", containerPort: MIRROR_PORT }],
            readinessProbe: healthy,
            livenessProbe: tcpProbe("http", { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
            // Disconnected, nginx's mount is the one writable way in: `kubectl cp` the bundle here.
            mounts: [database.mount(CLAMAV_DB_DIR, { readOnly: connected }), configVolume.mount(CONF_DIR, { readOnly: true }), tmp.mount("/tmp")],
            resources: args.serverResources,
            ephemeralStorage: "64Mi",
        };
        const updater: ContainerDeclaration = {
            name: "freshclam",
            image: args.updaterImage,
            command: ["freshclam", "--daemon", `--config-file=${CONF_DIR}/freshclam.conf`, "--stdout"],
            ...(trustedCa ? { env: trustedCa.env } : {}),
            // A first download takes minutes; the pod serves once the database is there.
            readinessProbe: execProbe(["/bin/sh", "-c", DATABASE_PRESENT], { periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 3 }),
            mounts: [
                database.mount(CLAMAV_DB_DIR),
                configVolume.mount(CONF_DIR, { readOnly: true }),
                tmp.mount("/tmp"),
                ...(trustedCa ? [trustedCa.mount] : []),
            ],
            resources: args.updaterResources,
            ephemeralStorage: "256Mi",
        };
        const pod = podTemplate({
            runAs: args.runAs,
            fsGroup: args.runAs.group,
            placement: args,
            spread: id,
            uidExemptions: MIRROR_UID_EXEMPTIONS,
            exemptions: connected ? UPDATER_PROBE_EXEMPTIONS : [],
            containers: connected ? [server, updater] : [server],
            volumes: [database, configVolume, tmp, ...(trustedCa ? [trustedCa.volume] : [])],
        });

        const statefulSet = new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: { name: args.name, namespace: args.namespace, labels: labels(id, args.name), annotations: pod.annotations() },
                spec: {
                    serviceName: service.metadata.name,
                    replicas: 1,
                    selector: { matchLabels: selectorLabels(id) },
                    template: {
                        metadata: pod.metadata(labels(id, args.name), { "checksum/clamav-mirror-config": checksum(JSON.stringify(files)) }),
                        spec: pod.spec,
                    },
                    volumeClaimTemplates: pod.claimTemplates({ labels: labels(id), storageClass: args.storageClass }),
                    // The claim outlives pods and rollouts (the cool-down state with it), and goes with
                    // the StatefulSet like every claim but Malwar's: it holds only what the CDN (or a
                    // bundle) gives again.
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
                },
            },
            childOpts,
        );

        this.capacity = [pod.capacity({ name: args.name, app: "clamav", kind: "StatefulSet", replicas: 1 })];
        this.serviceName = service.metadata.name;
        this.statefulSetName = statefulSet.metadata.name;
        this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc:${MIRROR_PORT}`;
        this.registerOutputs({ url: this.url, serviceName: this.serviceName, statefulSetName: this.statefulSetName });
    }
}
