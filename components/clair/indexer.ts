import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { CLAIR_NAMES } from "../../lib/clair-pools";
import { autoscaledReplicas, horizontalAutoscaler } from "../shared/autoscaling";
import { onePodAtATime } from "../shared/disruption";
import { labels, selectorLabels } from "../shared/labels";
import { clairIdentity, clairPod, type ClairWorkloadArgs, type RhelMappings } from "./pod";
import { clairService } from "./services";

export interface ClairIndexerArgs extends ClairWorkloadArgs {
    /** StorageClass of each pod's layer claim, e.g. gp2. */
    storageClass: string;
    /** Size of each pod's layer claim, e.g. 100Gi (sized for IOPS as much as space). */
    storageSize: string;
    /** Disconnected mode: Red Hat's mapping files, which only the indexer's RHEL scanners read. */
    rhelMappings?: RhelMappings;
}

/**
 * The indexer: a StatefulSet so each pod keeps its own 100Gi gp2 claim for layer downloads
 * (sized for IOPS as much as space), Parallel pod management since pods share nothing.
 */
export class ClairIndexer extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: ClairIndexerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:Indexer", name, {}, opts);
        const id = clairIdentity("indexer");
        const childOpts = { parent: this };

        const service = clairService(name, id, args.namespace, childOpts, false, CLAIR_NAMES.indexer);
        const headless = clairService(`${name}-pods`, id, args.namespace, childOpts, true, `${CLAIR_NAMES.indexer}-pods`);
        onePodAtATime(name, id, args.namespace, childOpts, CLAIR_NAMES.indexer);

        // The pod takes every field of ClairPodBase as given; the rest is the workload's.
        const { namespace, replicas, autoscaling, podAnnotations, annotations, after, storageClass, storageSize, ...podBase } = args;
        const pod = clairPod({ ...podBase, mode: "indexer", scratchClaimSize: storageSize });

        const scaling = autoscaledReplicas("StatefulSet", args.replicas, args.autoscaling);
        // No pulumi.com/waitFor here, unlike the Clair Deployments (components/shared/rollout.ts):
        // pulumi-kubernetes v4.32.0's StatefulSet await (provider/pkg/await/statefulset.go,
        // processStatefulSetEvent) already waits for the whole rollout. It trusts the status only at
        // the current observedGeneration and then requires status.currentRevision ==
        // status.updateRevision, which the StatefulSet controller sets only once every pod runs the
        // update revision and is ready (k8s.io/kubernetes pkg/controller/statefulset/
        // stateful_set_utils.go, completeRollingUpdate), and spec.replicas == status.replicas == readyReplicas == currentReplicas.
        // (It counts ready, not available, pods: the last pod may be within its minReadySeconds of 10.)
        const statefulSet = new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: {
                    name: CLAIR_NAMES.indexer,
                    namespace: args.namespace,
                    labels: labels(id, CLAIR_NAMES.indexer),
                    annotations: { ...args.annotations, ...pod.annotations(scaling.exemptions), ...scaling.annotations },
                },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: scaling.replicas,
                    podManagementPolicy: "Parallel",
                    // No rollingUpdate.maxUnavailable: API servers without the MaxUnavailableStatefulSet
                    // feature gate (off in 1.33 and on most OpenShift releases) drop it, and every
                    // preview would propose it again. One pod at a time is the default anyway.
                    updateStrategy: { type: "RollingUpdate" },
                    minReadySeconds: 10,
                    selector: { matchLabels: selectorLabels(id) },
                    template: {
                        metadata: pod.metadata(labels(id), args.podAnnotations),
                        spec: pod.spec,
                    },
                    volumeClaimTemplates: pod.claimTemplates({ labels: labels(id), storageClass: args.storageClass }),
                    // The claims hold only transient layers: drop them with the pods.
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" },
                },
            },
            { ...childOpts, ...scaling.options, dependsOn: args.after },
        );
        if (args.autoscaling)
            horizontalAutoscaler(name, id, args.namespace, { kind: "StatefulSet", name: CLAIR_NAMES.indexer }, args.autoscaling, "clair.indexer", {
                ...childOpts,
                dependsOn: [statefulSet],
            });

        this.capacity = [
            pod.capacity({
                name: CLAIR_NAMES.indexer,
                app: "clair",
                kind: "StatefulSet",
                replicas: scaling.replicas,
                maxReplicas: args.autoscaling?.maxReplicas,
            }),
        ];
        this.serviceName = service.metadata.name;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
