import type * as k8s from "@pulumi/kubernetes";
import type { GuaranteedResources } from "../../lib/config";

/**
 * Requests equal to limits for cpu and memory: every container (init and CronJob containers
 * included) gets Guaranteed QoS, which the policy pack enforces.
 */
export function guaranteed(resources: GuaranteedResources): k8s.types.input.core.v1.ResourceRequirements {
    const values = { cpu: resources.cpu, memory: resources.memory };
    return { requests: { ...values }, limits: { ...values } };
}
