/**
 * Test signature databases for clamd: the EICAR test string, and an unsigned ClamAV database
 * (.cud) carrying it. A .cud is the CVD container (a 512-byte "ClamAV-VDB:" header, then a
 * gzipped tar whose first member, <name>.info, repeats the header and lists each member's size and
 * sha256) that clamd loads without ClamAV's digital signature (`sigtool --unsigned` builds them).
 * Unlike a plain .hdb, a daily.cud gives clamd a database version and build time, which it reports
 * in VERSION, and the exporter turns into clamav_db_version and clamav_db_timestamp_seconds.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The EICAR anti-virus test string, put together here so this file holds no copy of it. */
export function eicar(): Buffer {
    return Buffer.from(["X5O!P%@AP[4\\PZX54(P^)7CC)7}", "$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"].join(""));
}

/** One hash signature (.hdb line: md5:size:name) matching `sample`. */
export function hashSignature(sample: Buffer, name: string): string {
    return `${createHash("md5").update(sample).digest("hex")}:${sample.length}:${name}\n`;
}

export interface UnsignedDatabase {
    /** e.g. "daily": written as <name>.cud */
    name: string;
    version: number;
    /** Build time, whole seconds since the epoch. */
    builtAt: number;
    /** Member file name (e.g. daily.hdb) -> content. */
    members: Record<string, string>;
}

/** The header's build time as sigtool writes it: "02 Dec 2026 08-24 +0000". */
function headerTime(seconds: number): string {
    const d = new Date(seconds * 1000);
    const month = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
    const p = (n: number) => String(n).padStart(2, "0");
    return `${p(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${p(d.getUTCHours())}-${p(d.getUTCMinutes())} +0000`;
}

/** Writes `<dir>/<name>.cud` (mode 0644) and returns its path. Needs tar and gzip. */
export function writeUnsignedDatabase(dir: string, db: UnsignedDatabase): string {
    const sigs = Object.values(db.members).reduce((n, text) => n + text.split("\n").filter((l) => l.trim()).length, 0);
    // version:signatures:functionality level (90: any ClamAV 1.x loads it)
    const fields = `${headerTime(db.builtAt)}:${db.version}:${sigs}:90`;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "sscan-cud-"));
    try {
        const info =
            [
                `ClamAV-VDB:${fields}:${"0".repeat(32)}:unsigned:sscan-test:${db.builtAt}`,
                ...Object.entries(db.members).map(([file, text]) => `${file}:${Buffer.byteLength(text)}:${createHash("sha256").update(text).digest("hex")}`),
            ].join("\n") + "\n";
        fs.writeFileSync(path.join(work, `${db.name}.info`), info);
        for (const [file, text] of Object.entries(db.members)) fs.writeFileSync(path.join(work, file), text);
        const tgz = path.join(work, "body.tgz");
        const tar = spawnSync(
            "tar",
            ["--format=ustar", "--owner=0", "--group=0", "--numeric-owner", "-czf", tgz, "-C", work, `${db.name}.info`, ...Object.keys(db.members)],
            { encoding: "utf8" },
        );
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        const body = fs.readFileSync(tgz);
        const header = Buffer.from(`ClamAV-VDB:${fields}:${createHash("md5").update(body).digest("hex")}:unsigned:sscan-test:${db.builtAt}`.padEnd(512, " "));
        const file = path.join(dir, `${db.name}.cud`);
        fs.writeFileSync(file, Buffer.concat([header, body]), { mode: 0o644 });
        return file;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}
