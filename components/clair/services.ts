import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { labels, selectorLabels, type AppIdentity } from "../shared/labels";
import { HTTP_PORT, INTROSPECTION_PORT } from "./pod";

/** The ClusterIP Service of one Clair node type: API on 8080, introspection on 8089. `name` is logical, `objectName` the Service's. */
export function clairService(
    name: string,
    id: AppIdentity,
    namespace: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
    headless = false,
    objectName = name,
): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        name,
        {
            metadata: { name: objectName, namespace, labels: labels(id) },
            spec: {
                ...(headless ? { clusterIP: "None", publishNotReadyAddresses: true } : {}),
                selector: selectorLabels(id),
                ports: [
                    { name: "http", port: HTTP_PORT, targetPort: "http" },
                    { name: "introspection", port: INTROSPECTION_PORT, targetPort: "introspection" },
                ],
            },
        },
        opts,
    );
}
