/**
 * Clair's one config file for all three node types, as a typed object. Only keys Clair's
 * strict decoder accepts (quay/clair config package, >= 4.7 refuses unknown keys).
 */
import { stringify } from "yaml";

/** Workload annotations that tie a Clair workload to its database; the policy pack (which owns the names) reads them. */
export { DATABASE_ANNOTATION, POOL_ANNOTATION } from "../policy/lib/clair-annotations";

export interface ClairConnection {
    host: string;
    port: number;
    dbName: string;
    user: string;
    password: string;
    sslMode: string;
    /** Path of a mounted CA bundle, for verify-ca / verify-full. */
    sslRootCert?: string;
    poolMaxConns: number;
}

export interface ClairConfigInput {
    logLevel: string;
    httpPort: number;
    introspectionPort: number;
    indexer: { connection: ClairConnection; layerScanConcurrency: number };
    matcher: { connection: ClairConnection; period: string };
    notifier: { connection: ClairConnection; pollInterval: string; deliveryInterval: string; webhook?: { target: string; callback: string } };
    /** http URLs of the in-cluster Services, with a trailing slash. */
    indexerAddr: string;
    matcherAddr: string;
    pskBase64: string;
    pskIssuers: string[];
}

export interface ClairConfigDocument {
    http_listen_addr: string;
    introspection_addr: string;
    log_level: string;
    indexer: { connstring: string; migrations: boolean; scanlock_retry: number; layer_scan_concurrency: number };
    matcher: { connstring: string; migrations: boolean; indexer_addr: string; period: string };
    notifier: {
        connstring: string;
        migrations: boolean;
        indexer_addr: string;
        matcher_addr: string;
        poll_interval: string;
        delivery_interval: string;
        webhook?: { target: string; callback: string };
    };
    auth: { psk: { key: string; iss: string[] } };
    metrics: { name: "prometheus" };
}

/** libpq keyword/value connstring; values are quoted so a password can hold any character. */
export function connstring(c: ClairConnection): string {
    const quote = (v: string | number) => {
        const text = String(v);
        return /^[A-Za-z0-9_.\/:-]+$/.test(text) ? text : `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    };
    const pairs: [string, string | number][] = [
        ["host", c.host],
        ["port", c.port],
        ["dbname", c.dbName],
        ["user", c.user],
        ["password", c.password],
        ["sslmode", c.sslMode],
        ...(c.sslRootCert ? [["sslrootcert", c.sslRootCert] as [string, string]] : []),
        ["pool_max_conns", c.poolMaxConns],
    ];
    return pairs.map(([k, v]) => `${k}=${quote(v)}`).join(" ");
}

export function clairConfigDocument(input: ClairConfigInput): ClairConfigDocument {
    return {
        http_listen_addr: `:${input.httpPort}`,
        introspection_addr: `:${input.introspectionPort}`,
        log_level: input.logLevel,
        indexer: {
            connstring: connstring(input.indexer.connection),
            migrations: true,
            scanlock_retry: 10,
            layer_scan_concurrency: input.indexer.layerScanConcurrency,
        },
        matcher: {
            connstring: connstring(input.matcher.connection),
            migrations: true,
            indexer_addr: input.indexerAddr,
            period: input.matcher.period,
        },
        notifier: {
            connstring: connstring(input.notifier.connection),
            migrations: true,
            indexer_addr: input.indexerAddr,
            matcher_addr: input.matcherAddr,
            poll_interval: input.notifier.pollInterval,
            delivery_interval: input.notifier.deliveryInterval,
            ...(input.notifier.webhook ? { webhook: input.notifier.webhook } : {}),
        },
        auth: { psk: { key: input.pskBase64, iss: input.pskIssuers } },
        metrics: { name: "prometheus" },
    };
}

export function renderClairConfig(input: ClairConfigInput): string {
    return stringify(clairConfigDocument(input));
}

export type ClairMode = "indexer" | "matcher" | "notifier";
export { CLAIR_MODES, MIN_POOL, planPools, poolMaxConns, ROLLING_SURGE, type PoolPlan, type PoolSettings } from "../components/clair/pools";
