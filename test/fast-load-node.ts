/** A node process started with tools/fast-load.js, and the loader's own count of what it did (SSCAN_FAST_LOAD_STATS). */
import { spawnSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");
export const LOADER = path.join(ROOT, "tools", "fast-load.js");

export interface Stats {
    tsHit: number;
    tsMiss: number;
    v8Hit: number;
    v8Miss: number;
    v8Rejected: number;
    lazyDeferred: string[];
    lazyLoaded: string[];
}

export function node(args: string[], env: Record<string, string>, cwd = ROOT): { status: number | null; stdout: string; stderr: string; stats?: Stats } {
    const r = spawnSync(process.execPath, ["-r", LOADER, ...args], { cwd, encoding: "utf8", env: { ...process.env, SSCAN_FAST_LOAD_STATS: "1", ...env } });
    const line = r.stderr.split("\n").find((l) => l.startsWith("fast-load: "));
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, stats: line ? JSON.parse(line.slice("fast-load: ".length)) : undefined };
}
