import type * as k8s from "@pulumi/kubernetes";

/** cpu and memory of a container whose requests equal its limits (Guaranteed QoS). */
export interface GuaranteedResources {
    /** Kubernetes quantity: "2", "500m". */
    cpu: string;
    /** Kubernetes quantity: "2Gi", "512Mi". */
    memory: string;
}

/**
 * Requests equal to limits: every container (init and CronJob containers included) gets
 * Guaranteed QoS, which the policy pack enforces for cpu and memory. Ephemeral storage is
 * bounded the same way, so a runaway scratch file evicts its own pod, not a neighbour.
 */
export function guaranteed(resources: GuaranteedResources, ephemeralStorage: string): k8s.types.input.core.v1.ResourceRequirements {
    const values = { cpu: resources.cpu, memory: resources.memory, "ephemeral-storage": ephemeralStorage };
    return { requests: { ...values }, limits: { ...values } };
}
