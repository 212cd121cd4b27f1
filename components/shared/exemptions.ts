/**
 * Checker findings we do not fix, with their reasons. Objects carry them as the checkers' own
 * opt-out annotations (see exemptionAnnotations); CONTRIBUTING.md lists them (a test keeps the two in
 * step). The exemptions every workload can need live here; an app's own live beside the app.
 */
import { isDigestPinned } from "../../policy/lib/images";
import { qualifiedNameProblem } from "../../lib/kubernetes-names";

export type Checker = "kube-score" | "kube-linter" | "polaris" | "checkov";

export interface Exemption {
    checker: Checker;
    check: string;
    reason: string;
}

/** A vendor image's own uid, below the 10000 the checkers want. */
export const vendorUid = (what: string): Exemption[] => [
    { checker: "kube-score", check: "container-security-context-user-group-id", reason: `${what}; kube-score wants uid/gid >= 10000` },
    { checker: "checkov", check: "CKV_K8S_40", reason: `${what}; checkov wants a high uid` },
];

export const EXEMPTIONS = {
    /** kubernetes.platform openshift: the pod sets no uid for the checkers to see. */
    idsAssignedByPlatform: [
        {
            checker: "kube-score",
            check: "container-security-context-user-group-id",
            reason: "OpenShift's restricted-v2 SCC assigns the uid (and fsGroup) from the namespace's range, 1000000000 and up on a default cluster, and refuses a pod that sets its own; kube-score sees no uid",
        },
        {
            checker: "checkov",
            check: "CKV_K8S_40",
            reason: "OpenShift's restricted-v2 SCC assigns a high uid from the namespace's range and refuses a pod that sets its own; checkov sees no uid",
        },
    ] as Exemption[],
    singleReplica: (why: string): Exemption[] => [
        { checker: "kube-score", check: "deployment-replicas", reason: why },
        { checker: "polaris", check: "deploymentMissingReplicas", reason: why },
    ],
    /** An autoscaled Deployment declares its starting count (see components/shared/autoscaling.ts). */
    autoscaledReplicas: [
        {
            checker: "kube-score",
            check: "deployment-targeted-by-hpa-does-not-have-replicas-configured",
            reason: "spec.replicas is only the count the Deployment starts at: Pulumi ignores it after that (ignoreChanges) and the autoscaler owns it; without it the Deployment would start at 1 pod, and turning autoscaling on would drop a running count to 1",
        },
    ] as Exemption[],
    autoscalerSingleReplica: (why: string): Exemption[] => [
        { checker: "kube-score", check: "horizontalpodautoscaler-replicas", reason: why },
        { checker: "polaris", check: "hpaMinAvailability", reason: why },
    ],
    imageDigest: [
        {
            checker: "checkov",
            check: "CKV_K8S_43",
            reason: "images are pinned by version tag in config; digests cannot be resolved from this offline build, set image to name:tag@sha256:... to pin one",
        },
    ] as Exemption[],
    noPriorityClass: [
        {
            checker: "polaris",
            check: "priorityClassNotSet",
            reason: "no PriorityClass configured for this stack (kubernetes.priorityClassName); PriorityClasses are cluster-scoped and owned by the cluster's admins",
        },
    ] as Exemption[],
};

/** The digest exemption, for workloads whose images are pinned by tag only. */
export function digestExemptions(images: string[]): Exemption[] {
    return images.every(isDigestPinned) ? [] : EXEMPTIONS.imageDigest;
}

/**
 * One replica by design (or by the stack's sizing) exempts the replica-count checks. Not the
 * spread check: every workload carries its spread preferences at any size (a single pod simply
 * has nothing to spread yet), so scaling up changes the count and nothing else.
 */
export function singleReplicaExemptions(replicas: number, why: string): Exemption[] {
    return replicas < 2 ? EXEMPTIONS.singleReplica(why) : [];
}

/**
 * The annotation that holds the reason of a kube-score or Polaris exemption (their own
 * annotations have no room for one). The check is the whole name part, which Kubernetes limits
 * to 63 characters; the checker goes in the prefix.
 */
export function reasonAnnotation(checker: "kube-score" | "polaris", check: string): string {
    return `${checker}.exemptions.scanning-platform/${check}`;
}

/** The checkers' own annotations for a list of exemptions, plus one reason annotation each. */
export function exemptionAnnotations(exemptions: Exemption[]): Record<string, string> {
    const annotations: Record<string, string> = {};
    const kubeScore = exemptions.filter((e) => e.checker === "kube-score").map((e) => e.check);
    if (kubeScore.length > 0) annotations["kube-score/ignore"] = [...new Set(kubeScore)].join(",");
    let checkovIndex = 1;
    for (const e of exemptions) {
        switch (e.checker) {
            case "kube-linter":
                annotations[`ignore-check.kube-linter.io/${e.check}`] = e.reason;
                break;
            case "polaris":
                annotations[`polaris.fairwinds.com/${e.check}-exempt`] = "true";
                break;
            case "checkov":
                annotations[`checkov.io/skip${checkovIndex++}`] = `${e.check}=${e.reason}`;
                break;
        }
        if (e.checker === "kube-score" || e.checker === "polaris") annotations[reasonAnnotation(e.checker, e.check)] = e.reason;
    }
    // The API server refuses an invalid key, which Pulumi's mocks would accept: fail here instead.
    for (const key of Object.keys(annotations)) {
        const why = qualifiedNameProblem(key);
        if (why) throw new Error(`checker exemption annotation ${key} ${why}`);
    }
    return annotations;
}
