import type { ResourceValidationPolicy } from "@pulumi/policy";
import { quantitiesEqual, quantityProblem, type QuantityKind } from "./lib/quantity";
import { containersOf, validateWorkloads } from "./lib/workloads";

/** Each resource and what it counts (the one quantity parser's rules: positive, in its units). */
const KINDS: [resource: "cpu" | "memory", counts: QuantityKind][] = [
    ["cpu", "cpu"],
    ["memory", "bytes"],
];

/**
 * Guaranteed QoS for every container and init container: the scheduler reserves what the
 * container may use, so a busy neighbour can neither starve nor evict it.
 */
export const requestsEqualLimits: ResourceValidationPolicy = {
    name: "requests-equal-limits",
    description:
        "Every container and init container sets cpu (cores or millicores) and memory (bytes) requests and limits, each more than zero, and each request equals its limit (Guaranteed QoS).",
    enforcementLevel: "mandatory",
    validateResource: validateWorkloads(({ owner, podSpec }, _args, reportViolation) => {
        for (const { role, container } of containersOf(podSpec)) {
            const requests = container.resources?.requests ?? {};
            const limits = container.resources?.limits ?? {};
            for (const [kind, counts] of KINDS) {
                const request = requests[kind];
                const limit = limits[kind];
                const where = `${owner}, ${role} ${container.name}: ${kind}`;
                if (request === undefined || limit === undefined) {
                    reportViolation(`${where} request ${show(request)} and limit ${show(limit)} must both be set`);
                    continue;
                }
                const problems = [
                    ["request", request],
                    ["limit", limit],
                ].flatMap(([which, value]) => {
                    const problem = quantityProblem(value, counts);
                    return problem ? [`${which} ${show(value)} ${problem}`] : [];
                });
                if (problems.length > 0) {
                    reportViolation(`${where} ${problems.join("; ")}`);
                } else if (!quantitiesEqual(request, limit)) {
                    reportViolation(`${where} request ${show(request)} differs from limit ${show(limit)}`);
                }
            }
        }
    }),
};

const show = (value: unknown) => (value === undefined ? "(unset)" : JSON.stringify(value));
