import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { CLAIR_NAMES, ROLLING_SURGE } from "../../lib/clair-pools";
import { autoscaledReplicas, horizontalAutoscaler } from "../shared/autoscaling";
import { onePodAtATime } from "../shared/disruption";
import { singleReplicaExemptions } from "../shared/exemptions";
import { labels, selectorLabels } from "../shared/labels";
import { rolloutCompleteAnnotation } from "../shared/rollout";
import { clairIdentity, clairPod, type ClairWorkloadArgs } from "./pod";
import { clairService } from "./services";

export interface ClairDeploymentArgs extends ClairWorkloadArgs {
    /** Which node type: its Clair mode (CLAIR_MODE), its object names (clair-matcher, clair-notifier) and its type token. */
    mode: "matcher" | "notifier";
}

/**
 * The matcher or the notifier: a stateless Deployment whose rolling update starts a new pod
 * before stopping an old one, so the ready count never drops below the desired count.
 */
export class ClairDeployment extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: ClairDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`scanning:clair:${args.mode === "matcher" ? "Matcher" : "Notifier"}`, name, {}, opts);
        const objectName = CLAIR_NAMES[args.mode];
        const id = clairIdentity(args.mode);
        const childOpts = { parent: this };
        // The pod takes every field of ClairPodBase as given; the rest is the workload's.
        const { namespace, replicas, autoscaling, podAnnotations, annotations, after, ...podArgs } = args;
        const pod = clairPod(podArgs);
        const scaling = autoscaledReplicas("Deployment", args.replicas, args.autoscaling);
        // The notifier has no autoscaler setting, so nothing but Pulumi ever writes its replicas.
        const scalingAnnotations = args.mode === "matcher" ? scaling.annotations : {};
        const workloadExemptions = [
            ...singleReplicaExemptions(scaling.replicas, `this stack runs one ${args.mode} (stage: its capacity plan); more replicas are a config change`),
            ...scaling.exemptions,
        ];

        const service = clairService(name, id, args.namespace, childOpts, false, objectName);
        onePodAtATime(name, id, args.namespace, childOpts, objectName);

        const deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata: {
                    name: objectName,
                    namespace: args.namespace,
                    labels: labels(id, objectName),
                    annotations: {
                        ...args.annotations,
                        ...pod.annotations(workloadExemptions),
                        ...scalingAnnotations,
                        // Pulumi's own Deployment await ends at the new ReplicaSet's first ready pod, and the
                        // post-upgrade Job would start mid-rollout: wait for the rollout to be complete
                        // (components/shared/rollout.ts). The count only when no autoscaler owns it.
                        ...rolloutCompleteAnnotation(args.autoscaling ? undefined : scaling.replicas),
                    },
                },
                spec: {
                    replicas: scaling.replicas,
                    minReadySeconds: 10,
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: ROLLING_SURGE } },
                    selector: { matchLabels: selectorLabels(id) },
                    template: {
                        metadata: pod.metadata(labels(id), args.podAnnotations),
                        spec: pod.spec,
                    },
                },
            },
            { ...childOpts, ...scaling.options, dependsOn: args.after },
        );
        if (args.autoscaling)
            horizontalAutoscaler(name, id, args.namespace, { kind: "Deployment", name: objectName }, args.autoscaling, `clair.${args.mode}`, {
                ...childOpts,
                dependsOn: [deployment],
            });

        this.capacity = [
            pod.capacity({ name: objectName, app: "clair", kind: "Deployment", replicas: scaling.replicas, maxReplicas: args.autoscaling?.maxReplicas }),
        ];
        this.serviceName = service.metadata.name;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
