/**
 * One declaration per workload: its containers and volumes, declared once. The pod spec, the
 * checker exemptions that follow from them and the capacity entry are all derived from that
 * declaration, so adding a container or a volume is one edit in one place.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podReservation, storageGiB, type WorkloadCapacity } from "../../lib/capacity";
import { digestExemptions, EXEMPTIONS, exemptionAnnotations, type Exemption } from "./exemptions";
import type { AppIdentity } from "./labels";
import type { GuaranteedResources } from "../../lib/resources";
import { guaranteed } from "./resources";
import { onTheNodeOf, spreadAcrossNodesAndZones } from "./scheduling";
import { podSecurityContext, restrictedContainer, type PodIds, type RunAs } from "./security";

type Container = k8s.types.input.core.v1.Container;
type VolumeSource = Omit<k8s.types.input.core.v1.Volume, "name">;

/** A pod volume. Containers mount it through `mount`, never by repeating its name. */
export interface PodVolume {
    readonly name: string;
    /** The pod-level source; absent for a claim from the StatefulSet's volumeClaimTemplates. */
    readonly source?: VolumeSource;
    /** A per-pod claim (volumeClaimTemplates): its size counts as storage per pod. */
    readonly perPodClaim?: { size: string };
    /** A claim shared by all pods: its size counts once for the workload. */
    readonly sharedClaim?: { size: string };
    mount(mountPath: string, options?: { readOnly?: boolean }): VolumeMountOf;
}

export interface VolumeMountOf {
    volume: PodVolume;
    mountPath: string;
    readOnly?: boolean;
}

function makeVolume(fields: Omit<PodVolume, "mount">): PodVolume {
    const volume: PodVolume = {
        ...fields,
        mount: (mountPath, options = {}) => ({ volume, mountPath, ...(options.readOnly ? { readOnly: true } : {}) }),
    };
    return volume;
}

/** A volume with a pod-level source: emptyDir, secret, configMap, projected or a claim. */
export function podVolume(name: string, source: VolumeSource, claim?: { sharedSize: string }): PodVolume {
    return makeVolume({ name, source, ...(claim ? { sharedClaim: { size: claim.sharedSize } } : {}) });
}

/** A volume filled by a volumeClaimTemplate of the same name (StatefulSets). */
export function perPodClaimVolume(name: string, size: string): PodVolume {
    return makeVolume({ name, perPodClaim: { size } });
}

/** A container: what runs, its guaranteed resources and the volumes it mounts. */
export interface ContainerDeclaration extends Omit<Container, "resources" | "securityContext" | "imagePullPolicy" | "volumeMounts"> {
    name: string;
    image: string;
    resources: GuaranteedResources;
    /** Bound on the container's writable layer and logs (emptyDirs are sized on the volume). */
    ephemeralStorage: string;
    mounts?: VolumeMountOf[];
}

/**
 * What a cluster asks of every pod of an app (config `<app>.pod`): pull secrets, where it may
 * run, and labels and annotations its admission or cost tooling reads. Absent fields change nothing.
 */
export interface PodSettings {
    /** Names of existing Secrets of type kubernetes.io/dockerconfigjson in the namespace. */
    imagePullSecrets?: string[];
    nodeSelector?: Record<string, string>;
    tolerations?: k8s.types.input.core.v1.Toleration[];
    /**
     * Overrides the program's affinity field by field: nodeAffinity is added, a podAntiAffinity
     * replaces spreading's, a podAffinity is added to a colocateWith requirement (a ReadWriteOnce
     * claim), never in its place.
     */
    affinity?: k8s.types.input.core.v1.Affinity;
    /** Added to the pod's labels; the config refuses the program's own keys (config/pod.ts). */
    labels?: Record<string, string>;
    /** Added to the pod's annotations; the program's own (checksums) win on the same key. */
    annotations?: Record<string, string>;
    /**
     * The platform assigns the pod's UID, group and fsGroup (OpenShift's restricted-v2 SCC, from
     * the namespace's range, with group 0): the pod sets none of them and runs as whoever it is given.
     */
    idsAssignedByPlatform?: boolean;
}

