import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "./shared/labels";

export interface OpenshiftSccGrantArgs {
    /** The namespace of the ServiceAccounts and of the RoleBinding. */
    namespace: pulumi.Input<string>;
    /**
     * The SecurityContextConstraints to grant, by name. OpenShift ships a ClusterRole
     * `system:openshift:scc:<name>` for each default SCC that allows `use` of it and nothing else.
     */
    scc: string;
    /** The ServiceAccounts whose pods may be admitted under it. */
    serviceAccounts: pulumi.Input<string>[];
}

/**
 * Lets the program's ServiceAccounts use one OpenShift SCC in their own namespace: a RoleBinding to
 * the SCC's ClusterRole. Creating it needs the right to bind that ClusterRole (RBAC's escalation
 * check: the `use` verb on the SCC, or `bind` on the role), which a namespace admin does not have
 * by default: a cluster admin runs the first `pulumi up`, or grants `bind` beforehand.
 */
export class OpenshiftSccGrant extends pulumi.ComponentResource {
    readonly roleBindingName: pulumi.Output<string>;

    constructor(name: string, args: OpenshiftSccGrantArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:openshift:SccGrant", name, {}, opts);
        const binding = new k8s.rbac.v1.RoleBinding(
            name,
            {
                metadata: {
                    name: `scc-${args.scc}`,
                    namespace: args.namespace,
                    labels: platformLabels(),
                },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `system:openshift:scc:${args.scc}` },
                subjects: args.serviceAccounts.map((sa) => ({ kind: "ServiceAccount", name: sa, namespace: args.namespace })),
            },
            { parent: this },
        );
        this.roleBindingName = binding.metadata.name;
        this.registerOutputs({ roleBindingName: this.roleBindingName });
    }
}
