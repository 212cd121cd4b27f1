import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { compareQuantities, quantityProblem } from "./lib/quantity";
import { containersOf, type PodSpec } from "./lib/workloads";

/** An indexer is a StatefulSet whose container runs CLAIR_MODE=indexer. */
function isClairIndexer(podSpec: PodSpec | undefined): boolean {
    return containersOf(podSpec).some(({ container }) => (container.env ?? []).some((e) => e?.name === "CLAIR_MODE" && e?.value === "indexer"));
}

/**
 * The indexer downloads whole layers to its claim; gp2 IOPS grow with size, which is why the
 * program provisions 100Gi even though the data is transient.
 */
export const clairIndexerStorage: ResourceValidationPolicy = {
    name: "clair-indexer-storage",
    description:
        "The Clair indexer's claim template uses the configured storage class (gp2) and at least the configured size (100Gi): gp2 IOPS scale with size, and layers are large.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            storageClass: { type: "string", default: "gp2" },
            minimumSize: { type: "string", default: "100Gi" },
        },
    },
    validateResource: validateResourceOfType(k8s.apps.v1.StatefulSet, (statefulSet, args, reportViolation) => {
        if (!isClairIndexer(statefulSet.spec?.template?.spec)) return;
        const { storageClass, minimumSize } = args.getConfig<{ storageClass: string; minimumSize: string }>();
        const name = statefulSet.metadata?.name ?? args.name;
        const templates = statefulSet.spec?.volumeClaimTemplates ?? [];
        if (templates.length === 0) {
            reportViolation(`StatefulSet ${name}: no volumeClaimTemplates; each indexer needs a ${minimumSize} ${storageClass} claim for layer downloads`);
            return;
        }
        for (const claim of templates) {
            const claimName = claim.metadata?.name ?? "(unnamed)";
            const cls = claim.spec?.storageClassName;
            if (cls !== storageClass)
                reportViolation(`StatefulSet ${name}, claim ${claimName}: storageClassName ${JSON.stringify(cls ?? "unset")} is not ${storageClass}`);
            const size = claim.spec?.resources?.requests?.storage;
            const problem = size === undefined ? "is unset" : quantityProblem(size, "bytes");
            if (problem) {
                reportViolation(`StatefulSet ${name}, claim ${claimName}: storage request ${JSON.stringify(size ?? "unset")} ${problem}`);
            } else if (compareQuantities(size, minimumSize) < 0) {
                reportViolation(`StatefulSet ${name}, claim ${claimName}: storage ${size} is below ${minimumSize}`);
            }
        }
    }),
};
