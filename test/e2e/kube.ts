/**
 * What the lane waits for in live objects between steps.
 */

/**
 * A Deployment the controller has finished with: it has seen the latest spec, and every pod it
 * wants is updated and available, with none left over (a scale-down's terminating pods are out
 * of status.replicas). Until then pulumi-kubernetes reads it as not ready ("Refreshed resource is
 * in an unhealthy state"), and the engine proposes an update of it with no field changed, so a
 * refreshed preview taken mid-scale is not a drift check of the fields.
 */
export function deploymentSettled(deployment: any): boolean {
    const want = deployment.spec?.replicas ?? 1;
    const status = deployment.status ?? {};
    const available = (status.conditions ?? []).some((c: any) => c.type === "Available" && c.status === "True");
    return (
        (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
        (status.replicas ?? 0) === want &&
        (status.updatedReplicas ?? 0) === want &&
        (status.availableReplicas ?? 0) === want &&
        available
    );
}