/** What every pod of an app carries, whichever workload makes it. */
export interface PodPlacement {
    priorityClassName?: string;
    /** The app's cluster-fit settings (config `<app>.pod`): on every pod it creates. */
    podSettings?: PodSettings;
    /** The app's ServiceAccount (no token mounted); the namespace's default account when absent. */
    serviceAccountName?: pulumi.Input<string>;
}

/**
 * What every workload of an app shares: the namespace of its objects and its pods' placement.
 * An app's component builds one and passes it whole to each of its workloads (spread into their
 * Args), so that no workload's copy can miss a field.
 */
export interface WorkloadPlacement extends PodPlacement {
    namespace: pulumi.Input<string>;
}

/** What an app's component receives (its Args extend it): the placement but the ServiceAccount, which the component makes. */
export type AppPlacement = Omit<WorkloadPlacement, "serviceAccountName">;

/**
 * The placement part of an app's Args, without the rest of them. The one place that lists its
 * fields, so a field added to the placement reaches every workload and pod.
 */
export function appPlacementOf(app: AppPlacement): AppPlacement {
    return { namespace: app.namespace, priorityClassName: app.priorityClassName, podSettings: app.podSettings };
}

/** The placement part of a workload's Args (the ServiceAccount included), without the rest of them. */
export function placementOf(workload: WorkloadPlacement): WorkloadPlacement {
    return { ...appPlacementOf(workload), serviceAccountName: workload.serviceAccountName };
}

/** The placement of an app's workloads: the app's, with the ServiceAccount its pods run as. */
export function placementWithAccount(app: AppPlacement, serviceAccountName: pulumi.Input<string>): WorkloadPlacement {
    return { ...appPlacementOf(app), serviceAccountName };
}

export interface PodDeclaration {
    containers: ContainerDeclaration[];
    /** Run one at a time, in order, before the containers. */
    initContainers?: ContainerDeclaration[];
    /** Every volume of the pod, in the order the spec lists them; each must be mounted. */
    volumes: PodVolume[];
    /** The image's own user, used unless the platform assigns the IDs (placement.podSettings.idsAssignedByPlatform). */
    runAs: RunAs;
    /** Group that owns mounted volumes, with fixed IDs. */
    fsGroup?: number;
    /** Checker findings the fixed user causes (a vendor uid below 10000): only while the pod sets it. */
    uidExemptions?: Exemption[];
    /** Spread the pods over nodes and zones (a preference), selected by this identity. */
    spread?: AppIdentity;
    /** Run only on the node of a pod with these labels (a requirement): to share its ReadWriteOnce claim. */
    colocateWith?: Record<string, string>;
    /** The app's placement, passed whole: priority class, cluster-fit settings and ServiceAccount. */
    placement?: PodPlacement;
    restartPolicy?: string;
    terminationGracePeriodSeconds?: number;
    /** Checker findings this pod's own choices cause (a vendor uid, say), with reasons. */
    exemptions?: Exemption[];
}

export interface CapacityIdentity {
    name: string;
    app: string;
    kind: WorkloadCapacity["kind"];
    replicas: number;
    /** An autoscaler's maximum; the workload runs `replicas` pods when absent. */
    maxReplicas?: number;
}

export interface PodTemplate {
    spec: k8s.types.input.core.v1.PodSpec;
    /** The pod template's metadata: the program's labels and annotations plus the app's extra ones (placement.podSettings). */
    metadata(labels: Record<string, string>, annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>): k8s.types.input.meta.v1.ObjectMeta;
    /** The exemptions that follow from the pod, in the order the workload's annotations list them. */
    exemptions: Exemption[];
    /** Checker annotations for the workload: the pod's exemptions plus the workload's own. */
    annotations(workloadExemptions?: Exemption[]): Record<string, string>;
    /** volumeClaimTemplates for the per-pod claims, with the given metadata labels. */
    claimTemplates(options: { labels: Record<string, string>; storageClass?: string }): k8s.types.input.core.v1.PersistentVolumeClaim[];
    /** The capacity entry: per-pod reservation from the containers, storage from the claims. */
    capacity(identity: CapacityIdentity): WorkloadCapacity;
}

