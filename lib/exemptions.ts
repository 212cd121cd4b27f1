/**
 * Every checker finding we do not fix, with its reason. Objects carry them as the checkers'
 * own opt-out annotations (see exemptionAnnotations); README.md lists them (a test keeps the
 * two in step).
 */
export type Checker = "kube-score" | "kube-linter" | "polaris" | "checkov";

export interface Exemption {
    checker: Checker;
    check: string;
    reason: string;
}

const vendorUid = (what: string): Exemption[] => [
    { checker: "kube-score", check: "container-security-context-user-group-id", reason: `${what}; kube-score wants uid/gid >= 10000` },
    { checker: "checkov", check: "CKV_K8S_40", reason: `${what}; checkov wants a high uid` },
];

export const EXEMPTIONS = {
    clamavUid: vendorUid("runs as the clamav/clamav image's own user (uid 100, gid 101), which owns its files; clamav.runAsUser/runAsGroup change it"),
    malwarUid: vendorUid("runs as uid 1000, the malwar user of the image that the deployment guide prescribes; malwar.runAsUser changes it"),
    singleReplica: (why: string): Exemption[] => [
        { checker: "kube-score", check: "deployment-replicas", reason: why },
        { checker: "polaris", check: "deploymentMissingReplicas", reason: why },
    ],
    malwarRecreate: [{ checker: "kube-score", check: "deployment-strategy", reason: "Recreate while on SQLite: a ReadWriteOnce claim cannot attach to a second pod during a rolling update" }] as Exemption[],
    malwarSecretEnv: [{ checker: "checkov", check: "CKV_K8S_35", reason: "Malwar reads its settings (pydantic-settings) from environment variables only; the values come from a Secret, never from the pod spec" }] as Exemption[],
    refreshNetworkPolicy: [
        { checker: "polaris", check: "missingNetworkPolicy", reason: "the refresh job accepts no connections: its NetworkPolicy lists no ingress rule, which denies all (Polaris wants at least one)" },
    ] as Exemption[],
    postgresPasswordFile: [
        { checker: "polaris", check: "sensitiveContainerEnvVar", reason: "POSTGRES_PASSWORD_FILE holds the path of the mounted Secret file, not the password" },
    ] as Exemption[],
    postgresUid: vendorUid("runs as the postgres image's own user (uid/gid 999), which owns its data directory layout"),
    imageDigest: [{ checker: "checkov", check: "CKV_K8S_43", reason: "images are pinned by version tag in config; digests cannot be resolved from this offline build, set image to name:tag@sha256:... to pin one" }] as Exemption[],
    noPriorityClass: [{ checker: "polaris", check: "priorityClassNotSet", reason: "no PriorityClass configured for this stack (kubernetes.priorityClassName); PriorityClasses are cluster-scoped and owned by the cluster's admins" }] as Exemption[],
};

/** The digest exemption, for workloads whose images are pinned by tag only. */
export function digestExemptions(images: string[]): Exemption[] {
    return images.every((image) => /@sha256:[0-9a-f]{64}$/.test(image)) ? [] : EXEMPTIONS.imageDigest;
}

/**
 * One replica by design (or by the stack's sizing) exempts the replica-count checks. Not the
 * spread check: every workload carries its spread preferences at any size (a single pod simply
 * has nothing to spread yet), so scaling up changes the count and nothing else.
 */
export function singleReplicaExemptions(replicas: number, why: string): Exemption[] {
    return replicas < 2 ? EXEMPTIONS.singleReplica(why) : [];
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
        if (e.checker === "kube-score" || e.checker === "polaris") annotations[`exemptions.scanning-platform/${e.checker}.${e.check}`] = e.reason;
    }
    return annotations;
}
