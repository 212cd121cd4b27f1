/**
 * ClamAV's init script (the signature guard before clamd starts), run by /bin/sh against a fake
 * freshclam. (The Deployment, CronJob and config as the program registers them: test/clamav.test.ts.)
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freshclamScript } from "../../components/clamav";

describe("ClamAV", () => {
    describe("the init script's signature guard (run with sh against a fake freshclam)", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "freshclam-"));
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        /** Runs the real script with /var/lib/clamav pointed at `dir` and freshclam replaced by `fake`. */
        function run(fake: string): number {
            const script = freshclamScript(["fake-freshclam"]).replaceAll("/var/lib/clamav", dir);
            fs.writeFileSync(path.join(dir, "fake-freshclam"), `#!/bin/sh\n${fake}\n`, { mode: 0o755 });
            try {
                execFileSync("/bin/sh", ["-c", script], { env: { PATH: `${dir}:/usr/bin:/bin` }, stdio: "pipe" });
                return 0;
            } catch (err) {
                return (err as { status: number }).status;
            }
        }

        it("fails when freshclam exits 0 without signatures (rate-limit cool-down)", () => {
            assert.equal(run("exit 0"), 1);
        });
        it("fails when only part of the signatures arrived", () => {
            assert.equal(run(`echo x > ${dir}/main.cvd; exit 0`), 1);
        });
        it("fails on an empty signature file", () => {
            assert.equal(run(`: > ${dir}/main.cvd; echo x > ${dir}/daily.cld; exit 0`), 1);
        });
        it("passes with main and daily present, also when freshclam says 'up to date' (exit 1)", () => {
            assert.equal(run(`echo x > ${dir}/main.cvd; echo x > ${dir}/daily.cld; exit 0`), 0);
            assert.equal(run(`exit 1`), 0);
        });
        it("passes freshclam's own failures through", () => {
            assert.equal(run("exit 62"), 62);
        });
    });
});