/** The one way this program builds a container: guaranteed resources, restricted context, pull Always. */
function buildContainer(declared: ContainerDeclaration, runAs: RunAs | undefined, volumes: Set<PodVolume>): Container {
    const container: Record<string, unknown> = {};
    // Field order as declared (`mounts` becomes volumeMounts in its place): the serialized object reads like the declaration.
    for (const [key, value] of Object.entries(declared)) {
        if (key === "resources" || key === "ephemeralStorage") continue;
        if (key !== "mounts") {
            container[key] = value;
            continue;
        }
        const mounts = value as VolumeMountOf[];
        for (const m of mounts) {
            if (!volumes.has(m.volume)) throw new Error(`container ${declared.name} mounts volume ${m.volume.name}, which the pod does not declare`);
        }
        container.volumeMounts = mounts.map((m) => ({ name: m.volume.name, mountPath: m.mountPath, ...(m.readOnly ? { readOnly: true } : {}) }));
    }
    return {
        ...(container as unknown as Container),
        // Every start checks the registry: a re-pushed tag is noticed, pull credentials are per pod.
        imagePullPolicy: "Always",
        resources: guaranteed(declared.resources, declared.ephemeralStorage),
        securityContext: restrictedContainer(runAs),
    };
}

export function podTemplate(pod: PodDeclaration): PodTemplate {
    const declared = new Set(pod.volumes);
    const all = [...(pod.initContainers ?? []), ...pod.containers];
    const mounted = new Set(all.flatMap((c) => (c.mounts ?? []).map((m) => m.volume)));
    for (const v of pod.volumes) if (!mounted.has(v)) throw new Error(`volume ${v.name} is declared but no container mounts it`);
    if (pod.spread && pod.colocateWith) throw new Error("a pod either spreads out (spread) or follows another pod (colocateWith), not both");
    const { priorityClassName, serviceAccountName, podSettings: settings = {} } = pod.placement ?? {};
    const ids: PodIds = settings.idsAssignedByPlatform ? undefined : { runAs: pod.runAs, ...(pod.fsGroup !== undefined ? { fsGroup: pod.fsGroup } : {}) };
    const exemptions = [
        ...(pod.exemptions ?? []),
        ...(ids ? (pod.uidExemptions ?? []) : EXEMPTIONS.idsAssignedByPlatform),
        ...digestExemptions(all.map((c) => c.image)),
        ...(priorityClassName ? [] : EXEMPTIONS.noPriorityClass),
    ];
    const podVolumes = pod.volumes.filter((v) => v.source).map((v) => ({ name: v.name, ...v.source }));
    const placement: Pick<k8s.types.input.core.v1.PodSpec, "affinity" | "topologySpreadConstraints"> = {
        ...(pod.spread ? spreadAcrossNodesAndZones(pod.spread) : {}),
        ...(pod.colocateWith ? onTheNodeOf(pod.colocateWith) : {}),
    };
    if (settings.affinity)
        placement.affinity = overrideAffinity(settings.affinity, placement.affinity as k8s.types.input.core.v1.Affinity | undefined, pod.colocateWith);
    const spec: k8s.types.input.core.v1.PodSpec = {
        ...(serviceAccountName ? { serviceAccountName } : {}),
        automountServiceAccountToken: false,
        ...(pod.restartPolicy ? { restartPolicy: pod.restartPolicy } : {}),
        securityContext: podSecurityContext(ids),
        ...(pod.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds } : {}),
        ...(priorityClassName ? { priorityClassName } : {}),
        ...(settings.imagePullSecrets?.length ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) } : {}),
        ...(settings.nodeSelector && Object.keys(settings.nodeSelector).length ? { nodeSelector: settings.nodeSelector } : {}),
        ...(settings.tolerations?.length ? { tolerations: settings.tolerations } : {}),
        ...placement,
        ...(pod.initContainers?.length ? { initContainers: pod.initContainers.map((c) => buildContainer(c, ids?.runAs, declared)) } : {}),
        containers: pod.containers.map((c) => buildContainer(c, ids?.runAs, declared)),
        ...(podVolumes.length ? { volumes: podVolumes } : {}),
    };
    const extraLabels = settings.labels ?? {};
    const extraAnnotations = settings.annotations ?? {};
    return {
        spec,
        metadata: (labels, annotations) => {
            const clash = Object.keys(extraLabels).filter((key) => key in labels);
            // config/pod.ts refuses these keys; a component passing another label of its own would land here.
            if (clash.length) throw new Error(`extra pod labels ${clash.join(", ")} would override the pod's own labels`);
            const merged = Object.keys(extraAnnotations).length
                ? pulumi.output(annotations ?? {}).apply((own) => ({ ...extraAnnotations, ...own }))
                : annotations;
            return { labels: { ...extraLabels, ...labels }, ...(merged !== undefined ? { annotations: merged } : {}) };
        },
        exemptions,
        annotations: (workloadExemptions = []) => exemptionAnnotations([...exemptions, ...workloadExemptions]),
        claimTemplates: ({ labels, storageClass }) =>
            pod.volumes
                .filter((v) => v.perPodClaim)
                .map((v) => ({
                    metadata: { name: v.name, labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        ...(storageClass ? { storageClassName: storageClass } : {}),
                        resources: { requests: { storage: v.perPodClaim!.size } },
                    },
                })),
        capacity: (identity) => {
            const reservation = podReservation(
                pod.containers.map((c) => c.resources),
                (pod.initContainers ?? []).map((c) => c.resources),
            );
            const sum = (sizes: string[]) => sizes.reduce((total, size) => total + storageGiB(size), 0);
            return {
                ...identity,
                maxReplicas: identity.maxReplicas ?? identity.replicas,
                cpuPerPod: reservation.cpu,
                memoryGiBPerPod: reservation.memoryGiB,
                storageGiBPerPod: sum(pod.volumes.filter((v) => v.perPodClaim).map((v) => v.perPodClaim!.size)),
                sharedStorageGiB: sum(pod.volumes.filter((v) => v.sharedClaim).map((v) => v.sharedClaim!.size)),
            };
        },
    };
}

