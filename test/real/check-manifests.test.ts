/**
 * scripts/checkers.sh --check-sources, run by bash: the kube-linter and Polaris source archives it
 * builds from. (The report, the exemptions and the rest of check:manifests: test/check-manifests.test.ts.)
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

describe("check:manifests", () => {
    describe("scripts/checkers.sh --check-sources (the kube-linter and Polaris source archives)", () => {
        const script = path.join(__dirname, "..", "..", "scripts", "checkers.sh");
        const checkSources = (dir: string) => spawnSync("bash", [script, "--check-sources"], { env: { ...process.env, SSCAN_UPSTREAM_SRC: dir }, encoding: "utf8" });
        let dir: string;
        beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "upstream-src-"))));
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("accepts the archives in ../shared/upstream-src", () => {
            const r = checkSources(path.join(__dirname, "..", "..", "..", "shared", "upstream-src"));
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
});
