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
/** app.kubernetes.io/part-of of what belongs to the whole platform rather than to one app. */
export const PLATFORM = "security-scanning";

/** The labels of an object of the whole platform (the namespace, the SCC grant), not of one app. */
export function platformLabels(): Record<string, string> {
    return { "app.kubernetes.io/part-of": PLATFORM, "app.kubernetes.io/managed-by": MANAGED_BY };
}

/** Labels that select the pods of one workload: stable across versions. */
export function selectorLabels(id: AppIdentity): Record<string, string> {
    return {
        "app.kubernetes.io/name": id.name,
        "app.kubernetes.io/component": id.component,
    };
}

/**
 * The one label that names a workload's pods. NetworkPolicies select on it alone: a single
 * label is what every checker (Polaris matches exactly one pod label) reads as "this workload".
 */
export function instanceSelector(instance: string): Record<string, string> {
    return { "app.kubernetes.io/instance": instance };
}

/** Full label set for metadata; `instance` (the object's name) goes on controllers only, never in selectors. */
export function labels(id: AppIdentity, instance?: string): Record<string, string> {
    return {
        ...selectorLabels(id),
        ...(instance ? { "app.kubernetes.io/instance": instance } : {}),
        "app.kubernetes.io/part-of": id.partOf ?? PLATFORM,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    };
}
