import type * as k8s from "@pulumi/kubernetes";
import type { GuaranteedResources } from "../../lib/config";
import { guaranteed } from "./resources";
import { restrictedContainer, type RunAs } from "./security";

type Container = k8s.types.input.core.v1.Container;

export interface ContainerShape {
    resources: GuaranteedResources;
    /** Bound on the container's writable layer and logs (emptyDirs are sized on the volume). */
    ephemeralStorage: string;
    runAs: RunAs;
}

/**
 * The one way this program builds a container: guaranteed resources, the restricted security
 * context, and `imagePullPolicy: Always` so every start checks the registry (a re-pushed tag
 * is noticed, and pull credentials are enforced per pod, not per node cache).
 */
export function container(spec: Omit<Container, "resources" | "securityContext" | "imagePullPolicy"> & { name: string; image: string }, shape: ContainerShape): Container {
    return {
        ...spec,
        imagePullPolicy: "Always",
        resources: guaranteed(shape.resources, shape.ephemeralStorage),
        securityContext: restrictedContainer(shape.runAs),
    };
}
