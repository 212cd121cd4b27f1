import type * as k8s from "@pulumi/kubernetes";
import { selectorLabels, type AppIdentity } from "./labels";

/**
 * Spread a workload's pods over nodes and zones, as a preference: a node or zone outage then
 * takes one replica, not all, and small clusters still schedule everything.
 */
export function spreadAcrossNodesAndZones(id: AppIdentity): Pick<k8s.types.input.core.v1.PodSpec, "affinity" | "topologySpreadConstraints"> {
    const labelSelector = { matchLabels: selectorLabels(id) };
    return {
        affinity: {
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector } }],
            },
        },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector }],
    };
}

/**
 * Schedule only on the node that runs a pod with these labels (a requirement): a pod that
 * mounts another pod's ReadWriteOnce claim can only run where that claim is attached.
 */
export function onTheNodeOf(podLabels: Record<string, string>): Pick<k8s.types.input.core.v1.PodSpec, "affinity"> {
    return {
        affinity: {
            podAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: podLabels } }],
            },
        },
    };
}
