import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describe, podSpecOf } from "./lib/workloads";

/** Scanners parse hostile input (layers, files to scan): a compromise must not get root. */
export const runAsNonRoot: ResourceValidationPolicy = {
    name: "run-as-non-root",
    description: "Every container runs as non-root (runAsNonRoot true on the container or the pod, and no runAsUser 0): the scanners parse untrusted content.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const podSpec = podSpecOf(args.type, args.props);
        if (!podSpec) return;
        const owner = describe(args.type, args.name, args.props);
        const pod = podSpec.securityContext ?? {};
        for (const { role, container } of containersOf(podSpec)) {
            const sc = container.securityContext ?? {};
            const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
            const user = sc.runAsUser ?? pod.runAsUser;
            if (nonRoot !== true) reportViolation(`${owner}, ${role} ${container.name}: runAsNonRoot is not true`);
            if (user === 0) reportViolation(`${owner}, ${role} ${container.name}: runAsUser is 0 (root)`);
        }
    },
};
