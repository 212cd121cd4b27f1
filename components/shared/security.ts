import type * as k8s from "@pulumi/kubernetes";

export interface RunAs {
    user: number;
    group?: number;
}

/** Pod-level defaults: non-root, RuntimeDefault seccomp, group ownership of volumes. */
export function podSecurityContext(runAs: RunAs, fsGroup?: number): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: runAs.user,
        ...(runAs.group !== undefined ? { runAsGroup: runAs.group } : {}),
        ...(fsGroup !== undefined ? { fsGroup } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * Container-level hardening: numeric non-root user (runAsNonRoot needs a number to verify
 * images that name their user), read-only root filesystem, no privilege escalation, no
 * capabilities. Writable paths are emptyDirs mounted by the workload.
 */
export function restrictedContainer(runAs: RunAs): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: runAs.user,
        ...(runAs.group !== undefined ? { runAsGroup: runAs.group } : {}),
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}
