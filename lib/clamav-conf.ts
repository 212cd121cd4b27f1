/**
 * clamd.conf / freshclam.conf as typed objects, serialized to ClamAV's "Key value" lines.
 * Arrays repeat the key (DatabaseMirror a, DatabaseMirror b).
 */
import { compareQuantities, quantityProblem } from "../policy/lib/quantity";

export type ClamavConf = Record<string, string | number | boolean | string[]>;

export function renderClamavConf(conf: ClamavConf): string {
    const lines: string[] = [];
    for (const [key, value] of Object.entries(conf)) {
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) throw new Error(`invalid ClamAV option name ${key}`);
        const values = Array.isArray(value) ? value : [value];
        for (const v of values) {
            const text = typeof v === "boolean" ? (v ? "yes" : "no") : String(v);
            if (/[\r\n]/.test(text)) throw new Error(`ClamAV option ${key} has a line break`);
            lines.push(`${key} ${text}`);
        }
    }
    return lines.join("\n") + "\n";
}

export const CLAMAV_DB_DIR = "/var/lib/clamav";
export const CLAMD_PORT = 3310;

/**
 * clamd's scan limits (clamd.conf StreamMaxLength ... CommandReadTimeout). Sizes are written as
 * clamd.conf takes them: bytes, or a whole number with K or M (1024-based, either case).
 */
export interface ClamdLimits {
    streamMaxLength: string;
    maxScanSize: string;
    maxFileSize: string;
    maxRecursion: number;
    maxFiles: number;
    maxThreads: number;
    /** seconds */
    readTimeout: number;
    /** seconds */
    commandReadTimeout: number;
}

/** A clamd.conf SIZE: digits, then K or M or nothing (clamd.conf(5): "'M' or 'm' ... 'K' or 'k'"). */
const CLAMAV_SIZE = /^(\d+)([KkMm]?)$/;

/** The bytes a clamd.conf SIZE stands for, or undefined when clamd.conf's documented syntax does not allow it. */
export function clamavSizeBytes(value: string): number | undefined {
    const m = CLAMAV_SIZE.exec(value);
    if (!m) return undefined;
    return Number(m[1]) * ({ "": 1, k: 1024, m: 1024 * 1024 } as Record<string, number>)[m[2].toLowerCase()];
}

export function clamdConf(limits: ClamdLimits): ClamavConf {
    return {
        Foreground: true,
        DatabaseDirectory: CLAMAV_DB_DIR,
        TCPSocket: CLAMD_PORT,
        TCPAddr: "0.0.0.0",
        LocalSocket: "/tmp/clamd.sock",
        PidFile: "/tmp/clamd.pid",
        TemporaryDirectory: "/tmp",
        LogTime: true,
        LogVerbose: false,
        // The signatures only change when the pod is replaced (refresh CronJob), so there is
        // nothing to reload and no reason to hold twice the memory for a concurrent reload.
        SelfCheck: 0,
        ConcurrentDatabaseReload: false,
        // Written even where they equal clamd's defaults: the file, not the image's version, says what applies.
        StreamMaxLength: limits.streamMaxLength,
        MaxScanSize: limits.maxScanSize,
        MaxFileSize: limits.maxFileSize,
        MaxRecursion: limits.maxRecursion,
        MaxFiles: limits.maxFiles,
        MaxThreads: limits.maxThreads,
        ReadTimeout: limits.readTimeout,
        CommandReadTimeout: limits.commandReadTimeout,
    };
}

/** ClamAV's public CDN, found through DNS: version checks by TXT record, incremental .cdiff updates. */
export const CLAMAV_CDN = "database.clamav.net";

/**
 * freshclam for clamd's init containers. From the public CDN by default; with a mirror (the
 * in-cluster one or an external one), only from it: PrivateMirror skips DNS, and ScriptedUpdates
 * no fetches whole .cvd/.cld files, so a pod never needs the .cdiff chain (ClamAV's private-mirror
 * guide, option b).
 */
