import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { ResolvedResource } from "@pulumi/pulumi/queryable";
import { containersOf, describe, podSpecOf, type PodSpec } from "./lib/workloads";

type RoleBindingProps = ResolvedResource<k8s.rbac.v1.RoleBinding>;

/** The fixed IDs a pod spec sets, as "runAsUser 1000 (pod)" phrases; empty when it sets none. */
export function fixedIds(podSpec: PodSpec): string[] {
    const found: string[] = [];
    const pod = podSpec.securityContext ?? {};
    for (const key of ["runAsUser", "runAsGroup", "fsGroup"] as const) {
        if (typeof pod[key] === "number") found.push(`${key} ${pod[key]} (pod)`);
    }
    for (const { role, container } of containersOf(podSpec)) {
        const sc = container.securityContext ?? {};
        for (const key of ["runAsUser", "runAsGroup"] as const) {
            if (typeof sc[key] === "number") found.push(`${key} ${sc[key]} (${role} ${container.name})`);
        }
    }
    return found;
}

/**
 * The SCCs the stack's RoleBindings let ServiceAccount `sa` of `namespace` use: bindings to
 * OpenShift's ClusterRoles system:openshift:scc:<name>, for the account itself or a group holding it.
 */
export function grantedSccs(resources: PolicyResource[], namespace: string | undefined, sa: string): string[] {
    const prefix = "system:openshift:scc:";
    return resources
        .map((r) => r.asType(k8s.rbac.v1.RoleBinding))
        .filter((b): b is RoleBindingProps => !!b && b.roleRef?.kind === "ClusterRole" && String(b.roleRef?.name ?? "").startsWith(prefix))
        .filter((b) => (b.metadata?.namespace ?? namespace) === namespace)
        .filter((b) =>
            (b.subjects ?? []).some(
                (s) =>
                    (s.kind === "ServiceAccount" && s.name === sa && (s.namespace ?? namespace) === namespace) ||
                    (s.kind === "Group" && (s.name === "system:serviceaccounts" || s.name === `system:serviceaccounts:${namespace}`)),
            ),
        )
        .map((b) => String(b.roleRef.name).slice(prefix.length));
}

/**
 * On OpenShift, every namespace's ServiceAccounts may use restricted-v2, which assigns a pod's UID
 * and fsGroup from the namespace's range and refuses a pod that sets others (sccmatching:
 * runAsUser MustRunAsRange, fsGroup MustRunAs). A pod with fixed IDs is admitted only under an SCC
 * granted to its ServiceAccount; without one its controller never gets a pod (FailedCreate) and
 * `pulumi up` waits for its timeout. Caught here at preview instead.
 */
export const openshiftNamespaceIds: StackValidationPolicy = {
    name: "openshift-namespace-ids",
    description:
        "On OpenShift, a pod sets no runAsUser, runAsGroup or fsGroup (restricted-v2 assigns them from the namespace's range), unless the stack binds its ServiceAccount to an SCC that admits fixed IDs.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            fixedIdSccs: { type: "array", items: { type: "string" }, default: ["nonroot-v2", "nonroot", "anyuid"] },
        },
    },
    validateStack: (args, reportViolation) => {
        const { fixedIdSccs } = args.getConfig<{ fixedIdSccs: string[] }>();
        for (const r of args.resources) {
            const podSpec = podSpecOf(r.type, r.props);
            if (!podSpec) continue;
            const ids = fixedIds(podSpec);
            if (ids.length === 0) continue;
            const namespace = r.props.metadata?.namespace;
            const sa = podSpec.serviceAccountName ?? "default";
            const granted = grantedSccs(args.resources, namespace, sa).filter((scc) => fixedIdSccs.includes(scc));
            if (granted.length > 0) continue;
            reportViolation(
                `${describe(r.type, r.name, r.props)} sets ${ids.join(", ")}: OpenShift's restricted-v2 SCC assigns these from the namespace's range and refuses other values. ` +
                    `Leave them unset (kubernetes.platform: openshift) or bind ServiceAccount ${sa} to one of ${fixedIdSccs.map((s) => `system:openshift:scc:${s}`).join(", ")} (kubernetes.openshiftScc: nonroot-v2)`,
                r.urn,
            );
        }
    },
};
