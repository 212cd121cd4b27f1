import * as k8s from "@pulumi/kubernetes";
import { appServiceAccount } from "../shared/service-account";
import { freshclamProxy, proxyPorts, type EgressProxy } from "../shared/proxy";
import { freshclamTrustedCa, freshclamUsesTls, type TrustedCa } from "../shared/trusted-ca";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { CLAMAV_DB_DIR, CLAMD_PORT, clamdConf, customDatabaseFile, freshclamConf, renderClamavConf, type ClamdLimits } from "../../lib/clamav-conf";
import { checksum } from "../shared/checksum";
import { vendorUid } from "../shared/exemptions";
import { autoscaledReplicas, horizontalAutoscaler, type AutoscalingRange } from "../shared/autoscaling";
import { onePodAtATime } from "../shared/disruption";
import { instanceSelector, labels, selectorLabels } from "../shared/labels";
import { clamavAlerts } from "../../lib/alerts";
import { podMonitor, prometheusRule, scrapeIngress, type MonitoringArgs } from "../shared/monitoring";
import { allowOnly, DNS, urlPort } from "../shared/network-policy";
import { execProbe, httpProbe, tcpProbe } from "../shared/probes";
import type { GuaranteedResources } from "../../lib/resources";
import { appPlacementOf, placementWithAccount, podTemplate, podVolume, type AppPlacement, type ContainerDeclaration } from "../shared/workload";
import { ClamavMirror, MIRROR_PORT } from "./mirror";
import { ClamavRefresh } from "./refresh";

/** The ServiceAccount clamd and the mirror run as. */
export const CLAMAV_SERVICE_ACCOUNT = "clamav";

/** The placement (namespace, priority class, pod settings) is on every ClamAV pod: clamd's, the mirror's and the refresh CronJob's. */
export interface ClamavArgs extends AppPlacement {
    /** Pinned clamav/clamav image (clamd and freshclam). */
    image: string;
    /** clamd pods; with `autoscaling`, the count the Deployment starts at. */
    replicas: number;
    /** A HorizontalPodAutoscaler owns clamd's replica count between these bounds; a fixed count when absent. */
    autoscaling?: AutoscalingRange;
    /** clamd: ClamAV needs 3 GiB with the full signature set, 4 preferred. */
    resources: GuaranteedResources;
    /** Each freshclam init container. */
    updaterResources: GuaranteedResources;
    /** clamd's scan limits (clamd.conf StreamMaxLength, MaxScanSize, ...). */
    limits: ClamdLimits;
    /** The image's own clamav user and group. */
    runAs: { user: number; group: number };
    /**
     * An external mirror (PrivateMirror URL). Without the in-cluster mirror, clamd fetches from
     * it; with it, the in-cluster mirror's updater does.
     */
    privateMirror?: string;
    /**
     * Extra signature databases (DatabaseCustomURL). With the in-cluster mirror, its updater
     * fetches them and clamd's init containers take them from it; else clamd fetches them itself.
     */
    customDatabaseUrls: string[];
    /** The in-cluster signature mirror (ClamavMirror). Absent: clamd fetches from privateMirror, or the CDN. */
    mirror?: {
        serverImage: string;
        /** "internet": updates from the CDN (or privateMirror); "none": disconnected, seeded by hand. */
        upstream: "internet" | "none";
        checksPerDay: number;
        storageSize: string;
        storageClass?: string;
        updaterResources: GuaranteedResources;
        serverResources: GuaranteedResources;
    };
    /** The CronJob that restarts clamd to refresh the signatures. */
    refresh: { name: string; schedule: string; image: string; resources: GuaranteedResources };
    /** The cluster's egress proxy: freshclam uses it where it reaches outside (the mirror's updater, or clamd's own without the mirror). */
    proxy?: EgressProxy;
    /** A trusted CA bundle (TLS inspection): CURL_CA_BUNDLE for the freshclam that reaches the CDN or an https mirror. */
    trustedCa?: TrustedCa;
    /**
     * PodMonitors add an exporter sidecar (clamd's STATS as metrics on 9906) and its PodMonitor;
     * rules add the alerts (ClamavDatabaseOld past databaseMaxAgeHours). None when absent.
     */
    monitoring?: MonitoringArgs & { exporter: { image: string; resources: GuaranteedResources }; databaseMaxAgeHours: number };
}

/** Where the exporter sidecar serves clamd's metrics. */
export const EXPORTER_PORT = 9906;

