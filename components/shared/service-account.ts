import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { labels, type AppIdentity } from "./labels";

/**
 * An app's own ServiceAccount, so that its pods do not run as the namespace's `default` account
 * (which other workloads, or a later RoleBinding, may share). No token is mounted: these pods
 * never call the API server; the pods say so too (podTemplate sets automountServiceAccountToken false).
 */
export function appServiceAccount(
    name: string,
    args: { objectName: string; namespace: pulumi.Input<string>; identity: AppIdentity },
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ServiceAccount {
    return new k8s.core.v1.ServiceAccount(
        name,
        {
            metadata: { name: args.objectName, namespace: args.namespace, labels: labels(args.identity) },
            automountServiceAccountToken: false,
        },
        opts,
    );
}
