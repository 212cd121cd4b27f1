import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformDashboard } from "../../lib/dashboard";
import { labels } from "../shared/labels";

/** The ConfigMap that holds the dashboard. */
export const DASHBOARD_CONFIGMAP = "scanning-platform-dashboard";

export interface PlatformDashboardArgs {
    /** The namespace of the ConfigMap: the platform's (the sidecar watches the namespaces it is told to). */
    namespace: pulumi.Input<string>;
    /** Labels the Grafana sidecar looks for on dashboard ConfigMaps (e.g. grafana_dashboard: "1"). */
    sidecarLabels: Record<string, string>;
}

/** The platform's Grafana dashboard, in a ConfigMap that Grafana's dashboard sidecar loads. */
export class PlatformDashboard extends pulumi.ComponentResource {
    readonly configMapName: pulumi.Output<string>;

    constructor(name: string, args: PlatformDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:monitoring:Dashboard", name, {}, opts);
        const configMap = new k8s.core.v1.ConfigMap(
            name,
            {
                metadata: {
                    name: DASHBOARD_CONFIGMAP,
                    namespace: args.namespace,
                    labels: { ...labels({ name: "scanning-platform", component: "dashboard" }), ...args.sidecarLabels },
                },
                data: { "scanning-platform.json": JSON.stringify(platformDashboard(), null, 2) },
            },
            { parent: this },
        );
        this.configMapName = configMap.metadata.name;
        this.registerOutputs({ configMapName: this.configMapName });
    }
}
