/**
 * scripts/checkers.sh --check-sources, run by bash: the kube-linter and Polaris source archives it
 * builds from; that a run waiting for another run's lock says so. (The report, the exemptions and the rest of check:manifests: test/check-manifests.test.ts.)
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { skipOutsideCi, upstreamSrc } from "../host-tools";

describe("check:manifests", () => {
    describe("scripts/checkers.sh --check-sources (the kube-linter and Polaris source archives)", () => {
        const script = path.join(__dirname, "..", "..", "scripts", "checkers.sh");
        const checkSources = (dir: string) =>
            spawnSync("bash", [script, "--check-sources"], { env: { ...process.env, SSCAN_UPSTREAM_SRC: dir }, encoding: "utf8" });
        let dir: string;
        beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "upstream-src-"))));
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("accepts the archives in SSCAN_UPSTREAM_SRC (else ../shared/upstream-src)", function () {
            const src = upstreamSrc();
            if (!fs.existsSync(src))
                skipOutsideCi(
                    this,
                    `no upstream source folder at ${src}: set SSCAN_UPSTREAM_SRC to the folder holding kube-linter-0.8.3.tar.gz and polaris-10.2.2.tar.gz`,
                );
            const r = checkSources(src);
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stderr, /kube-linter-0\.8\.3\.tar\.gz verified/);
            assert.match(r.stderr, /polaris-10\.2\.2\.tar\.gz verified/);
        });

        it("names a missing archive", () => {
            const r = checkSources(dir);
            assert.equal(r.status, 1);
            assert.match(r.stderr, new RegExp(`${dir}/kube-linter-0\\.8\\.3\\.tar\\.gz is missing`));
        });

        it("refuses an archive whose content differs from the pinned one", () => {
            fs.writeFileSync(path.join(dir, "kube-linter-0.8.3.tar.gz"), "not the release\n");
            const r = checkSources(dir);
            assert.equal(r.status, 1);
            assert.match(r.stderr, /kube-linter-0\.8\.3\.tar\.gz is altered/);
        });
    });

    describe("scripts/checkers.sh and another run's lock", () => {
        let cache: string;
        beforeEach(() => (cache = fs.mkdtempSync(path.join(os.tmpdir(), "checkers-lock-"))));
        afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

        it("says it waits for another run's lock, even with --quiet", async function () {
            this.timeout(30000);
            const root = path.join(__dirname, "..", "..");
            // The script's layout: <cache>/checkers-<first 12 hex of sha256(scripts/checkers.env)>/.lock
            const key = createHash("sha256")
                .update(fs.readFileSync(path.join(root, "scripts", "checkers.env")))
                .digest("hex")
                .slice(0, 12);
            const dir = path.join(cache, `checkers-${key}`);
            fs.mkdirSync(dir, { recursive: true });
            // Another run: util-linux flock holds the lock while it sleeps.
            const holder = spawn("flock", [path.join(dir, ".lock"), "sleep", "60"], { detached: true, stdio: "ignore" });
            const waiter = spawn("bash", [path.join(root, "scripts", "checkers.sh"), "--quiet"], {
                env: { ...process.env, SSCAN_TOOLCHAIN_DIR: cache },
                detached: true,
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stderr = "";
            try {
                await new Promise<void>((resolve, reject) => {
                    const timer = setTimeout(() => reject(new Error(`no word of the lock within 20 s; stderr: ${stderr}`)), 20000);
                    waiter.stderr!.on("data", (d) => {
                        stderr += d;
                        if (/waiting for another run's lock/.test(stderr)) {
                            clearTimeout(timer);
                            resolve();
                        }
                    });
                    waiter.on("exit", (code) => reject(new Error(`checkers.sh ended (${code}) without waiting; stderr: ${stderr}`)));
                });
            } finally {
                // Each started in a group of its own: the bash script's flock child goes with it.
                for (const child of [waiter, holder]) {
                    try {
                        process.kill(-child.pid!, "SIGKILL");
                    } catch {
                        // Ended already.
                    }
                }
            }
            assert.match(stderr, new RegExp(`waiting for another run's lock on ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\.lock`));
        });
    });
});
