/**
 * The command-line tools as people run them (issue 14): npm's scripts, real processes, real exit
 * statuses. Errors end with the usage line and exit non-zero; render refuses a folder that holds
 * files already. The runs that evaluate the program in a tool process of their own (--json, render
 * --clean) are slow by nature: test/real/cli.test.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { errorText, parse as parseArgv, UsageError } from "../tools/cli";
import { prepareOutDir } from "../tools/render";
import { lastLine, npmRun, type Result } from "./cli-run";

const ROOT = path.resolve(__dirname, "..");

/** The npm script's own command (package.json), without npm: quicker for the many error cases. */
function direct(script: string, args: string[]): Result {
    const command: string = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts[script];
    const [program, ...base] = command.split(" ");
    assert.equal(program, "node", `${script} runs node`);
    const r = spawnSync(process.execPath, [...base, ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("command-line tools", function () {
    this.timeout(120000);
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    describe("errors end with the usage line and exit non-zero", () => {
        const cases: [string, string[], number, RegExp][] = [
            ["capacity", ["--stack", "nosuch"], 1, /no stack file Pulumi\.nosuch\.yaml \(stacks: local, prod, stage\)/],
            ["capacity", ["--stak", "prod"], 2, /Unknown option '--stak'/],
            ["capacity", [], 2, /--stack is required \(stacks: local, prod, stage\)/],
            ["capacity", ["--stack", "prod", "--set", "replicas"], 2, /--set replicas: expected key=value/],
            ["capacity", ["--stack", "prod", "--json"], 2, /--json/],
            ["capacity", ["--stack", "prod", "--json", "/nonexistent-folder/f.json"], 1, /the folder \/nonexistent-folder does not exist/],
            ["capacity", ["--stack", "prod", "--set", "clair.indexer.replicas=-1"], 1, /clair\.indexer\.replicas/],
            ["render", ["--stack", "prod"], 2, /--out is required/],
            ["render", ["--stack", "nosuch", "--out", "/tmp/unused-render-dir"], 1, /no stack file Pulumi\.nosuch\.yaml/],
            ["render", ["--stack", "prod", "--out", "x", "stray"], 2, /Unexpected argument 'stray'/],
            ["render", ["-s", "prod", "--out", "-", "--clean"], 2, /--clean empties a folder; with --out - nothing is written to one/],
            ["render", ["-s", "prod", "--out", "-", "--set", "replicas"], 2, /--set replicas: expected key=value/],
            ["check:manifests", ["--stack", "nosuch"], 1, /no stack file Pulumi\.nosuch\.yaml/],
            ["check:manifests", ["-s", "prod", "--set", "replicas"], 2, /--set replicas: expected key=value/],
            ["check:manifests", ["--verbos"], 2, /Unknown option '--verbos'/],
        ];
        cases.forEach(([script, args, status, message], i) => {
            // The first case of each command through npm itself, the rest as npm would run them.
            const viaNpm = cases.findIndex((c) => c[0] === script) === i;
            it(`npm run ${script} -- ${args.join(" ")}`.trimEnd() + (viaNpm ? " (through npm)" : ""), () => {
                const r = viaNpm ? npmRun(script, args) : direct(script, args);
                assert.equal(r.status, status, r.stderr);
                assert.match(r.stderr, message);
                assert.match(lastLine(r.stderr), new RegExp(`^usage: npm run ${script} -- --stack `));
                assert.ok(r.stderr.includes(`${script}: `), "names the command");
            });
        });

        it("--help prints the usage line and exits 0", () => {
            for (const script of ["capacity", "render", "check:manifests"]) {
                const r = direct(script, ["--help"]);
                assert.equal(r.status, 0);
                assert.match(r.stdout, new RegExp(`^usage: npm run ${script} -- --stack `));
            }
        });
    });

    describe("render --out", () => {
        it("refuses a folder that holds files, before running the program, and leaves it as it was", () => {
            const dir = path.join(tmp, "stale");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "deployment-gone.yaml"), "kind: Deployment\n");
            const r = npmRun("render", ["--stack", "prod", "--out", dir]);
            assert.equal(r.status, 1);
            assert.match(r.stderr, /is not empty \(1 entries: deployment-gone\.yaml\)/);
            assert.match(r.stderr, /--clean/);
            assert.match(lastLine(r.stderr), /^usage: npm run render -- /);
            assert.deepEqual(fs.readdirSync(dir), ["deployment-gone.yaml"]);
        });

        it("with --clean, refuses a folder that holds anything but *.yaml files, and deletes nothing", () => {
            const dir = path.join(tmp, "mixed");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "a.yaml"), "kind: A\n");
            fs.writeFileSync(path.join(dir, "notes.txt"), "mine\n");
            assert.throws(() => prepareOutDir(dir, { clean: true }), /holds more than \*\.yaml files \(notes\.txt\)/);
            assert.deepEqual(fs.readdirSync(dir).sort(), ["a.yaml", "notes.txt"]);
            assert.throws(() => prepareOutDir(dir), /not empty \(2 entries/);
        });

        it("takes a missing or empty folder as it is", () => {
            assert.equal(prepareOutDir(path.join(tmp, "missing")), 0);
            fs.mkdirSync(path.join(tmp, "empty"));
            assert.equal(prepareOutDir(path.join(tmp, "empty")), 0);
        });
    });

    describe("argument parsing", () => {
        it("turns parseArgs' complaints into usage errors, and formats them with the usage line last", () => {
            const options = { stack: { type: "string" as const } };
            assert.deepEqual({ ...parseArgv(options, ["--stack", "prod"]) }, { stack: "prod" });
            assert.throws(() => parseArgv(options, ["--nope"]), (e: unknown) => e instanceof UsageError && /--nope/.test((e as Error).message));
            assert.equal(errorText("tool", "npm run tool -- --stack <name>", new Error("bad\n")), "tool: bad\nusage: npm run tool -- --stack <name>\n");
        });
    });
});
