import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { labels, selectorLabels, type AppIdentity } from "./labels";

/** Disruption budget: drains take one pod at a time. */
export function onePodAtATime(
    name: string,
    id: AppIdentity,
    namespace: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
    objectName = name,
): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(
        name,
        {
            metadata: { name: objectName, namespace, labels: labels(id) },
            // A pod that is not ready protects nothing: let drains evict it.
            spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: selectorLabels(id) } },
        },
        opts,
    );
}
