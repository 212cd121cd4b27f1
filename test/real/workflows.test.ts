/**
 * The GitHub Actions workflows (.github/workflows/) through actionlint v1.7.12 (built from the Go
 * module proxy by scripts/actionlint.sh into the toolchain cache), with its settings in
 * .github/actionlint.yaml (the variables the workflows may read) and with shellcheck on the run:
 * blocks (CI installs Debian's; without it the shellcheck case is skipped outside CI and fails
 * in CI). Every workflow passes with no finding, and a copy with one deliberate mistake is
 * reported at that line. (What the workflows must contain, without actionlint: test/workflows.test.ts.)
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { has } from "../host-tools";

const ROOT = path.resolve(__dirname, "../..");
const WORKFLOWS = path.join(ROOT, ".github/workflows");
const CONFIG = path.join(ROOT, ".github/actionlint.yaml");

/** The path of actionlint, building it on first use (its progress on stderr). */
function provideActionlint(): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [path.join(ROOT, "scripts/actionlint.sh")], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("close", (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(`scripts/actionlint.sh failed (exit ${status})`))));
    });
}

interface Finding {
    message: string;
    filepath: string;
    line: number;
    kind: string;
}

describe("GitHub Actions workflows, checked by actionlint", function () {
    let actionlint: string;
    let tmp: string;
    const shellcheck = has("shellcheck");

    before(async function () {
        // A cold build: about 30 s on 2 cores with nothing cached.
        this.timeout(600000);
        actionlint = await provideActionlint();
        if (!shellcheck && process.env.CI) throw new Error("shellcheck is not installed: CI must install the Debian package shellcheck");
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "workflows-"));
    });
    after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

    /** actionlint's findings on `files`, as JSON; shellcheck named by path so none other is picked up. */
    function lint(files: string[]): { status: number | null; findings: Finding[]; stderr: string } {
        const args = ["-format", "{{json .}}", "-config-file", CONFIG];
        if (shellcheck) args.push("-shellcheck", spawnSync("bash", ["-c", "command -v shellcheck"], { encoding: "utf8" }).stdout.trim());
        else args.push("-shellcheck=");
        const r = spawnSync(actionlint, [...args, ...files], { cwd: ROOT, encoding: "utf8" });
        assert.equal(r.error, undefined);
        return { status: r.status, findings: r.stdout.trim() ? (JSON.parse(r.stdout) as Finding[]) : [], stderr: r.stderr };
    }

    const workflowFiles = () =>
        fs
            .readdirSync(WORKFLOWS)
            .filter((f) => /\.ya?ml$/.test(f))
            .sort();

    it("reports nothing on any workflow", () => {
        for (const f of ["deploy.yml", "drift.yml", "preview.yml"]) assert.ok(workflowFiles().includes(f), `.github/workflows/${f}`);
        const r = lint(workflowFiles().map((f) => path.join(WORKFLOWS, f)));
        assert.deepEqual(
            r.findings.map((f) => `${f.filepath}:${f.line} ${f.message} [${f.kind}]`),
            [],
        );
        assert.equal(r.status, 0, r.stderr);
    });

    /** A copy of `file` with `from` replaced by `to` (exactly once), and the line it is on. */
    function broken(file: string, from: string, to: string): { copy: string; line: number } {
        const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
        assert.equal(text.split(from).length - 1, 1, `${file} holds ${JSON.stringify(from)} once`);
        const copy = path.join(tmp, `${path.basename(file, ".yml")}-${fs.readdirSync(tmp).length}.yml`);
        fs.writeFileSync(copy, text.replace(from, to));
        return { copy, line: text.slice(0, text.indexOf(from)).split("\n").length };
    }

    function assertReported(copy: string, line: number, kind: string, message: RegExp): void {
        const r = lint([copy]);
        assert.equal(r.status, 1, r.stderr);
        assert.equal(r.findings.length, 1, JSON.stringify(r.findings, null, 2));
        assert.equal(r.findings[0].line, line);
        assert.equal(r.findings[0].kind, kind);
        assert.match(r.findings[0].message, message);
    }

    it("reports a needs: naming no job", () => {
        const { copy } = broken("deploy.yml", "needs: [stage, prod-preview]", "needs: [stage, prod-plan]");
        // Reported at the job's key.
        const job = fs.readFileSync(copy, "utf8").split("\n").indexOf("  prod:") + 1;
        assert.ok(job > 0);
        assertReported(copy, job, "job-needs", /job "prod" needs job "prod-plan" which does not exist/);
    });

    it("reports an expression naming an undefined matrix property", () => {
        const { copy, line } = broken("drift.yml", "group: pulumi-${{ matrix.stack }}", "group: pulumi-${{ matrix.stak }}");
        assertReported(copy, line, "expression", /property "stak" is not defined/);
    });

    it("reports a configuration variable missing from .github/actionlint.yaml", () => {
        const { copy, line } = broken("drift.yml", "${{ vars.AWS_PREVIEW_ROLE_ARN }}", "${{ vars.AWS_PREVEIW_ROLE_ARN }}");
        assertReported(copy, line, "expression", /undefined configuration variable "aws_preveiw_role_arn"/);
    });

    it("reports an unquoted variable in a run: block, through shellcheck", function () {
        if (!shellcheck) {
            console.log("      skipped: shellcheck not installed (apt-get install shellcheck)");
            this.skip();
        }
        const { copy, line } = broken("drift.yml", 'run: scripts/ci/drift "$STACK" --out "$OUT"', 'run: scripts/ci/drift $STACK --out "$OUT"');
        assertReported(copy, line, "shellcheck", /SC2086/);
    });
});
