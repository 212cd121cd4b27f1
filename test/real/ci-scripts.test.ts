/**
 * The pipeline scripts' refusals under bash, before any engine runs: each names the argument, the
 * file or the tool, and exits 2 (a mistake in how the script was called). What they do with the
 * engine is in the end-to-end lane (test/e2e/pipeline.ts).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../tools/mock-run";

/** PATH with node, npm and the system's tools, without any pulumi. */
const PATH_WITHOUT_PULUMI = [path.dirname(process.execPath), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].join(":");

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/ci", script), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { HOME: process.env.HOME, PATH: PATH_WITHOUT_PULUMI, ...env },
    });
    return { status: r.status, stderr: r.stderr };
}

describe("scripts/ci: refusals before the engine", () => {
    it("without a stack, or with an unknown argument: the usage line, exit 2", () => {
        for (const script of ["preview", "deploy", "drift"]) {
            const none = run(script, []);
            assert.equal(none.status, 2, script);
            assert.match(none.stderr, new RegExp(`^usage: scripts/ci/${script} STACK`, "m"));
            const unknown = run(script, ["prod", "--force"]);
            assert.equal(unknown.status, 2, script);
            assert.match(unknown.stderr, new RegExp(`scripts/ci/${script}: unknown argument '--force'`));
        }
    });

    it("a stack without a stack file names the stacks there are", () => {
        const r = run("preview", ["production"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /no stack file Pulumi\.production\.yaml for stack 'production' \(stacks: local prod stage ?\)/);
    });

    it("a stack without its policy pack config is refused: every preview and deploy runs the pack", () => {
        const name = `ci-test-${process.pid}`;
        const file = path.join(ROOT, `Pulumi.${name}.yaml`);
        fs.writeFileSync(file, "config: {}\n");
        try {
            const r = run("drift", [name]);
            assert.equal(r.status, 2);
            assert.match(r.stderr, new RegExp(`no policy pack config policy/config\\.${name}\\.json for stack '${name}'`));
        } finally {
            fs.rmSync(file);
        }
    });

    it("a deploy --plan whose file is missing names it", () => {
        const r = run("deploy", ["prod", "--plan", "/nonexistent/plan.json"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /--plan \/nonexistent\/plan\.json: no such file/);
    });

    it("stage or prod without a pulumi CLI says what to install", () => {
        const r = run("preview", ["stage"], { SSCAN_PULUMI: "" });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /no pulumi CLI: install it .* or set SSCAN_PULUMI/);
    });

    it("a --base that is not a commit of this clone is refused before the preview", () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "ci-bin-"));
        // Any executable will do: the check comes before the CLI is run.
        const fake = path.join(bin, "pulumi");
        fs.writeFileSync(fake, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
        try {
            const r = run("preview", ["stage", "--base", "0123456789abcdef0123456789abcdef01234567"], { SSCAN_PULUMI: fake });
            assert.equal(r.status, 2);
            assert.match(r.stderr, /--base 0123456789abcdef0123456789abcdef01234567: not a commit in this clone \(fetch it first/);
        } finally {
            fs.rmSync(bin, { recursive: true });
        }
    });
});
