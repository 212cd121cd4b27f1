import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isPinned } from "./lib/images";
import { containersOf, validateWorkloads } from "./lib/workloads";

/** An unpinned image changes under a running Deployment at the next pull. */
export const pinnedImages: ResourceValidationPolicy = {
    name: "pinned-images",
    description: "Every container image names a version tag (not latest) or a digest, so what runs is what was reviewed and a reschedule pulls the same bits.",
    enforcementLevel: "mandatory",
    validateResource: validateWorkloads(({ owner, podSpec }, _args, reportViolation) => {
        for (const { role, container } of containersOf(podSpec)) {
            if (!isPinned(container.image)) {
                reportViolation(`${owner}, ${role} ${container.name}: image ${JSON.stringify(container.image ?? "unset")} is not pinned to a tag or digest`);
            }
        }
    }),
};
