import type * as k8s from "@pulumi/kubernetes";
import type { FreshclamProxy } from "../../lib/clamav-conf";
import { urlPort } from "./network-policy";

/** The cluster's egress proxy (config `proxy`): what Clair, freshclam and Malwar reach the internet through. */
export interface EgressProxy {
    /** http(s)://host:port, for http:// requests */
    httpProxy?: string;
    /** http(s)://host:port, for https:// requests */
    httpsProxy?: string;
    /** Hosts, domains (.example.com) and networks that bypass the proxy, besides the cluster's own. */
    noProxy: string[];
}

/** Never through the proxy: the pod itself and the cluster's Services (short names, .svc names). */
const CLUSTER_HOSTS = ["localhost", "127.0.0.1", ".svc", ".cluster.local"];

/**
 * HTTP_PROXY, HTTPS_PROXY and NO_PROXY as Go's net/http (Clair) and Python's httpx (Malwar) read
 * them, with the Services the pods call by short name (`inClusterHosts`) and the cluster's own
 * names in NO_PROXY. httpx takes no networks there: a CIDR exempts only its first address.
 */
export function proxyEnv(proxy: EgressProxy | undefined, inClusterHosts: string[]): k8s.types.input.core.v1.EnvVar[] {
    if (!proxy || (!proxy.httpProxy && !proxy.httpsProxy)) return [];
    const noProxy = [...new Set([...CLUSTER_HOSTS, ...inClusterHosts, ...proxy.noProxy])];
    return [
        ...(proxy.httpProxy ? [{ name: "HTTP_PROXY", value: proxy.httpProxy }] : []),
        ...(proxy.httpsProxy ? [{ name: "HTTPS_PROXY", value: proxy.httpsProxy }] : []),
        { name: "NO_PROXY", value: noProxy.join(",") },
    ];
}

/** The proxies' ports, for the NetworkPolicies' egress. */
export function proxyPorts(proxy: EgressProxy | undefined): number[] {
    return [proxy?.httpProxy, proxy?.httpsProxy].filter((u): u is string => !!u).map((u) => urlPort(u));
}

/** freshclam's proxy (one for all its requests: the CDN is https, so the https one first). */
export function freshclamProxy(proxy: EgressProxy | undefined): FreshclamProxy | undefined {
    const chosen = proxy?.httpsProxy ?? proxy?.httpProxy;
    if (!chosen) return undefined;
    const url = new URL(chosen);
    return { server: `${url.protocol}//${url.hostname}`, port: urlPort(url) };
}
