/**
 * The apps' own binaries (scripts/app-tools.sh: Clair's clair and clairctl, the ClamAV exporter,
 * built from ../shared/upstream-src into the toolchain cache), copied where an arbitrary UID can
 * run them (the cache lives under root's home, which others cannot enter).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../..");

export type AppTool = "clair" | "clairctl" | "clamav_exporter";

/** Cold: Clair and clairctl build in about two minutes on 2 cores, the exporter in 25 s. */
export const APP_TOOLS_TIMEOUT_MS = 900_000;

/** Runs scripts/app-tools.sh for `which` (its progress goes to this process's stderr) and returns tool -> path. */
export function appTools(which: ("clair" | "clamav_exporter")[]): Promise<Record<AppTool, string>> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [path.join(ROOT, "scripts/app-tools.sh"), ...which], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("close", (status) => {
            if (status !== 0) return reject(new Error(`scripts/app-tools.sh ${which.join(" ")} failed (exit ${status}); its error is above`));
            resolve(Object.fromEntries(out.trim().split("\n").map((l) => l.split("=", 2))) as Record<AppTool, string>);
        });
    });
}

/** Copies a binary into `dir` (world-readable and executable) and returns its new path. */
export function runnableCopy(binary: string, dir: string): string {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const copy = path.join(dir, path.basename(binary));
    fs.copyFileSync(binary, copy);
    fs.chmodSync(copy, 0o755);
    return copy;
}