export const CLAMAV_NAME = "clamav";
export const MIRROR_NAME = "clamav-mirror";
export const CLAMAV_UID_EXEMPTIONS = vendorUid(
    "runs as the clamav/clamav image's own user (uid 100, gid 101), which owns its files; clamav.runAsUser/runAsGroup change it",
);
const CONF_DIR = "/etc/clamav-k8s";
/** Writable layer and logs; signatures and scan files live on sized emptyDirs. */
const EPHEMERAL_STORAGE = "512Mi";

/**
 * The init script: freshclam, then a check that the signatures are really there. On a rate
 * limit (HTTP 429/403 cool-down) freshclam exits 0 without a database, so the init container
 * must fail on its own for the pod to retry. freshclam's exit code 1 means "already up to date".
 */
export function freshclamScript(freshclamCommand: string[]): string {
    return [
        `${freshclamCommand.join(" ")}; rc=$?`,
        `if [ "$rc" -gt 1 ]; then echo "freshclam failed with exit code $rc" >&2; exit "$rc"; fi`,
        `for db in main daily; do`,
        `  found=""`,
        `  for f in ${CLAMAV_DB_DIR}/$db.cvd ${CLAMAV_DB_DIR}/$db.cld; do if [ -s "$f" ]; then found="$f"; fi; done`,
        `  if [ -z "$found" ]; then echo "no $db signatures in ${CLAMAV_DB_DIR} after freshclam (rate-limited or mirror down)" >&2; exit 1; fi`,
        `done`,
    ].join("\n");
}

/**
 * clamd with signatures fetched by init containers into a shared emptyDir. Refreshes replace
 * the pods (see ClamavRefresh) instead of reloading in place, and the rollout keeps every old
 * pod serving until its replacement is ready.
 */
