import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { labels, type AppIdentity } from "./labels";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface PortRule {
    ports: number[];
    protocol?: "TCP" | "UDP";
    /** Who may connect (ingress) or be reached (egress); anyone when omitted. */
    peers?: Peer[];
}

export interface NetworkRules {
    /** Pods the policy applies to. */
    podSelector: Record<string, string>;
    ingress: PortRule[];
    egress: PortRule[];
}

/** The TCP port an http(s) URL connects to: its own, or the scheme's default. */
export function urlPort(url: string | URL): number {
    const parsed = typeof url === "string" ? new URL(url) : url;
    return Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
}

/** Name resolution, which every pod needs, wherever the cluster runs its DNS. */
export const DNS: PortRule[] = [
    { ports: [53], protocol: "UDP" },
    { ports: [53], protocol: "TCP" },
];

/**
 * A NetworkPolicy that allows only the listed ports, in both directions: anything not listed
 * is dropped once the cluster enforces policies.
 */
/** `name` is the resource's logical name (derived from its component's); `objectName` the Kubernetes name, `name` by default. */
export function allowOnly(
    name: string,
    id: AppIdentity,
    namespace: pulumi.Input<string>,
    rules: NetworkRules,
    opts: pulumi.CustomResourceOptions,
    objectName = name,
): k8s.networking.v1.NetworkPolicy {
    const toRule = (rule: PortRule, direction: "from" | "to") => ({
        ports: rule.ports.map((port) => ({ port, protocol: rule.protocol ?? "TCP" })),
        ...(rule.peers ? { [direction]: rule.peers } : {}),
    });
    return new k8s.networking.v1.NetworkPolicy(
        name,
        {
            metadata: { name: objectName, namespace, labels: labels(id) },
            spec: {
                podSelector: { matchLabels: rules.podSelector },
                policyTypes: ["Ingress", "Egress"],
                // An empty list means "deny all" in a listed direction; the API server stores it as
                // absent, so it is left out here too, or every apply would look like a change.
                ...(rules.ingress.length ? { ingress: rules.ingress.map((r) => toRule(r, "from")) } : {}),
                ...(rules.egress.length ? { egress: rules.egress.map((r) => toRule(r, "to")) } : {}),
            },
        },
        opts,
    );
}
