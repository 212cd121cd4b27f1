import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { cronJobSpec } from "../shared/cron-job";
import type { Exemption } from "../shared/exemptions";
import { instanceSelector, labels } from "../shared/labels";
import { allowOnly, DNS } from "../shared/network-policy";
import type { GuaranteedResources } from "../../lib/resources";
import { appServiceAccount } from "../shared/service-account";
import { placementWithAccount, podTemplate, podVolume, type AppPlacement } from "../shared/workload";

/** The app's placement, but for the ServiceAccount: this CronJob makes its own. */
export interface ClamavRefreshArgs extends AppPlacement {
    /** clamd's Deployment: the one object the Role lets the job get and patch, and the one it restarts. */
    deploymentName: string;
    /** Name of the CronJob, its ServiceAccount, Role, RoleBinding and NetworkPolicy; at most 52 characters (its Jobs add 11). */
    cronJobName: string;
    /** When the job runs: a Kubernetes CronJob schedule, e.g. "0 3 * * *" or "@daily"; no timeZone is set, so the controller manager's. */
    schedule: string;
    /** A pinned image with kubectl, e.g. registry.k8s.io/kubectl:v1.33.5; it runs as uid 65532. */
    image: string;
    /** The kubectl container's. */
    resources: GuaranteedResources;
    /**
     * With a mirror, restart only when it holds other signature versions than the last rollout
     * recorded; without one, every run restarts (the versions on the CDN are unknown before the
     * pods fetch them, and asking would be one more CDN request per run).
     */
    mirror?: {
        /** The mirror's base URL, as clamd's freshclam reads it. */
        url: string;
        /** An image with a POSIX shell and wget (the clamav/clamav image: busybox). */
        image: string;
        /** Ports the mirror listens on (NetworkPolicy egress). */
        ports: number[];
        /** The init container's that reads the mirror's versions. */
        resources: GuaranteedResources;
    };
}

/** On clamd's pod template: the signature versions its current rollout was made for. */
export const SIGNATURES_ANNOTATION = "clamav.scanning-platform/signature-versions";
const VERSIONS_PLACEHOLDER = "@VERSIONS@";

/**
 * Reads the version of main, daily and bytecode from the mirror (the first line of each
 * database's 512-byte CVD header) and writes a patch that records them on clamd's pod template:
 * unchanged versions make the patch a no-op, so no rollout. An empty or unreachable mirror fails
 * the job before anything is patched, and the running pods keep serving. Inputs come from the
 * environment (MIRROR_URL, PATCH_TEMPLATE, PATCH_FILE).
 *
 * `head` stops the download after the header (wget ends on the closed pipe): busybox's wget
 * refuses the 206 answer to a Range request it did not make itself with -c.
 */
export const SIGNATURE_VERSIONS_SCRIPT = [
    "set -u",
    'versions=""',
    "for db in main daily bytecode; do",
    '  version=""',
    "  for ext in cld cvd; do",
    "    # ClamAV-VDB:<build time>:<version>:<signatures>:... (the build time has no colon)",
    '    version=$(wget -q -O - "$MIRROR_URL/$db.$ext" 2>/dev/null | head -c 512 | cut -d: -f3)',
    '    if [ -n "$version" ]; then break; fi',
    "  done",
    '  case "$version" in',
    `    ""|*[!0-9]*) echo "no $db database on $MIRROR_URL (empty or unreachable): nothing restarted" >&2; exit 1 ;;`,
    "  esac",
    '  versions="$versions${versions:+.}$db-$version"',
    "done",
    'echo "the mirror holds $versions"',
    `printf '%s' "$PATCH_TEMPLATE" | sed "s/${VERSIONS_PLACEHOLDER}/$versions/" > "$PATCH_FILE"`,
].join("\n");

/** The strategic-merge patch the script completes: the annotation on clamd's pod template. */
export function signaturesPatchTemplate(): string {
    return JSON.stringify({ spec: { template: { metadata: { annotations: { [SIGNATURES_ANNOTATION]: VERSIONS_PLACEHOLDER } } } } });
}

/** The kubectl image's non-root user. */
const KUBECTL_UID = 65532;

/** Where kubectl (client-go's in-cluster config) reads the token, CA bundle and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The API server's minimum token lifetime; the kubelet renews it at 80%, and a run takes at most 600 s. */
const TOKEN_SECONDS = 600;

/**
 * The ServiceAccount's credentials as the automatic mount would provide them (token, the cluster
 * CA from the kube-root-ca.crt ConfigMap every namespace has, the namespace), but declared: the pod
 * sets automountServiceAccountToken false and only the kubectl container mounts this volume.
 */
const serviceAccountVolume = podVolume("api-credentials", {
    projected: {
        sources: [
            { serviceAccountToken: { path: "token", expirationSeconds: TOKEN_SECONDS } },
            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ],
    },
});

export const NETWORK_POLICY_EXEMPTIONS: Exemption[] = [
    {
        checker: "polaris",
        check: "missingNetworkPolicy",
        reason: "the refresh job accepts no connections: its NetworkPolicy lists no ingress rule, which denies all (Polaris wants at least one)",
    },
];

