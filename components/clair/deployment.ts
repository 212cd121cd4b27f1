import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { ROLLING_SURGE } from "../../lib/clair-config";
import { onePodAtATime } from "../shared/disruption";
import { singleReplicaExemptions } from "../shared/exemptions";
import { labels, selectorLabels } from "../shared/labels";
import { clairIdentity, clairPod, type ClairWorkloadArgs } from "./pod";
import { clairService } from "./services";

export interface ClairDeploymentArgs extends ClairWorkloadArgs {
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
        const objectName = `clair-${args.mode}`;
        const id = clairIdentity(args.mode);
        const childOpts = { parent: this };
        const pod = clairPod({
            mode: args.mode,
            image: args.image,
            resources: args.resources,
            runAsUser: args.runAsUser,
            configSecretName: args.configSecretName,
            caConfigMapName: args.caConfigMapName,
            trustedCa: args.trustedCa,
            priorityClassName: args.priorityClassName,
            podSettings: args.podSettings,
            startupMinutes: args.startupMinutes,
            extraEnv: args.extraEnv,
            serviceAccountName: args.serviceAccountName,
        });
        const workloadExemptions = singleReplicaExemptions(args.replicas, `this stack runs one ${args.mode} (stage: the seed's capacity); more replicas are a config change`);

        const service = clairService(name, id, args.namespace, childOpts, false, objectName);
        onePodAtATime(name, id, args.namespace, childOpts, objectName);

        new k8s.apps.v1.Deployment(name, {
            metadata: { name: objectName, namespace: args.namespace, labels: labels(id, objectName), annotations: { ...args.annotations, ...pod.annotations(workloadExemptions) } },
            spec: {
                replicas: args.replicas,
                minReadySeconds: 10,
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: ROLLING_SURGE } },
                selector: { matchLabels: selectorLabels(id) },
                template: {
                    metadata: pod.metadata(labels(id), args.podAnnotations),
                    spec: pod.spec,
                },
            },
        }, { ...childOpts, dependsOn: args.after });

        this.capacity = [pod.capacity({ name: objectName, app: "clair", kind: "Deployment", replicas: args.replicas })];
        this.serviceName = service.metadata.name;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
