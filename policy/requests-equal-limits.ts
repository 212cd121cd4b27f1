import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isQuantity, quantitiesEqual } from "./lib/quantity";
import { containersOf, validateWorkloads } from "./lib/workloads";

const KINDS = ["cpu", "memory"] as const;

/**
 * Guaranteed QoS for every container and init container: the scheduler reserves what the
 * container may use, so a busy neighbour can neither starve nor evict it.
 */
export const requestsEqualLimits: ResourceValidationPolicy = {
    name: "requests-equal-limits",
    description: "Every container and init container sets cpu and memory requests and limits, and each request equals its limit (Guaranteed QoS).",
    enforcementLevel: "mandatory",
    validateResource: validateWorkloads(({ owner, podSpec }, _args, reportViolation) => {
        for (const { role, container } of containersOf(podSpec)) {
            const requests = container.resources?.requests ?? {};
            const limits = container.resources?.limits ?? {};
            for (const kind of KINDS) {
                const request = requests[kind];
                const limit = limits[kind];
                const where = `${owner}, ${role} ${container.name}: ${kind}`;
                if (request === undefined || limit === undefined) {
                    reportViolation(`${where} request ${show(request)} and limit ${show(limit)} must both be set`);
                } else if (!isQuantity(request) || !isQuantity(limit)) {
                    reportViolation(`${where} request ${show(request)} / limit ${show(limit)}: not a valid Kubernetes quantity`);
                } else if (!quantitiesEqual(request, limit)) {
                    reportViolation(`${where} request ${show(request)} differs from limit ${show(limit)}`);
                }
            }
        }
    }),
};

const show = (value: unknown) => (value === undefined ? "(unset)" : JSON.stringify(value));
