/**
 * Clair's one config file for all three node types, as a typed object. Only keys Clair's
 * strict decoder accepts (quay/clair config package, >= 4.7 refuses unknown keys).
 */
import { stringify } from "yaml";
import { mergeOverride } from "./clair-config-keys";

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
    /** indexReportRequestConcurrency and scanLockRetry: config/clair.ts. */
    indexer: { connection: ClairConnection; layerScanConcurrency: number; indexReportRequestConcurrency: number; scanLockRetry: number };
    /** updateRetention: update operations kept per updater by garbage collection, 0 for none collected (config/clair.ts). */
    matcher: { connection: ClairConnection; period: string; updateRetention: number };
    notifier: { connection: ClairConnection; pollInterval: string; deliveryInterval: string; webhook?: { target: string; callback: string } };
    /** http URLs of the in-cluster Services, with a trailing slash. */
    indexerAddr: string;
    matcherAddr: string;
    pskBase64: string;
    pskIssuers: string[];
    /**
     * Disconnected mode: no node type reaches the internet. The matcher runs no updaters
     * (`matcher.disable_updaters`; vulnerability data comes from `clairctl import-updaters`)
     * and the indexer fetches nothing for its scanners (`indexer.airgap`). Nothing else changes.
     */
    disconnected?: boolean;
    /**
     * Disconnected mode: where the indexer pods see Red Hat's mapping files (mounted from a
     * ConfigMap), written into the two RHEL scanners' config so they read them instead of
     * fetching them (which indexer.airgap forbids).
     */
    rhelMappingFiles?: { repo2cpe: string; name2repos: string };
    /** updaters.sets (absent: every set Clair has) and updaters.config, per updater or set name. */
    updaters?: { sets?: string[]; config: Record<string, Record<string, unknown>> };
    /**
     * The updaters run in one dedicated pod: this document turns them off in every matcher
     * (`matcher.disable_updaters`), and updaterConfigDocument is the dedicated pod's.
     */
    dedicatedUpdater?: boolean;
    /**
     * The user's partial config (clair.configOverrides), merged in last: only keys Clair reads
     * and the program does not own (lib/clair-config-keys.ts), checked by the config schema.
     */
    overrides?: Record<string, unknown>;
}

/**
 * matcher.update_retention for `updateRetention` update operations kept, 0 meaning garbage
 * collection off. Clair v4.8.0 (config/matcher.go, Matcher.validate) raises a written 0 or 1 to its
 * default, 10, and turns garbage collection off only for a negative value, so off is written as -1.
 */
export function updateRetentionField(updateRetention: number): number {
    return updateRetention === 0 ? -1 : updateRetention;
}

/**
 * The RHEL scanners that read Red Hat's mapping files, and their keys (claircore v1.5.32:
 * rhel.RepositoryScannerConfig in rhel/repositoryscanner.go, rhcc.ScannerConfig in
 * rhel/rhcc/scanner.go), under Clair's indexer.scanner.<kind>.<scanner name>. With only the
 * *_file key set, the scanner reads that file once when the indexer starts and never fetches
 * (its URL stays empty); with the *_url key too it would fetch from there once a day.
 */
export const RHEL_SCANNER_KEYS = [
    { kind: "repo", scanner: "rhel-repository-scanner", file: "repo2cpe_mapping_file", url: "repo2cpe_mapping_url" },
    { kind: "package", scanner: "rhel_containerscanner", file: "name2repos_mapping_file", url: "name2repos_mapping_url" },
] as const;

/** indexer.scanner as the program writes it: only the RHEL scanners' mapping files, in disconnected mode. */
export interface ClairScannerConfig {
    repo: { "rhel-repository-scanner": { repo2cpe_mapping_file: string } };
    package: { rhel_containerscanner: { name2repos_mapping_file: string } };
}

