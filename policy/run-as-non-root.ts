import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, validateWorkloads } from "./lib/workloads";

/** Scanners parse hostile input (layers, files to scan): a compromise must not get root. */
export const runAsNonRoot: ResourceValidationPolicy = {
    name: "run-as-non-root",
    description: "Every container runs as non-root (runAsNonRoot true on the container or the pod, and no runAsUser 0): the scanners parse untrusted content.",
    enforcementLevel: "mandatory",
    validateResource: validateWorkloads(({ owner, podSpec }, _args, reportViolation) => {
        if (!podSpec) return;
        const pod = podSpec.securityContext ?? {};
        for (const { role, container } of containersOf(podSpec)) {
            const sc = container.securityContext ?? {};
            const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
            const user = sc.runAsUser ?? pod.runAsUser;
            if (nonRoot !== true) reportViolation(`${owner}, ${role} ${container.name}: runAsNonRoot is not true`);
            if (user === 0) reportViolation(`${owner}, ${role} ${container.name}: runAsUser is 0 (root)`);
        }
    }),
};
