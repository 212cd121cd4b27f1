/** The shape of every container's resources in the program: the config schema reads it, components apply it (components/shared/resources.ts), capacity adds it up. */
/** cpu and memory of a container whose requests equal its limits (Guaranteed QoS). */
export interface GuaranteedResources {
    /** Kubernetes quantity: "2", "500m". */
    cpu: string;
    /** Kubernetes quantity: "2Gi", "512Mi". */
    memory: string;
}
