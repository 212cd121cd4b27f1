/**
 * The user's partial Clair config (config clair.configOverrides): the keys Clair's config reads,
 * the keys the program owns, and the merge into the rendered documents.
 */

/** A struct's keys; "map": a mapping of any keys; "value": a scalar or a list. */
export type ClairKeyTree = { [key: string]: ClairKeyTree | "map" | "value" };

/** A TLS client's files, under each OpenTelemetry exporter. */
const CLIENT_TLS_KEYS: ClairKeyTree = {
    cert: "value",
    key: "value",
    root_ca: "value",
};

/** The OpenTelemetry exporter settings, the same struct under metrics and under trace. */
const OTLP_KEYS: ClairKeyTree = {
    grpc: {
        client_tls: CLIENT_TLS_KEYS,
        compression: "value",
        endpoint: "value",
        headers: "map",
        insecure: "value",
        reconnect: "value",
        service_config: "value",
        timeout: "value",
    },
    http: {
        client_tls: CLIENT_TLS_KEYS,
        compression: "value",
        endpoint: "value",
        headers: "map",
        insecure: "value",
        timeout: "value",
        url_path: "value",
    },
};

/**
 * Every key Clair v4.8.0's strict decoder accepts (github.com/quay/clair/config v1.4.1, as
 * encoding/json reads config.Config); any other makes Clair refuse to start. The real lane
 * compares this with `tools/clair-config-check --keys`, which reflects over Clair's own types.
 */
export const CLAIR_CONFIG_KEYS: ClairKeyTree = {
    auth: {
        keyserver: {
            api: "value",
            intraservice: "value",
        },
        psk: {
            iss: "value",
            key: "value",
        },
    },
    http_listen_addr: "value",
    indexer: {
        airgap: "value",
        connstring: "value",
        index_report_request_concurrency: "value",
        layer_scan_concurrency: "value",
        migrations: "value",
        scanlock_retry: "value",
        scanner: {
            dist: "map",
            package: "map",
            repo: "map",
        },
    },
    introspection_addr: "value",
    log_level: "value",
    matcher: {
        cache_age: "value",
        connstring: "value",
        disable_updaters: "value",
        indexer_addr: "value",
        max_conn_pool: "value",
        migrations: "value",
        period: "value",
        update_retention: "value",
    },
    matchers: {
        config: "map",
        names: "value",
    },
    metrics: {
        name: "value",
        otlp: OTLP_KEYS,
        prometheus: {
            endpoint: "value",
        },
    },
    notifier: {
        amqp: {
            callback: "value",
            direct: "value",
            exchange: {
                auto_delete: "value",
                durability: "value",
                name: "value",
                type: "value",
            },
            rollup: "value",
            routing_key: "value",
            tls: {
                cert: "value",
                key: "value",
                root_ca: "value",
            },
            uris: "value",
        },
        connstring: "value",
        delivery_interval: "value",
        disable_summary: "value",
        indexer_addr: "value",
        matcher_addr: "value",
        migrations: "value",
        poll_interval: "value",
        stomp: {
            callback: "value",
            destination: "value",
            direct: "value",
            rollup: "value",
            tls: {
                cert: "value",
                key: "value",
                root_ca: "value",
            },
            uris: "value",
            user: {
                login: "value",
                passcode: "value",
            },
        },
        webhook: {
            callback: "value",
            headers: "map",
            signed: "value",
            target: "value",
        },
    },
    tls: {
        cert: "value",
        key: "value",
        root_ca: "value",
    },
    trace: {
        jaeger: {
            agent: {
                endpoint: "value",
            },
            buffer_max: "value",
            collector: {
                endpoint: "value",
                password: "value",
                username: "value",
            },
            service_name: "value",
            tags: "map",
        },
        name: "value",
        otlp: OTLP_KEYS,
        probability: "value",
        sentry: {
            dsn: "value",
            environment: "value",
        },
    },
    updaters: {
        config: "map",
        filter: "value",
        sets: "value",
    },
};

/**
 * Keys the program writes or depends on: an override may not set them (nor anything under them),
 * each with what to change instead. Everything else Clair reads is the user's.
 */
