/**
 * The Python side of the tests (scripts/python-tools.sh): a venv with pinned packages and
 * Malwar 0.4.0's unpacked wheel, installed once into the toolchain cache (about 70 s cold).
 */
import { execFileSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");
let installed: string | undefined;

export interface PythonTools {
    dir: string;
    python: string;
    bin: (name: string) => string;
    /** malwar/core/config.py of the Malwar release the program deploys. */
    malwarConfigPy: string;
}

/** Installs on first use; call from a before() hook with a long timeout. */
export function pythonTools(): PythonTools {
    installed ??= execFileSync("bash", [path.join(ROOT, "scripts/python-tools.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    const dir = installed;
    return {
        dir,
        python: path.join(dir, "venv/bin/python"),
        bin: (name) => path.join(dir, "venv/bin", name),
        malwarConfigPy: path.join(dir, "malwar-0.4.0/malwar/core/config.py"),
    };
}

/** Seconds a cold install may take (pip over the network on 2 cores), with room to spare. */
export const PYTHON_TOOLS_TIMEOUT_MS = 600_000;
