/** Prometheus's promtool (scripts/monitoring-tools.sh builds it from the Go module proxy into the toolchain cache). */
import { spawn } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** The path of promtool, building it on first use (its progress on stderr). */
export function providePromtool(): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [path.join(ROOT, "scripts/monitoring-tools.sh"), "promtool"], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("close", (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(`scripts/monitoring-tools.sh promtool failed (exit ${status})`))));
    });
}

/** promtool needs minutes to build cold. */
export const PROMTOOL_TIMEOUT_MS = 1_800_000;