export function freshclamConf(container: FreshclamContainer, privateMirror?: string, proxy?: FreshclamProxy, customDatabases: string[] = []): ClamavConf {
    return {
        Foreground: true,
        DatabaseDirectory: CLAMAV_DB_DIR,
        // Logs go to the container's stdout: no log file on the read-only root filesystem.
        LogTime: true,
        TestDatabases: freshclamTestsDatabases(container.memoryLimit),
        ...(privateMirror ? { PrivateMirror: privateMirror, ScriptedUpdates: false } : { DatabaseMirror: CLAMAV_CDN }),
        ...proxyConf(proxy),
        ...customConf(customDatabases),
    };
}

/**
 * The file a DatabaseCustomURL is saved as in the database directory: the last part of the URL's
 * path (freshclam takes the text after the last '/'), which clamd then loads by its extension.
 */
export function customDatabaseFile(url: string): string {
    return new URL(url).pathname.split("/").pop()!;
}

/** DatabaseCustomURL, once per URL (freshclam.conf(5): "can be used multiple times"). */
const customConf = (urls: string[]): ClamavConf => (urls.length ? { DatabaseCustomURL: urls } : {});

/** What freshclam.conf depends on in the container that runs freshclam. */
export interface FreshclamContainer {
    /** The container's memory limit, a Kubernetes quantity ("1Gi"). */
    memoryLimit: string;
}

/**
 * The memory limit from which freshclam may test what it downloaded. With TestDatabases (on
 * unless set), freshclam loads each new database into a fresh engine, in a child process of the
 * same container, before it replaces the old one: main.cvd alone carries most of the signatures
 * that take clamd about 1.1 to 1.5 GB resident. Under 2Gi that load would risk the container's
 * OOM kill; 2Gi leaves room for freshclam itself beside it. Not measured here (no CDN access).
 */
export const FRESHCLAM_TEST_MEMORY = "2Gi";

/**
 * TestDatabases for a freshclam with this memory limit. Without the test, a database that loads
 * badly is caught by clamd instead: clamd's pod fails to start, and the rollout keeps the old pods
 * (maxUnavailable 0). freshclam still checks every download's digital signature.
 */
export function freshclamTestsDatabases(memoryLimit: string): boolean {
    if (quantityProblem(memoryLimit, "bytes", { unit: "required" }))
        throw new Error(`freshclam's memory limit ${JSON.stringify(memoryLimit)} is not a Kubernetes quantity with a byte unit`);
    return compareQuantities(memoryLimit, FRESHCLAM_TEST_MEMORY) >= 0;
}

/** An HTTP(S) proxy for freshclam: freshclam.conf's HTTPProxyServer and HTTPProxyPort. */
export interface FreshclamProxy {
    /** scheme and host, e.g. http://proxy.example.com */
    server: string;
    port: number;
}

const proxyConf = (proxy?: FreshclamProxy): ClamavConf => (proxy ? { HTTPProxyServer: proxy.server, HTTPProxyPort: proxy.port } : {});

/** ClamAV asks for at most one check an hour. */
export const MAX_CHECKS_PER_DAY = 24;

/**
 * freshclam as the in-cluster mirror's updater, a daemon: `checksPerDay` checks against the CDN
 * (or an upstream mirror), applying .cdiff patches (ScriptedUpdates, the default) so a check moves
 * only the day's changes, and keeping the result compressed (.cld in the .cvd format) so clients
 * can fetch it as a mirror's file. Its cool-down state (freshclam.dat) sits in the same directory,
 * on the mirror's claim, so a 429 or 403 is remembered across restarts.
 */
export function mirrorUpdaterConf(
    checksPerDay: number,
    container: FreshclamContainer,
    upstreamMirror?: string,
    proxy?: FreshclamProxy,
    customDatabases: string[] = [],
): ClamavConf {
    if (!Number.isInteger(checksPerDay) || checksPerDay < 1 || checksPerDay > MAX_CHECKS_PER_DAY) {
        throw new Error(`checksPerDay ${checksPerDay}: must be a whole number from 1 to ${MAX_CHECKS_PER_DAY} (at most hourly)`);
    }
    return {
        Foreground: true,
        DatabaseDirectory: CLAMAV_DB_DIR,
        LogTime: true,
        TestDatabases: freshclamTestsDatabases(container.memoryLimit),
        Checks: checksPerDay,
        CompressLocalDatabase: true,
        ...(upstreamMirror ? { PrivateMirror: upstreamMirror } : { DatabaseMirror: CLAMAV_CDN }),
        ...proxyConf(proxy),
        ...customConf(customDatabases),
    };
}
