/**
 * clamd.conf / freshclam.conf as typed objects, serialized to ClamAV's "Key value" lines.
 * Arrays repeat the key (DatabaseMirror a, DatabaseMirror b).
 */
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

export function clamdConf(): ClamavConf {
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
    };
}

export function freshclamConf(privateMirror?: string): ClamavConf {
    return {
        Foreground: true,
        DatabaseDirectory: CLAMAV_DB_DIR,
        // Logs go to the container's stdout: no log file on the read-only root filesystem.
        LogTime: true,
        ...(privateMirror ? { PrivateMirror: privateMirror } : { DatabaseMirror: "database.clamav.net" }),
    };
}
