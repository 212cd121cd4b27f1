import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { UPDATER_PODS } from "../../lib/clair-pools";
import { singleReplicaExemptions } from "../shared/exemptions";
import { labels, selectorLabels, type AppIdentity } from "../shared/labels";
import { rolloutCompleteAnnotation } from "../shared/rollout";
import { clairPod, UPDATER_CONFIG_FILE, type ClairPodBase } from "./pod";

/** The dedicated updater's pods: Clair's, but not the matcher Service's. */
export const updaterIdentity: AppIdentity = { name: "clair", component: "updater", partOf: "clair" };
export const UPDATER_NAME = "clair-updater";

export interface ClairUpdaterArgs extends ClairPodBase {
    /** Namespace of the clair-updater Deployment: Clair's, where its config Secret is. */
    namespace: pulumi.Input<string>;
    /** Pod-template annotations: the config checksum. */
    podAnnotations: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Workload annotations: the matcher database and pool size (read by the policy pack). */
    annotations: Record<string, string>;
    /** Resources that must complete before the Deployment changes: the pre-upgrade Job, when there is one. */
    after?: pulumi.Resource[];
}

/**
 * The one pod that runs Clair's updaters when every matcher runs with disable_updaters: a
 * matcher process reading the updater config file (the matchers' file with the updaters on).
 * No Service selects it; it writes the vulnerability data into the matcher database, which the
 * matchers serve from.
 */
export class ClairUpdater extends pulumi.ComponentResource {
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: ClairUpdaterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:Updater", name, {}, opts);
        const { namespace, podAnnotations, annotations, after, ...base } = args;
        const pod = clairPod({ ...base, mode: "matcher", configFile: UPDATER_CONFIG_FILE, identity: updaterIdentity });
        const exemptions = singleReplicaExemptions(
            UPDATER_PODS,
            "one pod runs the updaters; a second would only wait on the first's locks, and a pause while it is replaced delays an update run, which serves no request",
        );
        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: {
                    name: UPDATER_NAME,
                    namespace,
                    labels: labels(updaterIdentity, UPDATER_NAME),
                    annotations: {
                        ...annotations,
                        ...pod.annotations(exemptions),
                        // The same rule as the matcher's and the notifier's (components/shared/rollout.ts): the
                        // post-upgrade Job waits for this Deployment's rollout to be complete. Pulumi's own
                        // await happens to suffice for Recreate (the new ReplicaSet starts at the full count,
                        // after the old pod is gone); the fixed count is what keeps this wait from ending
                        // on the status written right after the old pod is scaled down.
                        ...rolloutCompleteAnnotation(UPDATER_PODS),
                    },
                },
                spec: {
                    replicas: UPDATER_PODS,
                    // The old pod stops before the new one starts: the pool plan counts one updater pod.
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selectorLabels(updaterIdentity) },
                    template: { metadata: pod.metadata(labels(updaterIdentity), podAnnotations), spec: pod.spec },
                },
            },
            { parent: this, dependsOn: after },
        );
        this.capacity = [pod.capacity({ name: UPDATER_NAME, app: "clair", kind: "Deployment", replicas: UPDATER_PODS })];
        this.registerOutputs({});
    }
}
