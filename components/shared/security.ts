import type * as k8s from "@pulumi/kubernetes";

export interface RunAs {
    user: number;
    group?: number;
}

/**
 * The pod's IDs: the image's own (`RunAs`), or none at all when the platform assigns them
 * (`undefined`): OpenShift's restricted-v2 SCC gives every pod a UID and an fsGroup from its
 * namespace's range and refuses a pod that sets others (openshift/apiserver-library-go,
 * sccmatching: runAsUser MustRunAsRange, fsGroup MustRunAs).
 */
export type PodIds = { runAs: RunAs; fsGroup?: number } | undefined;

/** Pod-level defaults: non-root, RuntimeDefault seccomp, group ownership of volumes (fixed IDs only). */
export function podSecurityContext(ids: PodIds): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        ...(ids ? { runAsUser: ids.runAs.user } : {}),
        ...(ids?.runAs.group !== undefined ? { runAsGroup: ids.runAs.group } : {}),
        ...(ids?.fsGroup !== undefined ? { fsGroup: ids.fsGroup } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * Container-level hardening: numeric non-root user (runAsNonRoot needs a number to verify
 * images that name their user), read-only root filesystem, no privilege escalation, no
 * capabilities. Writable paths are emptyDirs mounted by the workload.
 */
export function restrictedContainer(runAs: RunAs | undefined): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        ...(runAs ? { runAsUser: runAs.user } : {}),
        ...(runAs?.group !== undefined ? { runAsGroup: runAs.group } : {}),
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}
