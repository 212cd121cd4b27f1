/**
 * The scripts that build a tool from a pinned upstream source archive, run by bash on a machine
 * without the archives (an empty SSCAN_UPSTREAM_SRC and an empty toolchain cache): outside CI each
 * takes the tool from PATH when it is installed and otherwise exits 3 naming what to install (the
 * real lane skips on 3); in CI (CI set) a missing archive is an error, even for a tool given by
 * its *_BIN variable. Each case fails before anything is built, in about a second.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../tools/mock-run";
import { UNAVAILABLE_STATUS } from "../host-tools";

/** go's folder, when go is installed (toolchain.sh looks for it first). */
const GO_DIR = spawnSync("bash", ["-c", "command -v go"], { encoding: "utf8" }).stdout.trim();

/** The system's tools, node and go, and none of the apps' own tools. */
const SYSTEM_PATH = [
    ...(GO_DIR ? [path.dirname(GO_DIR)] : []),
    path.dirname(process.execPath),
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
].join(":");

describe("scripts without the upstream source archives", () => {
    let tmp: string;
    let src: string;
    let cache: string;
    let bin: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "no-upstream-"));
        for (const d of ["src", "cache", "bin"]) fs.mkdirSync(path.join(tmp, d));
        [src, cache, bin] = ["src", "cache", "bin"].map((d) => path.join(tmp, d));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** Runs scripts/<script> with no archives and an empty cache; `ci` sets CI=true, else CI is unset. */
    function run(script: string, args: string[], { ci = false, env = {} }: { ci?: boolean; env?: NodeJS.ProcessEnv } = {}) {
        const r = spawnSync("bash", [path.join(ROOT, "scripts", script), ...args], {
            cwd: ROOT,
            encoding: "utf8",
            env: {
                HOME: process.env.HOME,
                PATH: `${bin}:${SYSTEM_PATH}`,
                SSCAN_UPSTREAM_SRC: src,
                SSCAN_TOOLCHAIN_DIR: cache,
                ...(ci ? { CI: "true" } : {}),
                ...env,
            },
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    /** An executable in the PATH folder that prints `text` for any arguments. */
    function fakeTool(name: string, text: string): string {
        const file = path.join(bin, name);
        fs.writeFileSync(file, `#!/bin/sh\necho '${text}'\n`, { mode: 0o755 });
        return file;
    }

    const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

    describe("outside CI: the tool from PATH, or exit 3 naming what to install", () => {
        it("app-tools.sh clair: names clair and clairctl v4.8.0, CLAIR_BIN and the archive", () => {
            const r = run("app-tools.sh", ["clair"]);
            assert.equal(r.status, UNAVAILABLE_STATUS, r.stderr);
            assert.match(
                r.stderr,
                re(
                    `clair is not installed and its source archive ${src}/clair-v4.8.0-src.tar.gz is missing: install Clair v4.8.0's clair and clairctl on PATH, or set CLAIR_BIN and CLAIRCTL_BIN to them; or set SSCAN_UPSTREAM_SRC to the folder holding clair-v4.8.0-src.tar.gz`,
                ),
            );
        });

        it("app-tools.sh clamav_exporter: names clamav_exporter v2.1.4 and CLAMAV_EXPORTER_BIN", () => {
            const r = run("app-tools.sh", ["clamav_exporter"]);
            assert.equal(r.status, UNAVAILABLE_STATUS, r.stderr);
            assert.match(r.stderr, re("install clamav_exporter v2.1.4 on PATH, or set CLAMAV_EXPORTER_BIN to it"));
        });

        it("app-tools.sh takes clair and clairctl from PATH when clairctl reports v4.8.0, and not another version", () => {
            const clair = fakeTool("clair", "usage");
            const clairctl = fakeTool("clairctl", "clairctl version v4.8.0 (claircore v1.5.32)");
            const r = run("app-tools.sh", ["clair"]);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout, `clair=${clair}\nclairctl=${clairctl}\n`);
            fakeTool("clairctl", "clairctl version v4.7.4 (claircore v1.5.30)");
            const other = run("app-tools.sh", ["clair"]);
            assert.equal(other.status, UNAVAILABLE_STATUS, other.stderr);
            assert.match(other.stderr, /clairctl on PATH \(.*\) is not the pinned version \(clairctl version v4\.8\.0 \): not used/);
        });

        it("app-tools.sh takes clamav_exporter from PATH when it reports 2.1.4", () => {
            const exporter = fakeTool("clamav_exporter", "clamav_exporter, version 2.1.4 (branch: HEAD, revision: 0a1b2c3)");
            const r = run("app-tools.sh", ["clamav_exporter"]);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout, `clamav_exporter=${exporter}\n`);
        });

        it("openshift-scc.sh: names the SCC manifests, then OPENSHIFT_SCC_BIN and the archive; takes a pinned openshift-scc from PATH", () => {
            const noManifests = run("openshift-scc.sh", []);
            assert.equal(noManifests.status, UNAVAILABLE_STATUS, noManifests.stderr);
            assert.match(
                noManifests.stderr,
                re(
                    `the default SCC manifests are missing: ${src}/openshift/scc-manifests; they are openshift/cluster-kube-apiserver-operator's bindata/bootkube/scc-manifests`,
                ),
            );
            fs.mkdirSync(path.join(src, "openshift", "scc-manifests"), { recursive: true });
            const noArchive = run("openshift-scc.sh", []);
            assert.equal(noArchive.status, UNAVAILABLE_STATUS, noArchive.stderr);
            assert.match(
                noArchive.stderr,
                re(
                    `its source archive ${src}/apiserver-library-go-a8019f39f670.tar.gz is missing: set OPENSHIFT_SCC_BIN to an openshift-scc built from tools/openshift-scc (or put it on PATH)`,
                ),
            );
            const installed = fakeTool("openshift-scc", "apiserver-library-go@a8019f39f670");
            const onPath = run("openshift-scc.sh", []);
            assert.equal(onPath.status, 0, onPath.stderr);
            assert.equal(onPath.stdout, `${installed}\n${src}/openshift/scc-manifests\n`);
        });

        it("route-crd.sh: names OpenShift's Route CRD and where it comes from", () => {
            const r = run("route-crd.sh", []);
            assert.equal(r.status, UNAVAILABLE_STATUS, r.stderr);
            assert.match(
                r.stderr,
                re(
                    `OpenShift's Route CRD is missing: ${src}/openshift/routes.crd.yaml; it is openshift/api @ 2a3d73913b5a's route/v1/zz_generated.crd-manifests/routes.crd.yaml`,
                ),
            );
        });

        it("toolchain.sh: a provider it cannot build names the Pulumi CLI to install instead", function () {
            this.timeout(30000);
            const r = run("toolchain.sh", ["pulumi-resource-random"]);
            assert.equal(r.status, UNAVAILABLE_STATUS, r.stderr);
            assert.match(r.stderr, /cannot be built here: install the Pulumi CLI \(pulumi on PATH/);
        });
    });

    describe("in CI: the archives are required", () => {
        it("app-tools.sh fails (exit 1) on a missing archive even when CLAIR_BIN and CLAIRCTL_BIN name the tools", () => {
            const r = run("app-tools.sh", ["clair"], { ci: true, env: { CLAIR_BIN: fakeTool("clair", ""), CLAIRCTL_BIN: fakeTool("clairctl", "") } });
            assert.equal(r.status, 1, r.stderr);
            assert.match(r.stderr, re(`the source archive ${src}/clair-v4.8.0-src.tar.gz is missing: CI builds clair from it and checks it on every run`));
        });

        it("openshift-scc.sh fails (exit 1) on a missing archive even with OPENSHIFT_SCC_BIN", () => {
            fs.mkdirSync(path.join(src, "openshift", "scc-manifests"), { recursive: true });
            const r = run("openshift-scc.sh", [], { ci: true, env: { OPENSHIFT_SCC_BIN: fakeTool("openshift-scc", "apiserver-library-go@a8019f39f670") } });
            assert.equal(r.status, 1, r.stderr);
            assert.match(r.stderr, re(`its source archive ${src}/apiserver-library-go-a8019f39f670.tar.gz is missing`));
        });

        it("route-crd.sh, toolchain.sh and checkers.sh fail with exit 1, not the skip status", function () {
            this.timeout(30000);
            assert.equal(run("route-crd.sh", [], { ci: true }).status, 1);
            assert.equal(run("toolchain.sh", ["pulumi-resource-random"], { ci: true }).status, 1);
            const checkers = run("checkers.sh", ["--quiet"], { ci: true });
            assert.equal(checkers.status, 1, checkers.stderr);
            assert.match(
                checkers.stderr,
                re(`its source archive ${src}/kube-linter-0.8.3.tar.gz is missing: install kube-linter v0.8.3 on PATH or set KUBE_LINTER_BIN to it`),
            );
        });
    });
});
