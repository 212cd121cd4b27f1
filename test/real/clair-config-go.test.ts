/**
 * The Clair config file each stack renders is accepted by Clair's own config code:
 * tools/clair-config-check loads it like Clair v4.8 (YAML -> JSON, unknown keys refused)
 * and runs github.com/quay/clair/config's Validate/Lint for indexer, matcher and notifier.
 * Needs the Go toolchain; the checker is built once, its modules come from the Go proxy.
 */
import { strict as assert } from "assert";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CLAIR_CONFIG_KEYS } from "../../lib/clair-config-keys";
import { listStacks, runProgram, stackConfig, unwrapSecrets, type MockRun } from "../../tools/mock-run";
import { withProgress } from "../../tools/progress";

const CHECKER_DIR = path.resolve(__dirname, "../../tools/clair-config-check");
const MODES = ["indexer", "matcher", "notifier"];

/**
 * Lint warnings the rendered config is known to raise, and why they stay; any other fails. A
 * stack without clair.notifier.webhookTarget (the local one) has a notifier with no delivery
 * mechanism: it records notifications only. (The indexer's "automatically sizing number of
 * concurrent requests" is gone: the program writes index_report_request_concurrency.)
 */
function acceptedWarnings(stack: string, mode: string): string[] {
    const webhook = JSON.parse(stackConfig(stack)["scanning-platform:clair"] ?? "{}").notifier?.webhookTarget;
    if (mode === "notifier" && !webhook) return ["no delivery mechanisms specified (at $.notifier)"];
    return [];
}

/** A config file of a run: the one clair-config Secret's config.yaml (or the dedicated updater's updater.yaml). */
function renderedConfig(run: MockRun, file = "config.yaml"): string {
    const secrets = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "clair-config");
    assert.equal(secrets.length, 1, "one clair-config Secret");
    const document = unwrapSecrets(secrets[0].inputs).stringData[file];
    assert.equal(typeof document, "string");
    return document;
}

interface ModeResult {
    ok: boolean;
    errors: string[];
    warnings: string[];
    /** The mode's settings as Clair runs with them, after Validate filled in or replaced values. */
    effective: Record<string, number>;
    /** Matcher mode: updaters.sets as the matcher runs it, null for every set, [] for none. */
    updater_sets?: string[] | null;
}
interface CheckResult {
    ok: boolean;
    modes: Record<string, ModeResult>;
}

