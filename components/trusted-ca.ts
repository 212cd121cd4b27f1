import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "./shared/labels";
import type { TrustedCa } from "./shared/trusted-ca";

/** OpenShift's cluster network operator fills ConfigMaps with this label (key ca-bundle.crt). */
export const INJECT_TRUSTED_CABUNDLE_LABEL = "config.openshift.io/inject-trusted-cabundle";
/** The ConfigMap the program creates for injection. */
export const INJECTED_CA_CONFIGMAP = "trusted-ca-bundle";

export interface TrustedCaBundleArgs {
    /** The namespace of the ConfigMap: the platform's, where the pods that mount it run. */
    namespace: pulumi.Input<string>;
    /**
     * "openshift-injected": an empty ConfigMap labelled for OpenShift's injection of the cluster's
     * trust bundle (system roots plus the proxy's additional trust bundle) under `key`.
     * "existing": a ConfigMap the cluster's admins keep in the namespace.
     */
    source: { kind: "openshift-injected"; key: string } | { kind: "existing"; configMap: string; key: string };
}

/**
 * The trusted CA bundle the updaters mount (config `trustedCA`). With OpenShift's injection the
 * ConfigMap is created without `data`: the provider's server-side apply then never claims the
 * `data` field the cluster network operator writes, and its diff compares only the fields the
 * program set (pulumi-kubernetes v4.32 provider.go: the live object is pruned to the shape of the
 * inputs), so neither `up` nor `refresh` fights the operator.
 */
export class TrustedCaBundle extends pulumi.ComponentResource {
    readonly bundle: TrustedCa;

    constructor(name: string, args: TrustedCaBundleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:kubernetes:TrustedCaBundle", name, {}, opts);
        const source = args.source;
        if (source.kind === "openshift-injected") {
            const configMap = new k8s.core.v1.ConfigMap(
                name,
                {
                    metadata: {
                        name: INJECTED_CA_CONFIGMAP,
                        namespace: args.namespace,
                        labels: { ...labels({ name: "trusted-ca", component: "ca-bundle" }), [INJECT_TRUSTED_CABUNDLE_LABEL]: "true" },
                    },
                },
                { parent: this },
            );
            this.bundle = { configMapName: configMap.metadata.name, key: source.key };
        } else {
            this.bundle = { configMapName: source.configMap, key: source.key };
        }
        this.registerOutputs({ configMapName: this.bundle.configMapName });
    }
}
