/**
 * Optional HorizontalPodAutoscalers, off by default: Clair's capacity plan is in fixed
 * replica counts. When one is on, the autoscaler owns the workload's replica count and the
 * program only sets the count the workload starts with.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { EXEMPTIONS, exemptionAnnotations, type Exemption } from "./exemptions";
import { labels, type AppIdentity } from "./labels";

/** What the autoscaler may do with one workload (config `<workload>.autoscaling`, validated). */
export interface AutoscalingRange {
    minReplicas: number;
    maxReplicas: number;
    /**
     * Average CPU use the autoscaler aims at, in percent of the pods' requests. Requests equal
     * limits here (Guaranteed QoS), so use never exceeds 100%: the target must stay below it.
     */
    targetCPUUtilization: number;
}

/** The workload the autoscaler scales. */
export interface ScaleTarget {
    kind: "Deployment" | "StatefulSet";
    name: string;
}

/**
 * The autoscaled workload's replica count and resource options.
 *
 * - With an autoscaler, the workload starts at minReplicas and `ignoreChanges` keeps Pulumi off
 *   `spec.replicas` afterwards: under server-side apply the provider then leaves the field to
 *   the autoscaler's field manager (kube-controller-manager) instead of failing on a conflict
 *   or resetting the count on the next `pulumi up`.
 * - `pulumi.com/patchForce` (on these workloads whether or not autoscaling is on) lets
 *   `pulumi up` take `spec.replicas` back when autoscaling is turned off again; without it the
 *   apply stops on a conflict with kube-controller-manager, which still owns the field.
 */
export function autoscaledReplicas(
    kind: ScaleTarget["kind"],
    replicas: number,
    range: AutoscalingRange | undefined,
): {
    replicas: number;
    annotations: Record<string, string>;
    options: pulumi.CustomResourceOptions;
    /** The checkers' exemptions this causes on the workload (kube-score wants no replicas on an autoscaled Deployment). */
    exemptions: Exemption[];
} {
    return {
        replicas: range ? range.minReplicas : replicas,
        annotations: { "pulumi.com/patchForce": "true" },
        options: range ? { ignoreChanges: ["spec.replicas"] } : {},
        exemptions: range && kind === "Deployment" ? EXEMPTIONS.autoscaledReplicas : [],
    };
}

/**
 * An autoscaling/v2 HorizontalPodAutoscaler on CPU, named after its workload. `configKey` is
 * the workload's config path ("clamav"), for the reason of a minimum of one pod.
 */
export function horizontalAutoscaler(
    name: string,
    id: AppIdentity,
    namespace: pulumi.Input<string>,
    target: ScaleTarget,
    range: AutoscalingRange,
    configKey: string,
    opts: pulumi.CustomResourceOptions,
): k8s.autoscaling.v2.HorizontalPodAutoscaler {
    const exemptions =
        range.minReplicas < 2
            ? EXEMPTIONS.autoscalerSingleReplica(
                  `this stack lets the autoscaler go down to one pod (${configKey}.autoscaling.minReplicas, or ${configKey}.replicas); 2 or more is a config change`,
              )
            : [];
    return new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        name,
        {
            metadata: {
                name: target.name,
                namespace,
                labels: labels(id, target.name),
                ...(exemptions.length ? { annotations: exemptionAnnotations(exemptions) } : {}),
            },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: target.kind, name: target.name },
                minReplicas: range.minReplicas,
                maxReplicas: range.maxReplicas,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: range.targetCPUUtilization } } }],
            },
        },
        opts,
    );
}