/**
 * A CronJob that restarts the ClamAV Deployment so new pods fetch fresh signatures in their init
 * containers: with a mirror, only when the mirror's versions changed (a patch of the pod
 * template's SIGNATURES_ANNOTATION); without one, `kubectl rollout restart` every run. Its
 * ServiceAccount may get and patch that one Deployment and nothing else.
 * `kubectl create job --from=cronjob/NAME` refreshes by hand.
 */
export class ClamavRefresh extends pulumi.ComponentResource {
    readonly cronJobName: pulumi.Output<string>;
    readonly serviceAccountName: pulumi.Output<string>;
    /** One run's pod (concurrencyPolicy Forbid, one pod per Job), as the capacity summary counts it. */
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: ClamavRefreshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clamav:Refresh", name, {}, opts);
        const id = { name: "clamav", component: "refresh", partOf: "clamav" };
        const childOpts = { parent: this };
        const meta = { name: args.cronJobName, namespace: args.namespace, labels: labels(id) };

        const account = appServiceAccount(`${name}-sa`, { objectName: args.cronJobName, namespace: args.namespace, identity: id }, childOpts);
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata: meta,
                rules: [{ apiGroups: ["apps"], resources: ["deployments"], resourceNames: [args.deploymentName], verbs: ["get", "patch"] }],
            },
            childOpts,
        );
        new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            {
                metadata: meta,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
            },
            childOpts,
        );

        // It talks to the API server (443 or 6443, wherever the cluster serves it) and the mirror.
        const toMirror = args.mirror ? [{ ports: args.mirror.ports }] : [];
        allowOnly(
            name,
            id,
            args.namespace,
            { podSelector: instanceSelector(args.cronJobName), ingress: [], egress: [...DNS, { ports: [443, 6443] }, ...toMirror] },
            { ...childOpts, aliases: [{ name: args.cronJobName }] },
            args.cronJobName,
        );
        const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "64Mi" } });
        const work = podVolume("work", { emptyDir: { sizeLimit: "1Mi" } });
        const PATCH_FILE = "/work/signatures-patch.json";
        const pod = podTemplate({
            // The only pod of the platform that talks to the API server: its one container
            // mounts the credentials explicitly (serviceAccountVolume).
            placement: placementWithAccount(args, account.metadata.name),
            restartPolicy: "Never",
            runAs: { user: KUBECTL_UID, group: KUBECTL_UID },
            exemptions: NETWORK_POLICY_EXEMPTIONS,
            initContainers: args.mirror
                ? [
                      {
                          name: "mirror-versions",
                          image: args.mirror.image,
                          command: ["/bin/sh", "-c", SIGNATURE_VERSIONS_SCRIPT],
                          env: [
                              { name: "MIRROR_URL", value: args.mirror.url },
                              { name: "PATCH_TEMPLATE", value: signaturesPatchTemplate() },
                              { name: "PATCH_FILE", value: PATCH_FILE },
                          ],
                          mounts: [work.mount("/work")],
                          resources: args.mirror.resources,
                          ephemeralStorage: "16Mi",
                      },
                  ]
                : [],
            containers: [
                {
                    name: args.mirror ? "patch-if-newer" : "rollout-restart",
                    image: args.image,
                    command: args.mirror
                        ? ["kubectl", "patch", `deployment/${args.deploymentName}`, "--type=strategic", `--patch-file=${PATCH_FILE}`]
                        : ["kubectl", "rollout", "restart", `deployment/${args.deploymentName}`],
                    // kubectl caches API discovery under $HOME: keep it off the read-only root.
                    env: [{ name: "HOME", value: "/tmp" }],
                    mounts: [
                        tmp.mount("/tmp"),
                        ...(args.mirror ? [work.mount("/work", { readOnly: true })] : []),
                        serviceAccountVolume.mount(SERVICE_ACCOUNT_DIR, { readOnly: true }),
                    ],
                    resources: args.resources,
                    ephemeralStorage: "64Mi",
                },
            ],
            volumes: [tmp, ...(args.mirror ? [work] : []), serviceAccountVolume],
        });

        const cronJob = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: { ...meta, labels: labels(id, args.cronJobName), annotations: pod.annotations() },
                spec: cronJobSpec(args.schedule, labels(id), {
                    backoffLimit: 3,
                    activeDeadlineSeconds: 600,
                    template: {
                        metadata: pod.metadata(labels(id, args.cronJobName)),
                        spec: pod.spec,
                    },
                }),
            },
            childOpts,
        );

        this.capacity = [pod.capacity({ name: args.cronJobName, app: "clamav", kind: "CronJob", replicas: 1 })];
        this.cronJobName = cronJob.metadata.name;
        this.serviceAccountName = account.metadata.name;
        this.registerOutputs({ cronJobName: this.cronJobName, serviceAccountName: this.serviceAccountName });
    }
}