/**
 * The configured affinity, field by field: a field it sets (nodeAffinity, podAffinity,
 * podAntiAffinity) replaces the program's, the others stay (spreading's anti-affinity unless
 * podAntiAffinity is given). A pod that must run on another pod's node keeps that requirement
 * beside the configured podAffinity's required terms (both must hold).
 */
function overrideAffinity(
    configured: k8s.types.input.core.v1.Affinity,
    own: k8s.types.input.core.v1.Affinity | undefined,
    colocateWith?: Record<string, string>,
): k8s.types.input.core.v1.Affinity {
    const merged: k8s.types.input.core.v1.Affinity = { ...(own ?? {}), ...configured };
    if (!colocateWith || !configured.podAffinity) return merged;
    const required = onTheNodeOf(colocateWith).affinity as { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown[] } };
    const configuredPodAffinity = configured.podAffinity as Record<string, unknown>;
    const configuredTerms = (configuredPodAffinity.requiredDuringSchedulingIgnoredDuringExecution ?? []) as unknown[];
    return {
        ...merged,
        podAffinity: {
            ...configuredPodAffinity,
            requiredDuringSchedulingIgnoredDuringExecution: [...configuredTerms, ...required.podAffinity.requiredDuringSchedulingIgnoredDuringExecution],
        },
    } as k8s.types.input.core.v1.Affinity;
}
