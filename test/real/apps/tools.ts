/**
 * The apps' own binaries (scripts/app-tools.sh: Clair's clair and clairctl, the ClamAV exporter,
 * installed, or built from the pinned source archives into the toolchain cache), copied where an
 * arbitrary UID can run them (the cache lives under root's home, which others cannot enter).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { UNAVAILABLE_STATUS } from "../../host-tools";

const ROOT = path.resolve(__dirname, "../../..");

export type AppTool = "clair" | "clairctl" | "clamav_exporter";

/** Cold: Clair and clairctl build in about two minutes on 2 cores, the exporter in 25 s. */
export const APP_TOOLS_TIMEOUT_MS = 900_000;

/** The script cannot provide the tool on this machine; the message names what to install. */
export class AppToolUnavailable extends Error {}

/**
 * Runs scripts/app-tools.sh for `which` (its progress goes to this process's stderr) and returns
 * tool -> path; rejects with AppToolUnavailable when the tool is neither installed nor buildable here.
 */
export function appTools(which: ("clair" | "clamav_exporter")[]): Promise<Record<AppTool, string>> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [path.join(ROOT, "scripts/app-tools.sh"), ...which], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => {
            err += d;
            process.stderr.write(d);
        });
        child.on("error", reject);
        child.on("close", (status) => {
            const error = err.match(/\[app-tools\] ERROR: (.*)/)?.[1];
            if (status === UNAVAILABLE_STATUS)
                return reject(new AppToolUnavailable(error ?? `scripts/app-tools.sh ${which.join(" ")} cannot provide them here`));
            if (status !== 0)
                return reject(new Error(`scripts/app-tools.sh ${which.join(" ")} failed (exit ${status})${error ? `: ${error}` : "; its error is above"}`));
            resolve(
                Object.fromEntries(
                    out
                        .trim()
                        .split("\n")
                        .map((l) => l.split("=", 2)),
                ) as Record<AppTool, string>,
            );
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
