import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "../shared/labels";
import { CLAIR_MODES, CLAIR_NAMES, type ClairMode } from "../../lib/clair-pools";

export interface ClairRoutesArgs {
    /** Namespace of the Routes or the Ingress, the same as the Services'. */
    namespace: pulumi.Input<string>;
    /** The one host of the three paths; the urls output is https://<host>/<node type>. */
    host: string;
    /** "route": one OpenShift Route per path, edge TLS with the router's certificate; "ingress": one Kubernetes Ingress with the three paths. */
    exposure: "route" | "ingress";
    /** Service per path: "/indexer" -> clair-indexer, ... */
    services: Record<ClairMode, pulumi.Input<string>>;
    /** IngressClass of the Ingress, e.g. "nginx"; read only with exposure "ingress". */
    ingressClassName: string;
    /** TLS Secret of the Ingress for the host; read only with exposure "ingress" (the config schema requires it there). */
    tlsSecretName?: string;
}

/** Quay sends a whole layer fetch and scan in one request; the indexer path waits for it. */
export const INDEXER_TIMEOUT = "5m";

/**
 * Path routing on one host (Quay expects every Clair API on the same domain): OpenShift
 * Routes with edge TLS, or a Kubernetes Ingress with the same paths.
 */
export class ClairRoutes extends pulumi.ComponentResource {
    readonly urls: Record<ClairMode, string>;

    constructor(name: string, args: ClairRoutesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:Routes", name, {}, opts);
        const childOpts = { parent: this };

        if (args.exposure === "route") {
            for (const mode of CLAIR_MODES) {
                const id = { name: "clair", component: mode, partOf: "clair" };
                new k8s.apiextensions.CustomResource(
                    `${name}-${mode}-route`,
                    {
                        apiVersion: "route.openshift.io/v1",
                        kind: "Route",
                        metadata: {
                            name: CLAIR_NAMES[mode],
                            namespace: args.namespace,
                            labels: labels(id),
                            // The indexer answers after downloading and scanning every layer; cookies
                            // would pin the Quay client to one indexer pod.
                            ...(mode === "indexer"
                                ? {
                                      annotations: {
                                          "haproxy.router.openshift.io/timeout": INDEXER_TIMEOUT,
                                          "haproxy.router.openshift.io/disable_cookies": "true",
                                      },
                                  }
                                : {}),
                        },
                        spec: {
                            host: args.host,
                            path: `/${mode}`,
                            to: { kind: "Service", name: args.services[mode], weight: 100 },
                            port: { targetPort: "http" },
                            tls: { termination: "edge", insecureEdgeTerminationPolicy: "Redirect" },
                            wildcardPolicy: "None",
                        },
                    },
                    childOpts,
                );
            }
        } else {
            new k8s.networking.v1.Ingress(
                name,
                {
                    metadata: {
                        name: "clair",
                        namespace: args.namespace,
                        labels: labels({ name: "clair", component: "ingress", partOf: "clair" }),
                        annotations: {
                            "nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
                            "nginx.ingress.kubernetes.io/proxy-send-timeout": "300",
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                        },
                    },
                    spec: {
                        ingressClassName: args.ingressClassName,
                        tls: [{ hosts: [args.host], secretName: args.tlsSecretName }],
                        rules: [
                            {
                                host: args.host,
                                http: {
                                    paths: CLAIR_MODES.map((mode) => ({
                                        path: `/${mode}`,
                                        pathType: "Prefix",
                                        backend: { service: { name: args.services[mode], port: { name: "http" } } },
                                    })),
                                },
                            },
                        ],
                    },
                },
                childOpts,
            );
        }

        this.urls = { indexer: `https://${args.host}/indexer`, matcher: `https://${args.host}/matcher`, notifier: `https://${args.host}/notifier` };
        this.registerOutputs({ urls: this.urls });
    }
}