export class Clamav extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    /** tcp://<service>.<namespace>.svc:3310, for clients inside the cluster. */
    readonly endpoint: pulumi.Output<string>;
    readonly deploymentName: pulumi.Output<string>;
    readonly refreshCronJobName: pulumi.Output<string>;
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: ClamavArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clamav:Clamav", name, {}, opts);
        const id = { name: "clamav", component: "clamd", partOf: "clamav" };
        const childOpts = { parent: this };
        const runAs = args.runAs;
        // ClamAV's own account for clamd and the mirror (the refresh CronJob has its own, with its Role).
        const account = appServiceAccount(
            `${name}-sa`,
            { objectName: CLAMAV_SERVICE_ACCOUNT, namespace: args.namespace, identity: { name: "clamav", component: "service-account", partOf: "clamav" } },
            childOpts,
        );

        // Where clamd's init containers fetch: the in-cluster mirror, else an external mirror,
        // else the CDN. The mirror is in the same namespace, so its short name resolves.
        const refreshName = args.refresh.name;
        // clamd's and the mirror's, with ClamAV's account (the refresh CronJob has one of its own).
        const placement = placementWithAccount(args, account.metadata.name);
        const mirror = args.mirror
            ? new ClamavMirror(
                  `${name}-mirror`,
                  {
                      ...placement,
                      name: MIRROR_NAME,
                      updaterImage: args.image,
                      serverImage: args.mirror.serverImage,
                      runAs,
                      upstream:
                          args.mirror.upstream === "none"
                              ? { kind: "none" }
                              : args.privateMirror
                                ? { kind: "mirror", url: args.privateMirror }
                                : { kind: "cdn" },
                      checksPerDay: args.mirror.checksPerDay,
                      storageSize: args.mirror.storageSize,
                      storageClass: args.mirror.storageClass,
                      updaterResources: args.mirror.updaterResources,
                      serverResources: args.mirror.serverResources,
                      clientLabels: [instanceSelector(CLAMAV_NAME), instanceSelector(refreshName)],
                      proxy: freshclamProxy(args.proxy),
                      trustedCa: args.trustedCa,
                      customDatabaseUrls: args.customDatabaseUrls,
                  },
                  childOpts,
              )
            : undefined;
        const inClusterMirrorUrl = `http://${MIRROR_NAME}:${MIRROR_PORT}`;
        const signatureSource = mirror ? inClusterMirrorUrl : args.privateMirror;
        // From the in-cluster mirror under the same file names, as the official databases are.
        const customDatabases = mirror ? args.customDatabaseUrls.map((u) => `${inClusterMirrorUrl}/${customDatabaseFile(u)}`) : args.customDatabaseUrls;

        const files = {
            "clamd.conf": renderClamavConf(clamdConf(args.limits)),
            // The in-cluster mirror is reached directly; an external mirror or the CDN through the proxy.
            // Every init container below runs freshclam with this file and args.updaterResources: its
            // memory limit decides whether freshclam may load what it downloaded to test it.
            "freshclam.conf": renderClamavConf(
                freshclamConf({ memoryLimit: args.updaterResources.memory }, signatureSource, mirror ? undefined : freshclamProxy(args.proxy), customDatabases),
            ),
        };
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: { name: "clamav-config", namespace: args.namespace, labels: labels(id) },
                data: files,
            },
            childOpts,
        );

        const signatures = podVolume("signatures", { emptyDir: { sizeLimit: "2Gi" } });
        const configVolume = podVolume("config", { configMap: { name: config.metadata.name } });
        const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "2Gi" } });
        const logs = podVolume("logs", { emptyDir: { sizeLimit: "256Mi" } });
        const mounts = [signatures.mount(CLAMAV_DB_DIR), configVolume.mount(CONF_DIR, { readOnly: true }), tmp.mount("/tmp"), logs.mount("/var/log/clamav")];
        // The in-cluster mirror is plain http: the CA matters only for the CDN or an https mirror.
        const usesTls = freshclamUsesTls(signatureSource) || customDatabases.some((u) => u.startsWith("https:"));
        const trustedCa = args.trustedCa && usesTls ? freshclamTrustedCa(args.trustedCa) : undefined;
        const freshclam = (containerName: string, extraFlags: string[]): ContainerDeclaration => ({
            name: containerName,
            image: args.image,
            command: ["/bin/sh", "-c", freshclamScript(["freshclam", `--config-file=${CONF_DIR}/freshclam.conf`, "--stdout", ...extraFlags])],
            ...(trustedCa ? { env: trustedCa.env } : {}),
            mounts: trustedCa ? [...mounts, trustedCa.mount] : mounts,
            resources: args.updaterResources,
            ephemeralStorage: EPHEMERAL_STORAGE,
        });
        const initContainers = signatureSource
            ? // A mirror serves whole files: one pass, no DNS.
              [freshclam("initfreshclam", [])]
            : // Two passes: --no-dns fetches the newest full CVDs, the second pass
              // checks DNS and applies the incremental patches.
              [freshclam("initfreshclam", ["--no-dns"]), freshclam("init2freshclam", [])];

        const monitoring = args.monitoring;
        // sergeymakinen/clamav_exporter: reads clamd's STATS over TCP in the same pod on each scrape.
        // v2.1.4's reader can lose a scrape to its own race (5 s timeout, clamav_up 0); one retry
        // (the whole scrape again) still fits Prometheus's default 10 s scrape timeout.
        const exporter: ContainerDeclaration[] = monitoring?.podMonitors
            ? [
                  {
                      name: "exporter",
                      image: monitoring.exporter.image,
                      args: [`--clamav.address=tcp://127.0.0.1:${CLAMD_PORT}`, "--clamav.retries=1", `--web.listen-address=:${EXPORTER_PORT}`],
                      ports: [{ name: "metrics", containerPort: EXPORTER_PORT }],
                      // Its landing page at / answers without asking clamd; liveness only needs the port.
                      readinessProbe: httpProbe("/", "metrics", { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
                      livenessProbe: tcpProbe("metrics", { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
                      resources: monitoring.exporter.resources,
                      ephemeralStorage: "64Mi",
                  },
              ]
            : [];
        const ping = execProbe(["clamdscan", `--config-file=${CONF_DIR}/clamd.conf`, "--ping", "1"], {
            periodSeconds: 10,
            timeoutSeconds: 5,
            failureThreshold: 3,
        });
        const pod = podTemplate({
            runAs,
            fsGroup: args.runAs.group,
            terminationGracePeriodSeconds: 30,
            placement,
            spread: id,
            uidExemptions: CLAMAV_UID_EXEMPTIONS,
            initContainers,
            containers: [
                {
                    name: "clamd",
                    image: args.image,
                    command: ["clamd", `--config-file=${CONF_DIR}/clamd.conf`],
                    ports: [{ name: "clamd", containerPort: CLAMD_PORT }],
                    // Loading the full signature set takes a minute or two: up to 10 minutes before liveness applies.
                    startupProbe: { ...ping, periodSeconds: 10, failureThreshold: 60 },
                    readinessProbe: ping,
                    livenessProbe: tcpProbe("clamd", { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
                    // Let endpoints drop the pod before clamd stops accepting connections.
                    lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", "sleep 10"] } } },
                    mounts,
                    resources: args.resources,
                    ephemeralStorage: EPHEMERAL_STORAGE,
                },
                ...exporter,
            ],
            volumes: [signatures, configVolume, tmp, logs, ...(trustedCa ? [trustedCa.volume] : [])],
        });
        const scaling = autoscaledReplicas("Deployment", args.replicas, args.autoscaling);
        const deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata: {
                    name: CLAMAV_NAME,
                    namespace: args.namespace,
                    labels: labels(id, CLAMAV_NAME),
                    annotations: { ...pod.annotations(scaling.exemptions), ...scaling.annotations },
                },
                spec: {
                    replicas: scaling.replicas,
                    // New pods download and load the signatures before any old pod stops: 100% surge,
                    // none unavailable, so a refresh never lowers the number of ready pods.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: 0 } },
                    minReadySeconds: 15,
                    progressDeadlineSeconds: 1200,
                    selector: { matchLabels: selectorLabels(id) },
                    template: {
                        metadata: pod.metadata(labels(id, CLAMAV_NAME), { "checksum/clamav-config": checksum(JSON.stringify(files)) }),
                        spec: pod.spec,
                    },
                },
            },
            { ...childOpts, ...scaling.options, ...(mirror ? { dependsOn: [mirror] } : {}) },
        );
        if (args.autoscaling)
            horizontalAutoscaler(name, id, args.namespace, { kind: "Deployment", name: CLAMAV_NAME }, args.autoscaling, "clamav", {
                ...childOpts,
                dependsOn: [deployment],
            });

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: CLAMAV_NAME, namespace: args.namespace, labels: labels(id) },
                spec: { selector: selectorLabels(id), ports: [{ name: "clamd", port: CLAMD_PORT, targetPort: "clamd" }] },
            },
            childOpts,
        );
        onePodAtATime(name, id, args.namespace, childOpts, CLAMAV_NAME);
        // clamd serves scans on 3310; its init containers fetch signatures from one source.
        allowOnly(
            name,
            id,
            args.namespace,
            {
                podSelector: instanceSelector(CLAMAV_NAME),
                ingress: [{ ports: [CLAMD_PORT] }, ...scrapeIngress(monitoring, [EXPORTER_PORT])],
                egress: [
                    ...DNS,
                    {
                        ports: mirror
                            ? [MIRROR_PORT]
                            : [
                                  ...new Set([
                                      ...(args.privateMirror ? [urlPort(args.privateMirror)] : [80, 443]),
                                      ...args.customDatabaseUrls.map((u) => urlPort(u)),
                                      ...proxyPorts(args.proxy),
                                  ]),
                              ],
                    },
                ],
            },
            childOpts,
            CLAMAV_NAME,
        );

        const monitoringId = { name: "clamav", component: "monitoring", partOf: "clamav" };
        if (monitoring?.podMonitors)
            podMonitor(name, monitoringId, args.namespace, { matchLabels: instanceSelector(CLAMAV_NAME) }, ["metrics"], childOpts, CLAMAV_NAME);
        const rules = monitoring?.rules;
        if (monitoring && rules)
            prometheusRule(
                name,
                monitoringId,
                args.namespace,
                (ns) =>
                    clamavAlerts(
                        ns,
                        monitoring.databaseMaxAgeHours,
                        { deployment: CLAMAV_NAME, mirror: mirror ? MIRROR_NAME : undefined },
                        rules.runbookBaseUrl,
                    ),
                childOpts,
                CLAMAV_NAME,
            );

        const refresh = new ClamavRefresh(
            `${name}-refresh`,
            {
                ...appPlacementOf(args),
                deploymentName: CLAMAV_NAME,
                cronJobName: refreshName,
                schedule: args.refresh.schedule,
                image: args.refresh.image,
                resources: args.refresh.resources,
                mirror: mirror ? { url: inClusterMirrorUrl, image: args.image, ports: [MIRROR_PORT], resources: args.refresh.resources } : undefined,
            },
            { parent: this, dependsOn: [deployment] },
        );

        // Every workload is listed, the refresh CronJob's run included.
        this.capacity = [
            pod.capacity({ name: CLAMAV_NAME, app: "clamav", kind: "Deployment", replicas: scaling.replicas, maxReplicas: args.autoscaling?.maxReplicas }),
            ...refresh.capacity,
            ...(mirror?.capacity ?? []),
        ];
        this.serviceName = service.metadata.name;
        this.endpoint = pulumi.interpolate`tcp://${service.metadata.name}.${args.namespace}.svc:${CLAMD_PORT}`;
        this.deploymentName = deployment.metadata.name;
        this.refreshCronJobName = refresh.cronJobName;
        this.registerOutputs({
            serviceName: this.serviceName,
            endpoint: this.endpoint,
            deploymentName: this.deploymentName,
            refreshCronJobName: this.refreshCronJobName,
        });
    }
}
