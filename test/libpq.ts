/** libpq's keyword/value connection strings (`host=h port=5432 password='a b'`), read and written by the tests. */

/** key=value pairs, values bare or single-quoted with backslash escapes. */
export function parseConnstring(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of text.matchAll(/([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']*))/g)) out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
    if (Object.keys(out).length === 0) throw new Error(`not a libpq connection string: ${text.slice(0, 40)}...`);
    return out;
}

/** The pairs as a connection string, quoting a value that holds anything but plain characters. */
export function formatConnstring(pairs: Record<string, string>): string {
    return Object.entries(pairs)
        .map(([k, v]) => `${k}=${/^[A-Za-z0-9_./:-]+$/.test(v) ? v : `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`}`)
        .join(" ");
}