/** `go build -o out .` in tools/clair-config-check, without blocking the event loop (the progress line ticks). */
function goBuild(out: string): Promise<{ status: number | null; stderr: string; error?: Error }> {
    return new Promise((resolve) => {
        const child = spawn("go", ["build", "-o", out, "."], { cwd: CHECKER_DIR, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", (error) => resolve({ status: null, stderr, error }));
        child.on("close", (status) => resolve({ status, stderr }));
    });
}

describe("Clair config is accepted by Clair v4.8's own config package", function () {
    let tmp: string;
    let checker: string;

    before(async function () {
        this.timeout(600000);
        try {
            execFileSync("go", ["version"], { stdio: "pipe" });
        } catch {
            assert.fail("the Go toolchain (`go`) is not on PATH: it is needed to build tools/clair-config-check (Clair's config validator)");
        }
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "clair-config-check-"));
        checker = path.join(tmp, "clair-config-check");
        const started = Date.now();
        // Cold (empty Go caches) this downloads Clair's modules and compiles them: about 40 s of silence otherwise.
        const build = await withProgress("      building tools/clair-config-check with Go (first time about 40 s)", () => goBuild(checker));
        assert.equal(build.status, 0, `go build of tools/clair-config-check failed:\n${build.stderr}${build.error ?? ""}`);
        console.log(`      (built clair-config-check in ${((Date.now() - started) / 1000).toFixed(1)}s)`);
    });

    after(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** Writes the document as config.yaml (Clair picks the decoder by extension) and checks it. */
    function check(name: string, document: string): CheckResult {
        const dir = path.join(tmp, name);
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, "config.yaml");
        fs.writeFileSync(file, document);
        const result = spawnSync(checker, [file], { encoding: "utf8" });
        assert.ok(result.status === 0 || result.status === 1, `checker crashed (status ${result.status}):\n${result.stderr}${result.error ?? ""}`);
        const parsed: CheckResult = JSON.parse(result.stdout);
        assert.deepEqual(Object.keys(parsed.modes).sort(), MODES);
        assert.equal(result.status === 0, parsed.ok, "exit status agrees with the result");
        return parsed;
    }

    for (const stack of listStacks()) {
        describe(`the ${stack} stack`, () => {
            let document: string;

            before(async function () {
                this.timeout(120000);
                document = renderedConfig(await runProgram(stack));
            });

            it("decodes strictly and validates for indexer, matcher and notifier", () => {
                const result = check(`${stack}-rendered`, document);
                for (const mode of MODES) {
                    const r = result.modes[mode];
                    assert.deepEqual(r.errors, [], `${mode} mode: ${r.errors.join("; ")}`);
                    // Clair's Lint warnings are settings it tolerates but flags: each one we accept is
                    // listed with why; any other fails.
                    assert.deepEqual(r.warnings, acceptedWarnings(stack, mode), `${mode} mode warnings: ${r.warnings.join("; ")}`);
                    assert.equal(r.ok, true, `${mode} mode ok`);
                }
                assert.equal(result.ok, true);
            });

            // Disconnected mode (matcher.disable_updaters, indexer.airgap): the local stack file turns
            // it on, stage and prod get it with --set here; the same lint warnings are accepted.
            const disconnectedByFile = () => JSON.parse(stackConfig(stack)["scanning-platform:clair"] ?? "{}").disconnected?.enabled === true;
            it("in disconnected mode too: matcher.disable_updaters and indexer.airgap decode strictly and validate for every mode", async function () {
                this.timeout(120000);
                const offline = disconnectedByFile()
                    ? document
                    : renderedConfig(
                          await runProgram(stack, {
                              sets: {
                                  "clair.disconnected.enabled": "true",
                                  "clair.disconnected.bundleUrl": "http://mirror.internal/clair/updates.json.gz",
                                  "clair.disconnected.rhelMappings.configMap": "clair-rhel-mappings",
                              },
                          }),
                      );
                const doc = parse(offline);
                assert.equal(doc.matcher.disable_updaters, true);
                assert.equal(doc.indexer.airgap, true);
                const result = check(`${stack}-disconnected`, offline);
                for (const mode of MODES) {
                    const r = result.modes[mode];
                    assert.deepEqual(r.errors, [], `${mode} mode: ${r.errors.join("; ")}`);
                    assert.deepEqual(r.warnings, acceptedWarnings(stack, mode), `${mode} mode warnings: ${r.warnings.join("; ")}`);
                    assert.equal(r.ok, true, `${mode} mode ok`);
                }
                // Clair knows the two keys (an unknown key fails every mode): one letter off is refused.
                const typo = parse(offline);
                delete typo.matcher.disable_updaters;
                typo.matcher.disable_updater = true;
                const rejected = check(`${stack}-disconnected-typo`, stringify(typo));
                for (const mode of MODES) assert.match(rejected.modes[mode].errors.join("\n"), /unknown field "disable_updater"/);
            });

            // The stack file's clair block, for the values a stack sets itself (stage and prod: updateRetention).
            const stackClair = () => JSON.parse(stackConfig(stack)["scanning-platform:clair"] ?? "{}");

            it("runs the matcher with garbage collection on, at the rendered update_retention; the key's 0 runs with it off; -1 and 1, which Clair changes without an error, are refused at preview", async function () {
                this.timeout(120000);
                // Clair's default (v4.8.0 config/defaults.go) where the stack file sets none.
                const expected = stackClair().matcher?.updateRetention ?? 10;
                assert.ok(expected >= 2, "every stack keeps garbage collection on");
                assert.equal(parse(document).matcher.update_retention, expected, "written out");
                const rendered = check(`${stack}-retention`, document);
                assert.equal(rendered.modes.matcher.effective["matcher.update_retention"], expected, "Clair keeps the value");
                assert.ok(!rendered.modes.matcher.warnings.some((w) => /garbage collection is off/.test(w)));
                const gcOff = (result: CheckResult) =>
                    result.modes.matcher.warnings.some((w) => /update garbage collection is off \(at \$\.matcher\.update_retention\)/.test(w));
                // What Clair's own validation makes of each value written as is (config/matcher.go): it errs on none.
                for (const [value, clairRuns] of [
                    [-1, 0],
                    [0, 10],
                    [1, 10],
                ] as const) {
                    const doc = parse(document);
                    doc.matcher.update_retention = value;
                    const result = check(`${stack}-retention-${value}`, stringify(doc));
                    assert.equal(result.modes.matcher.ok, true, `Clair accepts ${value}`);
                    assert.equal(result.modes.matcher.effective["matcher.update_retention"], clairRuns, `Clair runs ${value} as ${clairRuns}`);
                    assert.equal(gcOff(result), clairRuns === 0, `GC off warning for ${value}`);
                }
                // The key's 0: the file the program renders runs with garbage collection off, and says so.
                const off = check(`${stack}-retention-off`, renderedConfig(await runProgram(stack, { sets: { "clair.matcher.updateRetention": "0" } })));
                assert.equal(off.modes.matcher.ok, true);
                assert.equal(off.modes.matcher.effective["matcher.update_retention"], 0, "Clair runs it with GC off");
                assert.ok(gcOff(off), "Clair warns that GC is off");
                await refusedAtPreview(
                    "clair.matcher.updateRetention",
                    -1,
                    /is negative; must be 2 or more \(Clair's default: 10\), or 0 to turn garbage collection off/,
                );
                await refusedAtPreview("clair.matcher.updateRetention", 1, /is below 2, Clair's minimum .*would silently keep 10 instead/);
            });

            /** The program's refusal of `value` for `key` at preview (the config check runs before any resource). */
            async function refusedAtPreview(key: string, value: number, why: RegExp): Promise<void> {
                await assert.rejects(runProgram(stack, { sets: { [key]: String(value) } }), (err: Error) => {
                    const dotted = key.replace(/\./g, "\\.");
                    assert.match(err.message, new RegExp(`--set ${dotted}: scanning-platform:${dotted} = ${value}: ${why.source}`));
                    return true;
                });
            }

            it("runs the indexer with the rendered request limit and scan lock retry; the values Clair warns about or replaces are refused at preview", async function () {
                this.timeout(120000);
                const doc = parse(document);
                // Unset: what Clair sizes in the pod, 4 x GOMAXPROCS (config/indexer.go) with GOMAXPROCS the
                // CPU limit in whole cores (initialize/auto), at least one core (2 CPUs by default, the local
                // stack's 250m counts one). Clair's DefaultScanLockRetry is 1.
                const cpu = String(stackClair().indexer?.resources?.limits?.cpu ?? "2");
                const cores = cpu.endsWith("m") ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
                const concurrency = stackClair().indexer?.indexReportRequestConcurrency ?? 4 * Math.max(1, Math.floor(cores));
                const retry = stackClair().indexer?.scanlockRetry ?? 1;
                assert.equal(doc.indexer.index_report_request_concurrency, concurrency, "written out");
                assert.equal(doc.indexer.scanlock_retry, retry, "written out");
                const rendered = check(`${stack}-indexer`, document);
                assert.deepEqual(rendered.modes.indexer.effective, {
                    "indexer.index_report_request_concurrency": concurrency,
                    "indexer.layer_scan_concurrency": doc.indexer.layer_scan_concurrency,
                    "indexer.scanlock_retry": retry,
                });

                const with_ = (key: string, value: number) => {
                    const changed = parse(document);
                    changed.indexer[key] = value;
                    const result = check(`${stack}-${key}-${value}`, stringify(changed));
                    assert.equal(result.modes.indexer.ok, true, `Clair accepts ${key} ${value}`);
                    return result.modes.indexer;
                };
                // 0: Clair guesses from the cores it sees and says so; -1: no limit at all. Clair errs on neither.
                const guessed = with_("index_report_request_concurrency", 0);
                assert.ok(guessed.effective["indexer.index_report_request_concurrency"] > 0);
                assert.ok(guessed.warnings.includes("automatically sizing number of concurrent requests (at $.indexer.index_report_request_concurrency)"));
                assert.equal(with_("index_report_request_concurrency", -1).effective["indexer.index_report_request_concurrency"], -1);
                await refusedAtPreview("clair.indexer.indexReportRequestConcurrency", 0, /leaves the limit to Clair's guess/);
                await refusedAtPreview("clair.indexer.indexReportRequestConcurrency", -1, /removes Clair's limit/);
                // 0 becomes 1; 11 passes with a lint warning.
                assert.equal(with_("scanlock_retry", 0).effective["indexer.scanlock_retry"], 1);
                assert.ok(with_("scanlock_retry", 11).warnings.includes("large values will increase latency (at $.indexer.scanlock_retry)"));
                assert.ok(!with_("scanlock_retry", 10).warnings.some((w) => /scanlock_retry/.test(w)), "10, the largest we allow, raises no warning");
                await refusedAtPreview("clair.indexer.scanlockRetry", 0, /must be 1 to 10 seconds/);
                await refusedAtPreview("clair.indexer.scanlockRetry", 11, /is above 10, where Clair warns/);
            });

            it("is rejected once an unknown key is injected (matcher.max_conn_poool)", () => {
                const doc = parse(document);
                doc.matcher.max_conn_poool = 3;
                const result = check(`${stack}-unknown-key`, stringify(doc));
                assert.equal(result.ok, false);
                for (const mode of MODES) {
                    assert.equal(result.modes[mode].ok, false, `${mode} mode rejects it`);
                    assert.match(result.modes[mode].errors.join("\n"), /unknown field "max_conn_poool"/);
                }
            });

            it("is rejected for the matcher when matcher.indexer_addr is a bare host name", () => {
                const doc = parse(document);
                doc.matcher.indexer_addr = "clair-indexer";
                const result = check(`${stack}-bare-addr`, stringify(doc));
                assert.equal(result.modes.matcher.ok, false);
                assert.match(result.modes.matcher.errors.join("\n"), /matcher\.indexer_addr/);
                assert.equal(result.modes.indexer.ok, true, "the indexer does not read matcher.indexer_addr");
            });
        });
    }

    describe("updaters and config overrides, as Clair reads them", () => {
        /** Every mode valid, with only the stage stack's accepted warnings (none). */
        function valid(result: CheckResult, what: string): void {
            for (const mode of MODES) {
                const r = result.modes[mode];
                assert.deepEqual(r.errors, [], `${what}, ${mode} mode: ${r.errors.join("; ")}`);
                assert.deepEqual(r.warnings, acceptedWarnings("stage", mode), `${what}, ${mode} mode warnings: ${r.warnings.join("; ")}`);
            }
        }

        it("knows the keys Clair's decoder knows: lib/clair-config-keys.ts equals the tree reflected from Clair's config types", () => {
            const result = spawnSync(checker, ["--keys"], { encoding: "utf8" });
            assert.equal(result.status, 0, result.stderr);
            assert.deepEqual(CLAIR_CONFIG_KEYS, JSON.parse(result.stdout));
        });

        it("runs every set with no updaters section; the chosen sets with one", async function () {
            this.timeout(120000);
            const plain = check("stage-all-sets", renderedConfig(await runProgram("stage")));
            assert.equal(plain.modes.matcher.updater_sets, null, "null: every set Clair has");
            const chosen = check(
                "stage-sets",
                renderedConfig(
                    await runProgram("stage", {
                        sets: { "clair.updaters.sets": '["debian","osv"]', "clair.updaters.config": '{"osv":{"url":"https://mirror.internal/osv/"}}' },
                    }),
                ),
            );
            valid(chosen, "chosen sets");
            assert.deepEqual(chosen.modes.matcher.updater_sets, ["debian", "osv"]);
        });

        it("dedicated updater: the matchers' file runs no updater, the updater's file runs the chosen sets; both valid in every mode", async function () {
            this.timeout(120000);
            const run = await runProgram("stage", { sets: { "clair.updaters.dedicated": "true", "clair.updaters.sets": '["debian","osv"]' } });
            const matchers = check("stage-dedicated-matchers", renderedConfig(run));
            valid(matchers, "the matchers' file");
            // Clair's config.go empties updaters.sets under matcher.disable_updaters.
            assert.deepEqual(matchers.modes.matcher.updater_sets, []);
            const updater = check("stage-dedicated-updater", renderedConfig(run, "updater.yaml"));
            valid(updater, "the updater's file");
            assert.deepEqual(updater.modes.matcher.updater_sets, ["debian", "osv"]);
        });

        it("decodes a file with overrides merged (matchers, scanner, trace, cache_age) strictly in every mode", async function () {
            this.timeout(120000);
            const override = {
                matchers: { config: { rhel: { ignore_unpatched: true } }, names: ["rhel", "rhel-container-matcher"] },
                indexer: { scanner: { repo: { "rhel-repository-scanner": { disable_api: true } } } },
                matcher: { cache_age: "12h" },
                notifier: { webhook: { headers: { "X-Team": ["security"] } } },
                trace: { name: "otlp", probability: 0.1 },
            };
            const run = await runProgram("stage", { sets: { "clair.configOverrides": JSON.stringify(override) } });
            valid(check("stage-overrides", renderedConfig(run)), "with overrides");
        });

        it("leaves value types to Clair: a list key given a string passes the preview and Clair's decoder refuses it", async function () {
            this.timeout(120000);
            const run = await runProgram("stage", { sets: { "clair.configOverrides": JSON.stringify({ matchers: { names: "rhel" } }) } });
            const result = check("stage-override-type", renderedConfig(run));
            for (const mode of MODES)
                assert.match(result.modes[mode].errors.join("\n"), /cannot unmarshal string into Go struct field .*names of type \[\]string/);
        });
    });
});
