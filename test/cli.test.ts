/**
 * The command-line tools as people run them: npm's scripts, real processes, real exit
 * statuses. Errors end with the usage line and exit non-zero; render refuses a folder that holds
 * files already. The runs that evaluate the program in a tool process of their own (--json, render
 * --clean) are slow by nature: test/real/cli.test.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { closestFlags, errorText, fsErrorText, parse as parseArgv, UsageError } from "../tools/cli";
import * as capacityCli from "../tools/capacity";
import * as checkManifestsCli from "../tools/check-manifests";
import * as renderCli from "../tools/render";
import { prepareOutDir } from "../tools/render";
import { lastLine, npmRun, npmRunWithoutDashes, type Result } from "./cli-run";

const ROOT = path.resolve(__dirname, "..");

/** The npm script's own command (package.json), without npm: quicker for the many error cases. */
function direct(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Result {
    const command: string = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts[script];
    const [program, ...base] = command.split(" ");
    assert.equal(program, "node", `${script} runs node`);
    // Without npm's own variables, unless a case sets them: this process may run under npm test.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_")));
    const r = spawnSync(process.execPath, [...base, ...args], { cwd: ROOT, encoding: "utf8", env: { ...clean, ...env } });
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
            ["capacity", ["--stak", "prod"], 2, /unknown flag --stak: did you mean --stack\?/],
            ["capacity", ["--stcak", "prod"], 2, /unknown flag --stcak: did you mean --stack\?/],
            ["capacity", ["--comapre", "stage"], 2, /unknown flag --comapre: did you mean --compare\?/],
            ["capacity", ["--stack", "prd"], 1, /no stack file Pulumi\.prd\.yaml \(stacks: local, prod, stage\); did you mean prod\?/],
            ["capacity", [], 2, /--stack is required \(stacks: local, prod, stage\)/],
            ["capacity", ["--stack", "prod", "--set", "replicas"], 2, /--set replicas: expected key=value/],
            ["capacity", ["--stack", "prod", "--json", "/nonexistent-folder/f.json"], 1, /the folder \/nonexistent-folder does not exist/],
            ["capacity", ["--stack", "prod", "--set", "clair.indexer.replicas=-1"], 1, /clair\.indexer\.replicas/],
            ["render", ["--stack", "prod"], 2, /--out is required/],
            ["render", ["--stack", "nosuch", "--out", "/tmp/unused-render-dir"], 1, /no stack file Pulumi\.nosuch\.yaml/],
            ["render", ["--stack", "prod", "--out", "x", "stray"], 2, /Unexpected argument 'stray'/],
            ["render", ["-s", "prod", "--out", "-", "--clean"], 2, /--clean empties a folder; with --out - nothing is written to one/],
            ["render", ["-s", "prod", "--out", "-", "--set", "replicas"], 2, /--set replicas: expected key=value/],
            ["check:manifests", ["--stack", "nosuch"], 1, /no stack file Pulumi\.nosuch\.yaml/],
            ["check:manifests", ["-s", "prod", "--set", "replicas"], 2, /--set replicas: expected key=value/],
            ["check:manifests", ["--verbos"], 2, /unknown flag --verbos: did you mean --verbose\?/],
            ["check:manifests", ["-s", "prod", "--allow-mising"], 2, /unknown flag --allow-mising: did you mean --allow-missing\?/],
            ["check:manifests", ["-s", "prod", "--clean"], 2, /--clean empties the --out folder/],
            ["render", ["-s", "prod", "--out", "x", "--sett", "a=1"], 2, /unknown flag --sett: did you mean --set\?/],
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

        it("a flag far from every real one is named without a guess", () => {
            const r = direct("capacity", ["--xyzzy"]);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /unknown flag --xyzzy\n/);
        });
    });

    describe("--help", () => {
        const commands: [string, { OPTIONS: Record<string, { type: string; short?: string }> }][] = [
            ["capacity", capacityCli],
            ["render", renderCli],
            ["check:manifests", checkManifestsCli],
        ];
        // The stacks are the Pulumi.<name>.yaml files beside Pulumi.yaml.
        const stacks = fs
            .readdirSync(ROOT)
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .map((f) => f.slice("Pulumi.".length, -".yaml".length))
            .sort();
        for (const [script, mod] of commands) {
            it(`npm run ${script} -- --help: the usage line, one line per flag, the stacks, two examples that parse`, () => {
                const r = direct(script, ["--help"]);
                assert.equal(r.status, 0, r.stderr);
                assert.match(r.stdout, new RegExp(`^usage: npm run ${script} -- --stack `));
                const lines = r.stdout.split("\n");
                const start = lines.indexOf("flags:");
                assert.ok(start > 0, "a flags section");
                const flagLines = lines.slice(start + 1, lines.indexOf("", start));
                // Every flag the command accepts, and --help, each on exactly one line with words after it.
                const flags = [...Object.keys(mod.OPTIONS), "help"];
                assert.equal(flagLines.length, flags.length, flagLines.join("\n"));
                for (const flag of flags) {
                    const line = flagLines.filter((l) => new RegExp(`^  (-\\w, )?\\s*--${flag}\\b`).test(l));
                    assert.equal(line.length, 1, `--${flag}: ${flagLines.join("\n")}`);
                    assert.match(line[0], /\S {2,}\w.{10,}/, `--${flag} has a description`);
                    const short = mod.OPTIONS[flag]?.short;
                    if (short) assert.ok(line[0].includes(`-${short}, --${flag}`), `-${short} shown beside --${flag}`);
                }
                assert.ok(r.stdout.includes(`stacks: ${stacks.join(", ")}`), "names the stacks");
                const examples = lines.slice(lines.indexOf("examples:") + 1).filter((l) => l.trim());
                assert.ok(examples.length >= 2, "two examples");
                for (const example of examples) {
                    const m = new RegExp(`^  npm run (?:-s )?${script} -- (.*?)(?: [|>] .*)?$`).exec(example);
                    assert.ok(m, `an npm run ${script} command: ${example}`);
                    // Each example is a command line the command accepts.
                    assert.doesNotThrow(() => parseArgv(mod.OPTIONS as never, m![1].split(" "), { json: "-" } as never), example);
                }
            });
        }
    });

    describe("npm run <command> without --", () => {
        it("npm run capacity --stack prod: npm takes --stack, the command says to add --", () => {
            const r = npmRunWithoutDashes("capacity", ["--stack", "prod"]);
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr, /npm took --stack as its own option: a script's flags go after "--"\. Run: npm run capacity -- --stack prod\n/);
        });

        it("names every flag npm took, with --name=value and a switch", () => {
            // As npm passes `npm run render --stack=prod --out /tmp/r --clean` on.
            const r = direct("render", ["/tmp/r"], {
                npm_lifecycle_event: "render",
                npm_config_stack: "prod",
                npm_config_out: "true",
                npm_config_clean: "true",
            });
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr, /npm took --stack, --out, --clean as its own options.*Run: npm run render -- --stack prod --out \/tmp\/r --clean\n/);
        });

        it("outside npm, the same variables mean nothing", () => {
            const r = direct("capacity", ["--stak"], { npm_config_stack: "true" });
            assert.match(r.stderr, /unknown flag --stak/);
        });
    });

    describe("paths: what is wrong with which one, never a raw Node error", () => {
        const raw = /\b(EISDIR|ENOTDIR|ENOENT|EACCES|EEXIST)\b|at .*\.ts:\d+/;
        const cases: [string, string[], RegExp][] = [
            ["capacity", ["--json", "{tmp}"], /--json {tmp}: {tmp} is a folder; give a file name in it/],
            ["capacity", ["--json", "{file}/report.json"], /--json {file}\/report\.json: {file} is a file, not a folder/],
            ["capacity", ["--json", "{tmp}/missing/report.json"], /--json {tmp}\/missing\/report\.json: the folder {tmp}\/missing does not exist/],
            ["render", ["--out", "{file}"], /--out {file}: {file} is a file, not a folder/],
            ["render", ["--out", "{file}/sub/dir"], /--out {file}\/sub\/dir: {file} is a file, not a folder/],
            ["check:manifests", ["--json", "{tmp}"], /--json {tmp}: {tmp} is a folder/],
            ["check:manifests", ["--out", "{file}"], /--out {file}: {file} is a file, not a folder/],
        ];
        for (const [script, args, message] of cases) {
            it(`npm run ${script} -- --stack prod ${args.join(" ")}`, () => {
                const file = path.join(tmp, "a-file");
                fs.writeFileSync(file, "x\n");
                const fill = (s: string) => s.replaceAll("{tmp}", tmp).replaceAll("{file}", file);
                const r = direct(script, ["--stack", "prod", ...args.map(fill)]);
                assert.equal(r.status, 1, r.stderr);
                assert.match(r.stderr, new RegExp(fill(message.source)));
                assert.doesNotMatch(r.stderr, raw);
            });
        }

        it("a file system error the commands did not foresee is said in words, with its path", () => {
            const errorOf = (f: () => unknown) => {
                try {
                    f();
                } catch (err) {
                    return err;
                }
                assert.fail("no error");
            };
            assert.equal(fsErrorText(errorOf(() => fs.writeFileSync(tmp, ""))), `${tmp}: is a folder, where a file was expected`);
            // Reading a folder fails on read(2), which names no path.
            assert.equal(fsErrorText(errorOf(() => fs.readFileSync(tmp))), "a file system read failed: a folder was given where a file was expected");
            const file = path.join(tmp, "plain");
            fs.writeFileSync(file, "");
            assert.equal(fsErrorText(errorOf(() => fs.readdirSync(file))), `${file}: is not a folder: a part of the path is a file`);
            assert.equal(fsErrorText(errorOf(() => fs.readFileSync(path.join(tmp, "none")))), `${path.join(tmp, "none")}: does not exist`);
            assert.equal(
                errorText(
                    "tool",
                    "u",
                    errorOf(() => fs.writeFileSync(tmp, "")),
                ),
                `tool: ${tmp}: is a folder, where a file was expected\nusage: u\n`,
            );
            assert.equal(fsErrorText(new Error("plain")), undefined);
        });
    });

    describe("render --out", () => {
        it("refuses a folder that holds files, before running the program, and leaves it as it was", () => {
            const dir = path.join(tmp, "stale");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "deployment-gone.yaml"), "kind: Deployment\n");
            const r = npmRun("render", ["--stack", "prod", "--out", dir]);
            assert.equal(r.status, 1);
            assert.match(r.stderr, /--out .*: .* is not empty \(1 entries: deployment-gone\.yaml\)/);
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

        it("check:manifests --out: suggests the --clean it takes, before installing any checker", () => {
            const dir = path.join(tmp, "checked");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "deployment-gone.yaml"), "kind: Deployment\n");
            const r = direct("check:manifests", ["--stack", "prod", "--out", dir]);
            assert.equal(r.status, 1);
            assert.match(r.stderr, /is not empty.*or --clean to delete its \*\.yaml files first/);
            assert.doesNotMatch(r.stderr, /\[checkers\]/, "refused before scripts/checkers.sh ran");
            // The flag it suggests is one it accepts.
            assert.equal(parseArgv(checkManifestsCli.OPTIONS, ["--stack", "prod", "--out", dir, "--clean"]).clean, true);
            fs.writeFileSync(path.join(dir, "notes.txt"), "mine\n");
            const mixed = direct("check:manifests", ["--stack", "prod", "--out", dir, "--clean"]);
            assert.equal(mixed.status, 1);
            assert.match(mixed.stderr, /holds more than \*\.yaml files \(notes\.txt\)/);
            assert.deepEqual(fs.readdirSync(dir).sort(), ["deployment-gone.yaml", "notes.txt"]);
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
            assert.throws(
                () => parseArgv(options, ["--nope"]),
                (e: unknown) => e instanceof UsageError && /--nope/.test((e as Error).message),
            );
            assert.equal(errorText("tool", "npm run tool -- --stack <name>", new Error("bad\n")), "tool: bad\nusage: npm run tool -- --stack <name>\n");
        });

        it("--json without a value is --json - (stdout), as Pulumi's --json; a file name or - stays as given", () => {
            const json = (argv: string[]) => parseArgv(capacityCli.OPTIONS, argv, capacityCli.HELP.optionalValues).json;
            assert.equal(json(["--stack", "prod", "--json"]), "-");
            assert.equal(json(["--json", "--stack", "prod"]), "-");
            assert.equal(json(["--json", "-s", "prod"]), "-");
            assert.equal(json(["--json", "-", "--stack", "prod"]), "-");
            assert.equal(json(["--json", "out.json", "--stack", "prod"]), "out.json");
            assert.equal(json(["--json=out.json"]), "out.json");
            assert.equal(parseArgv(checkManifestsCli.OPTIONS, ["-s", "prod", "--json"], checkManifestsCli.HELP.optionalValues).json, "-");
            // Without the declaration a missing value stays a mistake.
            assert.throws(() => parseArgv(capacityCli.OPTIONS, ["--stack", "prod", "--json"]), UsageError);
        });

        it("suggests the flags one edit away (two for names longer than four letters), nothing further", () => {
            const known = ["stack", "set", "compare", "json", "out", "clean", "verbose", "allow-missing"];
            assert.deepEqual(closestFlags("stak", known), ["stack"]);
            assert.deepEqual(closestFlags("Stack", known), ["stack"]);
            assert.deepEqual(closestFlags("stcak", known), ["stack"]);
            assert.deepEqual(closestFlags("jsn", known), ["json"]);
            // "sat" is one edit from "set" only.
            assert.deepEqual(closestFlags("sat", known), ["set"]);
            assert.deepEqual(closestFlags("ot", known), ["out"]);
            // Two edits from "out" but only three letters: no guess.
            assert.deepEqual(closestFlags("xyt", known), []);
            assert.deepEqual(closestFlags("verbosity", known), []);
            // A transposition is two edits: at three letters, no guess.
            assert.deepEqual(closestFlags("ste", ["set", "stack"]), []);
        });
    });
});
