/** Where pod templates live in each workload kind, by Pulumi type string. */

export const WORKLOAD_TYPES: Record<string, (props: any) => any> = {
    "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:ReplicaSet": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:CronJob": (p) => p.spec?.jobTemplate?.spec?.template?.spec,
    "kubernetes:core/v1:Pod": (p) => p.spec,
};

export interface NamedContainer {
    /** "initContainer" or "container", for messages. */
    role: "initContainer" | "container";
    container: any;
}

/** The pod spec of a workload, or undefined for other types. */
export function podSpecOf(type: string, props: any): any | undefined {
    const locate = WORKLOAD_TYPES[type];
    return locate ? locate(props) : undefined;
}

/** Every container of a pod spec, init containers first. */
export function containersOf(podSpec: any): NamedContainer[] {
    if (!podSpec) return [];
    return [
        ...(podSpec.initContainers ?? []).map((container: any) => ({ role: "initContainer" as const, container })),
        ...(podSpec.containers ?? []).map((container: any) => ({ role: "container" as const, container })),
    ];
}

/** "Deployment clamav" from the props' kind and metadata.name, else the Pulumi type and name. */
export function describe(type: string, name: string, props: any): string {
    const kind = props?.kind ?? type.split(":").pop();
    return `${kind} ${props?.metadata?.name ?? name}`;
}
