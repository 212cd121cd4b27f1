import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GuaranteedResources } from "../../lib/config";
import { labels } from "../shared/labels";
import { guaranteed } from "../shared/resources";
import { podSecurityContext, restrictedContainer } from "../shared/security";

export interface ClamavRefreshArgs {
    namespace: pulumi.Input<string>;
    deploymentName: string;
    cronJobName: string;
    schedule: string;
    image: string;
    resources: GuaranteedResources;
    provider?: k8s.Provider;
}

/** The kubectl image's non-root user. */
const KUBECTL_UID = 65532;

/**
 * A CronJob that runs `kubectl rollout restart` on the ClamAV Deployment: new pods fetch fresh
 * signatures in their init containers. Its ServiceAccount may get and patch that one
 * Deployment and nothing else. `kubectl create job --from=cronjob/NAME` refreshes by hand.
 */
export class ClamavRefresh extends pulumi.ComponentResource {
    readonly cronJobName: pulumi.Output<string>;
    readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, args: ClamavRefreshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clamav:Refresh", name, {}, opts);
        const id = { name: "clamav", component: "refresh", partOf: "clamav" };
        const childOpts = { parent: this, provider: args.provider };
        const meta = { name: args.cronJobName, namespace: args.namespace, labels: labels(id) };

        const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta, automountServiceAccountToken: false }, childOpts);
        const role = new k8s.rbac.v1.Role(`${name}-role`, {
            metadata: meta,
            rules: [{ apiGroups: ["apps"], resources: ["deployments"], resourceNames: [args.deploymentName], verbs: ["get", "patch"] }],
        }, childOpts);
        new k8s.rbac.v1.RoleBinding(`${name}-binding`, {
            metadata: meta,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
        }, childOpts);

        const cronJob = new k8s.batch.v1.CronJob(`${name}-cronjob`, {
            metadata: meta,
            spec: {
                schedule: args.schedule,
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: 600,
                successfulJobsHistoryLimit: 1,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    metadata: { labels: labels(id) },
                    spec: {
                        backoffLimit: 3,
                        activeDeadlineSeconds: 600,
                        ttlSecondsAfterFinished: 86400,
                        template: {
                            metadata: { labels: labels(id) },
                            spec: {
                                serviceAccountName: account.metadata.name,
                                // The only pod of the platform that talks to the API server.
                                automountServiceAccountToken: true,
                                restartPolicy: "Never",
                                securityContext: podSecurityContext({ user: KUBECTL_UID, group: KUBECTL_UID }),
                                containers: [{
                                    name: "rollout-restart",
                                    image: args.image,
                                    command: ["kubectl", "rollout", "restart", `deployment/${args.deploymentName}`],
                                    resources: guaranteed(args.resources),
                                    securityContext: restrictedContainer({ user: KUBECTL_UID, group: KUBECTL_UID }),
                                }],
                            },
                        },
                    },
                },
            },
        }, childOpts);

        this.cronJobName = cronJob.metadata.name;
        this.serviceAccountName = account.metadata.name;
        this.registerOutputs({ cronJobName: this.cronJobName, serviceAccountName: this.serviceAccountName });
    }
}
