/**
 * When `pulumi up` may call a Deployment's update done: only once its rollout is complete.
 *
 * pulumi-kubernetes 4.x (v4.32.0, provider/pkg/await/deployment.go, checkReplicaSetStatus) counts
 * an apps/v1 Deployment's new ReplicaSet as done when its status.readyReplicas reaches that
 * ReplicaSet's live spec.replicas. In a rolling update with maxSurge 1 and maxUnavailable 0 the
 * new ReplicaSet starts at spec.replicas 1, so that check passes at its first ready pod, with old
 * pods still serving; the Deployment's own Available and Progressing conditions, which the await
 * also reads (processDeploymentEvent), are taken without checking status.observedGeneration for
 * apps/v1. The await ended mid-rollout, and what depends on the Deployment started early: the
 * Clair `admin post` Job (components/clair/upgrade.ts) ran while the matcher had one new pod of two.
 *
 * `pulumi.com/waitFor` replaces that await (provider/pkg/metadata/overrides.go, ReadyCondition:
 * a JSON array of expressions, all of which must hold on the same observed object; each
 * `jsonpath=` expression first waits for status.observedGeneration to reach metadata.generation,
 * await/condition/jsonpath.go). The expressions restate the deployment controller's
 * DeploymentComplete (k8s.io/kubernetes v1.33 pkg/controller/deployment/util/deployment_util.go):
 * updatedReplicas == replicas == status.replicas, availableReplicas == replicas, and
 * observedGeneration >= generation. When a rollout reaches that state, syncRolloutStatus
 * (pkg/controller/deployment/progress.go) sets the Progressing condition's reason to
 * NewReplicaSetAvailable; getNewReplicaSet (sync.go) sets it to NewReplicaSetCreated when it
 * creates the ReplicaSet of a changed pod template, so the previous rollout's reason does not
 * carry over. Both need spec.progressDeadlineSeconds, which the API server defaults to 600 (the
 * program sets none): without one the controller removes the Progressing condition and the wait
 * would never end.
 *
 * The reason alone can be stale, though. The controller writes observedGeneration with the old
 * NewReplicaSetAvailable reason still in place when it reuses an existing ReplicaSet (a pod
 * template rolled back to an earlier one), when a Recreate Deployment (the dedicated updater)
 * has only scaled its old pods down, and when a replica-count change arrives with a template
 * change (a scaling event: sync() scales before any new ReplicaSet exists). The status written
 * then still counts the old pods as available, so Available can be True as well. With a fixed
 * replica count the expressions therefore also require the new ReplicaSet to hold every pod
 * (status.updatedReplicas, status.replicas and status.availableReplicas equal to the count),
 * which no such stale status shows.
 *
 * With a HorizontalPodAutoscaler the count is the autoscaler's to change (spec.replicas is in
 * ignoreChanges, components/shared/autoscaling.ts): a fixed count in the expressions would wait
 * for as long as the autoscaler keeps another one, so only the condition and the reason are
 * required. They follow the autoscaler: a scale-up turns Available False until the new pods are
 * available (maxUnavailable 0), and the wait ends when the rollout is complete at whatever count
 * the autoscaler then sets. What remains unguarded there is the stale reason above after a
 * rollback to an earlier pod template, or an autoscaler scale-down in the same instant as the
 * update.
 */

/** The annotation pulumi-kubernetes reads instead of its own Deployment await. */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";

/**
 * The `pulumi.com/waitFor` annotation for a Deployment: its rollout complete. `fixedReplicas` is
 * the count Pulumi sets; leave it out when an autoscaler owns spec.replicas.
 */
export function rolloutCompleteAnnotation(fixedReplicas?: number): Record<string, string> {
    // The API server omits a zero count from the status: `{.status.replicas}=0` would select nothing.
    if (fixedReplicas !== undefined && !(Number.isInteger(fixedReplicas) && fixedReplicas > 0))
        throw new Error(`a rollout-complete wait needs a positive replica count, got ${fixedReplicas}`);
    const expressions = [
        "condition=Available",
        'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}=NewReplicaSetAvailable',
        ...(fixedReplicas === undefined
            ? []
            : ["updatedReplicas", "replicas", "availableReplicas"].map((field) => `jsonpath={.status.${field}}=${fixedReplicas}`)),
    ];
    return { [WAIT_FOR_ANNOTATION]: JSON.stringify(expressions) };
}
