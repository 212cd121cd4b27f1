import type * as k8s from "@pulumi/kubernetes";
import type { GuaranteedResources } from "../../lib/resources";

/**
 * Requests equal to limits: every container (init and CronJob containers included) gets
 * Guaranteed QoS, which the policy pack enforces for cpu and memory. Ephemeral storage is
 * bounded the same way, so a runaway scratch file evicts its own pod, not a neighbour.
 */
export function guaranteed(resources: GuaranteedResources, ephemeralStorage: string): k8s.types.input.core.v1.ResourceRequirements {
    const values = { cpu: resources.cpu, memory: resources.memory, "ephemeral-storage": ephemeralStorage };
    return { requests: { ...values }, limits: { ...values } };
}
