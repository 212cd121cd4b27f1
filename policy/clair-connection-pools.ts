import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { ResolvedResource } from "@pulumi/pulumi/queryable";
import { DATABASE_ANNOTATION, POOL_ANNOTATION } from "./lib/clair-annotations";
import { maxConnectionsFor } from "./lib/rds";

/** A stack policy sees each resource's resolved state, typed by its class. */
export type DeploymentProps = ResolvedResource<k8s.apps.v1.Deployment>;
export type StatefulSetProps = ResolvedResource<k8s.apps.v1.StatefulSet>;
export type AutoscalerProps = ResolvedResource<k8s.autoscaling.v2.HorizontalPodAutoscaler>;

/** A Clair workload: a Deployment or a StatefulSet, with its typed props. */
export type PoolWorkload = { kind: "Deployment"; props: DeploymentProps } | { kind: "StatefulSet"; props: StatefulSetProps };

/**
 * Pods that can run at once: replicas (or the maximum of an autoscaler that scales the
 * workload, when higher), plus a Deployment's rolling-update surge (an integer or a percentage
 * of replicas, rounded up as the controller does).
 */
export function peakPods(workload: PoolWorkload, autoscalerMax?: number): number {
    const declared = typeof workload.props.spec?.replicas === "number" ? workload.props.spec.replicas : 1;
    const replicas = Math.max(declared, autoscalerMax ?? 0);
    if (workload.kind !== "Deployment") return replicas;
    const strategy = workload.props.spec?.strategy;
    if (strategy?.type === "Recreate") return replicas;
    const surge = strategy?.rollingUpdate?.maxSurge ?? "25%";
    if (typeof surge === "number") return replicas + surge;
    const percent = /^(\d+)%$/.exec(String(surge));
    return replicas + (percent ? Math.ceil((replicas * Number(percent[1])) / 100) : Number(surge) || 0);
}

/**
 * The highest maxReplicas of the HorizontalPodAutoscalers that scale `workload` (same
 * namespace, scaleTargetRef naming its kind and name), or undefined when none does.
 */
export function autoscalerMaximum(workload: PoolWorkload, resources: PolicyResource[]): number | undefined {
    const meta = workload.props.metadata;
    const maxima = resources
        .map((r) => r.asType(k8s.autoscaling.v2.HorizontalPodAutoscaler))
        .filter((hpa): hpa is AutoscalerProps => {
            const target = hpa?.spec?.scaleTargetRef;
            return !!target && target.kind === workload.kind && target.name === meta?.name && (hpa.metadata?.namespace ?? "") === (meta?.namespace ?? "");
        })
        .map((hpa) => hpa.spec?.maxReplicas)
        .filter((max): max is number => typeof max === "number");
    return maxima.length ? Math.max(...maxima) : undefined;
}

/** The resource as a Clair pool workload, or undefined for other types. */
function poolWorkload(r: PolicyResource): PoolWorkload | undefined {
    const deployment = r.asType(k8s.apps.v1.Deployment);
    if (deployment) return { kind: "Deployment", props: deployment };
    const statefulSet = r.asType(k8s.apps.v1.StatefulSet);
    if (statefulSet) return { kind: "StatefulSet", props: statefulSet };
    return undefined;
}

/**
 * max_connections of the database named `identifier`: its RDS parameter group, else its class
 * default, else an in-cluster server's flag. RDS props stay untyped: typing them would need
 * @pulumi/aws in the pack for three fields.
 */
export function maxConnectionsOf(identifier: string, resources: PolicyResource[]): number | undefined {
    const instance = resources.find((r) => r.type === "aws:rds/instance:Instance" && r.props.identifier === identifier);
    if (instance) {
        const group = resources.find((r) => r.type === "aws:rds/parameterGroup:ParameterGroup" && r.props.name === instance.props.parameterGroupName);
        const param = (group?.props.parameters ?? []).find((p: { name?: unknown }) => p.name === "max_connections");
        if (param && /^\d+$/.test(String(param.value))) return Number(param.value);
        try {
            return maxConnectionsFor(instance.props.instanceClass);
        } catch {
            return undefined;
        }
    }
    const server = resources.map((r) => r.asType(k8s.apps.v1.StatefulSet)).find((s) => s?.metadata?.name === identifier);
    for (const container of server?.spec?.template?.spec?.containers ?? []) {
        for (const arg of container.args ?? []) {
            const match = /^max_connections=(\d+)$/.exec(String(arg));
            if (match) return Number(match[1]);
        }
    }
    return undefined;
}

/**
 * Each Clair pod opens up to pool_max_conns connections to its database; together they must
 * fit in max_connections or pods fail at random under load (Quay's operator does the same sum).
 */
export const clairConnectionPools: StackValidationPolicy = {
    name: "clair-connection-pools",
    description:
        "The connection pools the Clair config opens against each database (pods at peak, an autoscaler's maximum included, x pool_max_conns) fit in that database's max_connections, less a reserve.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { reservedConnections: { type: "integer", minimum: 0, default: 3 } },
    },
    validateStack: (args, reportViolation) => {
        const { reservedConnections } = args.getConfig<{ reservedConnections: number }>();
        const demand = new Map<string, { total: number; parts: string[] }>();
        for (const r of args.resources) {
            const workload = poolWorkload(r);
            if (!workload) continue;
            const annotations = workload.props.metadata?.annotations ?? {};
            const database = annotations[DATABASE_ANNOTATION];
            if (!database) continue;
            const name = workload.props.metadata?.name ?? r.name;
            const pool = Number(annotations[POOL_ANNOTATION]);
            if (!Number.isInteger(pool) || pool <= 0) {
                reportViolation(
                    `${name}: annotation ${POOL_ANNOTATION} ${JSON.stringify(annotations[POOL_ANNOTATION] ?? "unset")} is not a positive integer`,
                    r.urn,
                );
                continue;
            }
            const pods = peakPods(workload, autoscalerMaximum(workload, args.resources));
            const entry = demand.get(database) ?? { total: 0, parts: [] };
            entry.total += pods * pool;
            entry.parts.push(`${name} ${pods} pods x ${pool}`);
            demand.set(database, entry);
        }
        for (const [database, { total, parts }] of demand) {
            const max = maxConnectionsOf(database, args.resources);
            if (max === undefined) {
                reportViolation(`database ${database} (named by ${parts.join(", ")}) is not in this stack, or its max_connections cannot be read`);
            } else if (total > max - reservedConnections) {
                reportViolation(
                    `database ${database}: ${parts.join(" + ")} = ${total} connections exceed max_connections ${max} less ${reservedConnections} reserved`,
                );
            }
        }
    },
};
