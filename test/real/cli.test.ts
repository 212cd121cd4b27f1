/**
 * The command-line tools as people run them, each evaluating the program in a process of its own
 * (npm, node, the SDK and one or two mock runs: 1.5 to 2.5 s apiece, slow by nature, so in this
 * lane): --json output parses, render --clean replaces an earlier render. Their errors, usage line
 * and refusals before any run: test/cli.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { npmRun } from "../cli-run";

describe("command-line tools: whole runs", function () {
    this.timeout(120000);
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    describe("capacity --json", () => {
        it("writes JSON a script can parse with the documented command (npm run capacity -- ... --json FILE)", () => {
            const file = path.join(tmp, "prod-vs-stage.json");
            const r = npmRun("capacity", ["--stack", "prod", "--compare", "stage", "--json", file]);
            assert.equal(r.status, 0, r.stderr);
            const report = JSON.parse(fs.readFileSync(file, "utf8"));
            // The required figures (README: Capacity): prod Clair 120 CPU / 120 GiB / 4,000 GiB; stage 12 / 12 / 400.
            assert.deepEqual([report.clair.cpu, report.clair.memoryGiB, report.clair.storageGiB], [120, 120, 4000]);
            assert.deepEqual([report.compare.clair.cpu, report.compare.clair.memoryGiB, report.compare.clair.storageGiB], [12, 12, 400]);
            // The table still goes to the terminal.
            assert.match(r.stdout, /Capacity of stack 'prod'/);
        });

        it("writes only JSON on stdout with --json - (npm run -s)", () => {
            const r = npmRun("capacity", ["--stack", "stage", "--json", "-"], { silent: true });
            assert.equal(r.status, 0, r.stderr);
            const report = JSON.parse(r.stdout);
            assert.deepEqual([report.clair.cpu, report.clair.memoryGiB, report.clair.storageGiB], [12, 12, 400]);
        });

        it("writes only JSON on stdout with --json and no value, as Pulumi's --json", () => {
            const r = npmRun("capacity", ["-s", "stage", "--json"], { silent: true });
            assert.equal(r.status, 0, r.stderr);
            const report = JSON.parse(r.stdout);
            assert.equal(report.stack, "stage");
            assert.deepEqual([report.clair.cpu, report.clair.memoryGiB, report.clair.storageGiB], [12, 12, 400]);
            assert.ok(!fs.existsSync(path.join(process.cwd(), "-")), "no file named -");
        });
    });

    describe("render --out", () => {
        it("with --clean, deletes the old *.yaml files first and writes exactly the stack's objects", () => {
            const dir = path.join(tmp, "clean");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "deployment-gone.yaml"), "kind: Deployment\n");
            const r = npmRun("render", ["--stack", "prod", "--out", dir, "--clean"]);
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stderr, /deleted 1 \*\.yaml files of an earlier render/);
            const written = Number(/rendered (\d+) objects/.exec(r.stdout)?.[1]);
            const files = fs.readdirSync(dir);
            assert.equal(files.length, written, "as many files as objects written");
            assert.ok(!files.includes("deployment-gone.yaml"));
            for (const f of files) assert.ok(parse(fs.readFileSync(path.join(dir, f), "utf8")).kind, f);
        });

        it("with -, one YAML stream on stdout (as helm template prints), a what-if by --set and the stack by -s", () => {
            const r = npmRun("render", ["-s", "prod", "--out", "-", "--set", "clair.matcher.replicas=12"], { silent: true });
            assert.equal(r.status, 0, r.stderr);
            assert.ok(r.stdout.startsWith("---\n"), "a stream of documents");
            const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
            assert.ok(docs.length >= 40, `${docs.length} objects`);
            for (const d of docs) assert.ok(d.apiVersion && d.kind && d.metadata?.name, JSON.stringify(d).slice(0, 80));
            const matcher = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "clair-matcher");
            // Prod runs 10 matchers (Pulumi.prod.yaml); the --set makes it 12.
            assert.equal(matcher.spec.replicas, 12);
            assert.ok(!fs.existsSync(path.join(process.cwd(), "-")), "no folder named -");
        });
    });
});
