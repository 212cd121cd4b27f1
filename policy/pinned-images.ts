import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describe, podSpecOf } from "./lib/workloads";

/** True for name:tag (tag other than latest) or name@sha256:digest. */
export function isPinned(image: unknown): boolean {
    if (typeof image !== "string" || image === "") return false;
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
    const lastSegment = image.split("/").pop() ?? "";
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return /^[\w][\w.-]{0,127}$/.test(tag) && tag !== "latest";
}

/** An unpinned image changes under a running Deployment at the next pull. */
export const pinnedImages: ResourceValidationPolicy = {
    name: "pinned-images",
    description: "Every container image names a version tag (not latest) or a digest, so what runs is what was reviewed and a reschedule pulls the same bits.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const owner = describe(args.type, args.name, args.props);
        for (const { role, container } of containersOf(podSpecOf(args.type, args.props))) {
            if (!isPinned(container.image)) {
                reportViolation(`${owner}, ${role} ${container.name}: image ${JSON.stringify(container.image ?? "unset")} is not pinned to a tag or digest`);
            }
        }
    },
};
