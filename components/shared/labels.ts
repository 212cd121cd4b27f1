/** Recommended Kubernetes labels, the same shape on every object the program creates. */
export interface AppIdentity {
    /** app.kubernetes.io/name, e.g. "clair" */
    name: string;
    /** app.kubernetes.io/component, e.g. "indexer" */
    component: string;
    /** app.kubernetes.io/part-of */
    partOf?: string;
}

export const MANAGED_BY = "pulumi";

/** Labels that select the pods of one workload: stable across versions. */
export function selectorLabels(id: AppIdentity): Record<string, string> {
    return {
        "app.kubernetes.io/name": id.name,
        "app.kubernetes.io/component": id.component,
    };
}

/** Full label set for metadata. */
export function labels(id: AppIdentity): Record<string, string> {
    return {
        ...selectorLabels(id),
        "app.kubernetes.io/part-of": id.partOf ?? "security-scanning",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    };
}
