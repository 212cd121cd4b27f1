/**
 * Prometheus Operator objects (monitoring.coreos.com/v1), typed: PodMonitors and PrometheusRules.
 * Each app's component creates its own, in its own namespace: OpenShift's user-workload
 * monitoring ignores namespace selectors, so a monitor only sees pods in its own namespace.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AlertGroup } from "../../lib/alerts";
import { labels, type AppIdentity } from "./labels";
import type { PortRule } from "./network-policy";

export const MONITORING_API_VERSION = "monitoring.coreos.com/v1";

/** One scrape endpoint of a PodMonitor: a named container port. */
export interface PodMetricsEndpoint {
    port: string;
    path: string;
    interval: string;
    scheme: "http" | "https";
}

/** A label selector as Kubernetes takes it (only the In operator is used here). */
export interface PodSelector {
    matchLabels: Record<string, string>;
    matchExpressions?: { key: string; operator: "In"; values: string[] }[];
}

export interface PodMonitorSpec {
    selector: PodSelector;
    podMetricsEndpoints: PodMetricsEndpoint[];
}

export interface PrometheusRuleSpec {
    groups: AlertGroup[];
}

/** The Prometheus that scrapes: its namespace and its pods' labels. */
export interface Scraper {
    namespace: string;
    podLabels: Record<string, string>;
}

/** What an app needs to know about monitoring; absent means none of it, and so does each absent part. */
export interface MonitoringArgs {
    /**
     * PodMonitors, and the scrape targets they need (such as an exporter sidecar); the scraper is
     * admitted to the metrics ports by the NetworkPolicies. None when absent.
     */
    podMonitors?: { scraper: Scraper };
    /** The PrometheusRule with the app's alerts, each linking to its runbook under runbookBaseUrl (docs/operations.md's address). None when absent. */
    rules?: { runbookBaseUrl: string };
}

/** The NetworkPolicy peer of the scraper: its pods, in its namespace (both must match). */
export function scraperPeer(scraper: Scraper): k8s.types.input.networking.v1.NetworkPolicyPeer {
    return {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": scraper.namespace } },
        podSelector: { matchLabels: scraper.podLabels },
    };
}

/** The ingress rule that lets only the scraper reach `ports`, or none when nothing is scraped. */
export function scrapeIngress(monitoring: MonitoringArgs | undefined, ports: number[]): PortRule[] {
    return monitoring?.podMonitors ? [{ ports, peers: [scraperPeer(monitoring.podMonitors.scraper)] }] : [];
}

/** A PodMonitor scraping `port` on the selected pods every 30 s. */
export function podMonitor(
    name: string,
    id: AppIdentity,
    namespace: pulumi.Input<string>,
    podSelector: PodSelector,
    ports: string[],
    opts: pulumi.CustomResourceOptions,
    objectName = name,
): k8s.apiextensions.CustomResource {
    const spec: PodMonitorSpec = {
        selector: podSelector,
        podMetricsEndpoints: ports.map((port) => ({ port, path: "/metrics", interval: "30s", scheme: "http" })),
    };
    return new k8s.apiextensions.CustomResource(
        name,
        {
            apiVersion: MONITORING_API_VERSION,
            kind: "PodMonitor",
            metadata: { name: objectName, namespace, labels: labels(id) },
            spec,
        },
        opts,
    );
}

/** A PrometheusRule with the groups built for the namespace the objects live in. */
export function prometheusRule(
    name: string,
    id: AppIdentity,
    namespace: pulumi.Input<string>,
    groups: (namespace: string) => AlertGroup[],
    opts: pulumi.CustomResourceOptions,
    objectName = name,
): k8s.apiextensions.CustomResource {
    const spec: pulumi.Output<PrometheusRuleSpec> = pulumi.output(namespace).apply((ns) => ({ groups: groups(ns) }));
    return new k8s.apiextensions.CustomResource(
        name,
        {
            apiVersion: MONITORING_API_VERSION,
            kind: "PrometheusRule",
            metadata: { name: objectName, namespace, labels: labels(id) },
            spec,
        },
        opts,
    );
}