export interface ClairConfigDocument {
    http_listen_addr: string;
    introspection_addr: string;
    log_level: string;
    indexer: {
        connstring: string;
        migrations: boolean;
        scanlock_retry: number;
        layer_scan_concurrency: number;
        index_report_request_concurrency: number;
        airgap?: true;
        scanner?: ClairScannerConfig;
    };
    matcher: { connstring: string; migrations: boolean; indexer_addr: string; period: string; update_retention: number; disable_updaters?: true };
    updaters?: { sets?: string[]; config?: Record<string, Record<string, unknown>> };
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
        return /^[A-Za-z0-9_./:-]+$/.test(text) ? text : `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
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
    return mergeOverride(programDocument(input), input.overrides ?? {});
}

function programDocument(input: ClairConfigInput): ClairConfigDocument {
    return {
        http_listen_addr: `:${input.httpPort}`,
        introspection_addr: `:${input.introspectionPort}`,
        log_level: input.logLevel,
        indexer: {
            connstring: connstring(input.indexer.connection),
            migrations: true,
            scanlock_retry: input.indexer.scanLockRetry,
            layer_scan_concurrency: input.indexer.layerScanConcurrency,
            index_report_request_concurrency: input.indexer.indexReportRequestConcurrency,
            ...(input.disconnected ? { airgap: true as const } : {}),
            ...(input.rhelMappingFiles ? { scanner: rhelScannerConfig(input.rhelMappingFiles) } : {}),
        },
        matcher: {
            connstring: connstring(input.matcher.connection),
            migrations: true,
            indexer_addr: input.indexerAddr,
            period: input.matcher.period,
            // Always written: an absent key leaves garbage collection to Clair's decoding of a zero value.
            update_retention: updateRetentionField(input.matcher.updateRetention),
            ...(input.disconnected || input.dedicatedUpdater ? { disable_updaters: true as const } : {}),
        },
        ...updatersSection(input.updaters),
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

function rhelScannerConfig(files: NonNullable<ClairConfigInput["rhelMappingFiles"]>): ClairScannerConfig {
    return {
        repo: { "rhel-repository-scanner": { repo2cpe_mapping_file: files.repo2cpe } },
        package: { rhel_containerscanner: { name2repos_mapping_file: files.name2repos } },
    };
}

/** The updaters section, left out when it would be empty (Clair then runs every set with its defaults). */
function updatersSection(updaters: ClairConfigInput["updaters"]): Pick<ClairConfigDocument, "updaters"> {
    const hasConfig = updaters !== undefined && Object.keys(updaters.config).length > 0;
    if (!updaters?.sets && !hasConfig) return {};
    return { updaters: { ...(updaters.sets ? { sets: updaters.sets } : {}), ...(hasConfig ? { config: updaters.config } : {}) } };
}

/** The dedicated updater pod's document: the matchers' own, with the updaters left on. */
export function updaterConfigDocument(input: ClairConfigInput): ClairConfigDocument {
    return clairConfigDocument({ ...input, dedicatedUpdater: false });
}

export function renderClairConfig(input: ClairConfigInput): string {
    return stringify(clairConfigDocument(input));
}

export function renderUpdaterConfig(input: ClairConfigInput): string {
    return stringify(updaterConfigDocument(input));
}

/**
 * Clair's version from an image reference's tag (quay.io/projectquay/clair:4.8.0, or
 * :4.8.0@sha256:...): the argument clairctl's `admin pre` and `admin post` take. Undefined when
 * the tag is not a version (a digest alone, `nightly`).
 */
export function clairVersion(image: string): string | undefined {
    const withoutDigest = image.split("@")[0];
    const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
    const colon = lastPart.lastIndexOf(":");
    if (colon < 0) return undefined;
    const tag = lastPart.slice(colon + 1);
    // clairctl's own pattern for a version it may not know (cmd/clairctl/admin.go verRegexp): semver, optional v.
    const match = /^v?((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?)$/.exec(tag);
    return match ? match[1] : undefined;
}
