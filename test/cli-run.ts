/** How the command-line tools' tests start them: through npm as the docs write it, as npm runs them. */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

export interface Result {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** `npm run [-s] <script> -- args`, as the docs write it. */
export function npmRun(script: string, args: string[], options: { silent?: boolean } = {}): Result {
    const r = spawnSync("npm", ["run", ...(options.silent ? ["-s"] : []), script, "--", ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `npm run <script> args` without "--", as people mistype it: npm takes the flags for itself. */
export function npmRunWithoutDashes(script: string, args: string[]): Result {
    const r = spawnSync("npm", ["run", script, ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The last non-empty line of a text. */
export const lastLine = (text: string) => text.trimEnd().split("\n").pop() ?? "";