export const CLAIR_OWNED_KEYS: Record<string, string> = {
    http_listen_addr: "the program's address: the Services, routes and NetworkPolicy send the API to port 8080",
    introspection_addr: "the program's address: the probes and the PodMonitor use port 8089",
    log_level: "set by clair.logLevel",
    tls: "the program's: the routes terminate TLS and the probes and Services speak plain HTTP to the pods",
    auth: "the program's: the PSK Quay and clairctl sign with (clairPsk, or generated)",
    metrics: "the program's: the PodMonitor and the alerts read Prometheus metrics at the introspection port",
    "indexer.connstring": "the program's connection string: the indexer database's address, password and the pool plan's pool_max_conns",
    "indexer.migrations": "the program's: the pods run the migrations the upgrade Jobs rely on",
    "indexer.scanlock_retry": "set by clair.indexer.scanlockRetry",
    "indexer.layer_scan_concurrency": "set by clair.indexer.layerScanConcurrency",
    "indexer.index_report_request_concurrency": "set by clair.indexer.indexReportRequestConcurrency",
    "indexer.airgap": "set by clair.disconnected.enabled",
    "matcher.connstring": "the program's connection string: the matcher database's address, password and the pool plan's pool_max_conns",
    "matcher.migrations": "the program's: the pods run the migrations the upgrade Jobs rely on",
    "matcher.indexer_addr": "the program's address of the indexer Service",
    "matcher.period": "set by clair.matcher.period",
    "matcher.update_retention": "set by clair.matcher.updateRetention",
    "matcher.disable_updaters": "set by clair.disconnected.enabled or clair.updaters.dedicated",
    "matcher.max_conn_pool": "the pool size is the pool plan's, in the connection string (and Clair ignores this key)",
    "notifier.connstring": "the program's connection string: the notifier database's address, password and the pool plan's pool_max_conns",
    "notifier.migrations": "the program's: the pods run the migrations the upgrade Jobs rely on",
    "notifier.indexer_addr": "the program's address of the indexer Service",
    "notifier.matcher_addr": "the program's address of the matcher Service",
    "notifier.poll_interval": "set by clair.notifier.pollInterval",
    "notifier.delivery_interval": "set by clair.notifier.deliveryInterval",
    "notifier.webhook.target": "set by clair.notifier.webhookTarget",
    "notifier.webhook.callback": "set by clair.notifier.webhookCallback",
    "updaters.sets": "set by clair.updaters.sets",
    "updaters.config": "set by clair.updaters.config",
};

export interface OverrideProblem {
    /** Where in the override, as keys from its top. */
    path: string[];
    message: string;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What in `override` Clair would refuse, or the program owns; empty when it may be merged. */
export function overrideProblems(override: Record<string, unknown>, tree: ClairKeyTree = CLAIR_CONFIG_KEYS, at: string[] = []): OverrideProblem[] {
    const problems: OverrideProblem[] = [];
    for (const [key, value] of Object.entries(override)) {
        const path = [...at, key];
        const dotted = path.join(".");
        const owned = CLAIR_OWNED_KEYS[dotted];
        if (owned) {
            problems.push({ path, message: `is a key this program owns and cannot be overridden: ${owned}` });
            continue;
        }
        const node = tree[key];
        if (node === undefined) {
            // encoding/json matches keys in any case, so Clair would read this one as the key it spells.
            const sameInOtherCase = Object.keys(tree).find((k) => k.toLowerCase() === key.toLowerCase());
            const where = at.length ? `Clair's ${at.join(".")} section` : "the top of Clair's config";
            problems.push({
                path,
                message: sameInOtherCase
                    ? `must be spelt ${[...at, sameInOtherCase].join(".")} (Clair reads keys in any case, this program only as Clair documents them)`
                    : `is not a key Clair 4.8.0 reads, and Clair refuses to start on a file with one; keys of ${where}: ${Object.keys(tree).sort().join(", ")}`,
            });
            continue;
        }
        if (node === "value") continue;
        if (!isMapping(value)) {
            problems.push({
                path,
                message: node === "map" ? "must be a mapping" : `must be a mapping of Clair's ${dotted} keys (${Object.keys(node).sort().join(", ")})`,
            });
            continue;
        }
        if (node !== "map") problems.push(...overrideProblems(value, node, path));
    }
    return problems;
}

/** `base` with `override` merged in: mappings key by key, anything else replaced. */
export function mergeOverride<T extends object>(base: T, override: Record<string, unknown>): T {
    const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(override)) {
        const current = merged[key];
        merged[key] = isMapping(current) && isMapping(value) ? mergeOverride(current, value) : value;
    }
    return merged as T;
}
