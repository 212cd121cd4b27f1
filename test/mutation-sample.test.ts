/**
 * The sampled mutation run (tools/stryker-sample-checker.mjs) and its summary
 * (tools/mutation-summary.ts): the sample is the same on every run and has the size the rate
 * asks for, and the score and its interval are the textbook figures.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { pathToFileURL } from "url";
import { formatSummary, OUTSIDE_THE_SAMPLE, parseSummaryArgs, summarize, wilsonInterval } from "../tools/mutation-summary";

/**
 * Runs `body` (an async function body; `m` is the checker module) in a plain Node.js ES module and
 * returns its JSON result: the checker is an ES module (Stryker loads plugins with import()), which
 * the fast lane's CommonJS loader cannot import, and Node.js before 20.19 cannot require.
 */
function withChecker<T>(body: string, env: Record<string, string> = {}): T {
    const url = pathToFileURL(path.join(ROOT, "tools", "stryker-sample-checker.mjs")).href;
    const script = `const m = await import(${JSON.stringify(url)}); const result = await (async () => { ${body} })(); process.stdout.write(JSON.stringify(result));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
    return JSON.parse(out) as T;
}
const ROOT = path.resolve(__dirname, "..");

describe("the sampled mutation run", function () {
    this.timeout(20_000);

    it("names its set-asides the way the summary counts them", () => {
        assert.equal(withChecker<string>("return m.OUTSIDE_THE_SAMPLE;"), OUTSIDE_THE_SAMPLE);
    });

    it("draws the rate's share of mutants, within three standard deviations of a binomial draw", () => {
        const n = 20_000;
        const rate = 0.03;
        const drawn = withChecker<number>(
            `let k = 0; for (let i = 0; i < ${n}; i++) if (m.inSample(\`components/x.ts:\${i}:0-\${i}:9:StringLiteral:""\`, ${rate})) k++; return k;`,
        );
        const expected = n * rate; // 600
        const sd = Math.sqrt(n * rate * (1 - rate)); // 24.1
        assert.ok(Math.abs(drawn - expected) <= 3 * sd, `${drawn} drawn of ${n} at ${rate}`);
    });

    it("draws the same mutants on every run: the key depends on the mutant, not on the run's ids or the checkout's path", () => {
        const mutant = (root: string, id: string) => ({
            id,
            fileName: path.join(root, "components", "clair", "pod.ts"),
            mutatorName: "ConditionalExpression",
            replacement: "true",
            location: { start: { line: 12, column: 4 }, end: { line: 12, column: 30 } },
        });
        const [a, b] = withChecker<string[]>(
            `return [m.mutantKey(${JSON.stringify(mutant("/work/a", "1"))}, "/work/a"), m.mutantKey(${JSON.stringify(mutant("/tmp/other/clone", "4711"))}, "/tmp/other/clone")];`,
        );
        assert.equal(a, "components/clair/pod.ts:12:4-12:30:ConditionalExpression:true");
        assert.equal(a, b);
        const draw = (rate: number) => `Array.from({ length: 2000 }, (_, i) => "k" + i).filter((k) => m.inSample(k, ${rate}))`;
        const [first, second, small, large] = withChecker<string[][]>(`return [${draw(0.1)}, ${draw(0.1)}, ${draw(0.05)}, ${draw(0.2)}];`);
        assert.deepEqual(first, second);
        // A larger rate keeps every mutant a smaller one drew: samples nest.
        assert.ok(small.length > 0);
        assert.deepEqual(
            small.filter((k) => !large.includes(k)),
            [],
        );
    });

    it("passes the drawn mutants to the test runner and sets the others aside with the reason", () => {
        const mutants = Array.from({ length: 400 }, (_, i) => ({
            id: String(i),
            fileName: path.join(ROOT, "config", "pod.ts"),
            mutatorName: "BooleanLiteral",
            replacement: "false",
            location: { start: { line: i, column: 0 }, end: { line: i, column: 5 } },
        }));
        const { kind, results } = withChecker<{ kind: string; results: Record<string, { status: string; reason?: string }> }>(
            `const plugin = m.strykerPlugins.find((p) => p.name === "mutant-sample");
             return { kind: plugin.kind, results: await new plugin.injectableClass().check(${JSON.stringify(mutants)}) };`,
            { STRYKER_SAMPLE_RATE: "0.5" },
        );
        assert.equal(kind, "Checker");
        const statuses = Object.values(results);
        assert.equal(statuses.length, 400);
        const passed = statuses.filter((r) => r.status === "passed").length;
        const aside = statuses.filter((r) => r.status === "compileError" && r.reason === OUTSIDE_THE_SAMPLE).length;
        assert.equal(passed + aside, 400);
        // Binomial(400, 0.5): mean 200, standard deviation 10.
        assert.ok(Math.abs(passed - 200) <= 30, `${passed} of 400 passed at 0.5`);
    });

    it("refuses a rate that is not a fraction above 0 and at most 1, naming the variable and the value", () => {
        const raws = ["0", "-0.1", "1.01", "three", "NaN"];
        const outcome = withChecker<{ unset: number; one: number; refused: string[] }>(
            `const refused = ${JSON.stringify(raws)}.map((raw) => { try { m.sampleRate(raw); return "accepted"; } catch (e) { return e.message; } });
             return { unset: m.sampleRate(undefined), one: m.sampleRate("1"), refused };`,
            { STRYKER_SAMPLE_RATE: "" },
        );
        assert.equal(outcome.unset, 0.03);
        assert.equal(outcome.one, 1);
        outcome.refused.forEach((message, i) =>
            assert.match(message, new RegExp(`^STRYKER_SAMPLE_RATE=${raws[i]}: a fraction above 0 and at most 1 is allowed`)),
        );
    });
});

describe("the mutation summary", () => {
    it("gives the textbook Wilson interval: 8 of 10 at 95% is 49.0% to 94.3%", () => {
        const { low, high } = wilsonInterval(8, 10);
        assert.equal(low.toFixed(4), "0.4902");
        assert.equal(high.toFixed(4), "0.9433");
        // All or nothing stays inside [0, 1]; 0 of 10 reaches 27.8% (1.96² / (10 + 1.96²)).
        assert.equal(wilsonInterval(10, 10).high, 1);
        assert.equal(wilsonInterval(0, 10).low, 0);
        assert.equal(wilsonInterval(0, 10).high.toFixed(4), (1.96 ** 2 / (10 + 1.96 ** 2)).toFixed(4));
        assert.throws(() => wilsonInterval(0, 0), /a proportion of 0 trials has no interval/);
    });

    it("scores killed and timed-out over those plus survived and no coverage, leaving static, errors and set-asides out", () => {
        const m = (status: string, mutatorName = "StringLiteral", statusReason?: string) => ({
            status,
            mutatorName,
            ...(statusReason ? { statusReason } : {}),
            location: { start: { line: 1, column: 0 } },
        });
        const report = {
            files: {
                "components/clair/pod.ts": { mutants: [m("Killed"), m("Killed"), m("Timeout"), m("Survived", "ConditionalExpression"), m("Ignored")] },
                "components/clair/index.ts": {
                    mutants: [m("Killed"), m("NoCoverage", "ConditionalExpression"), m("CompileError", "BlockStatement", OUTSIDE_THE_SAMPLE)],
                },
                "config/pod.ts": { mutants: [m("Survived", "StringLiteral"), m("CompileError", "StringLiteral", "Type error"), m("RuntimeError")] },
            },
        };
        const summary = summarize(report);
        assert.deepEqual(
            summary.groups.map((g) => g.name),
            ["components/clair", "config"],
        );
        assert.deepEqual(summary.total, { killed: 3, timeout: 1, survived: 2, noCoverage: 1, ignored: 1, errors: 2, outsideSample: 1 });
        assert.equal(summary.sampled, true);
        assert.deepEqual(summary.survivorsByMutator, [
            { mutator: "ConditionalExpression", survived: 1, noCoverage: 1 },
            { mutator: "StringLiteral", survived: 1, noCoverage: 0 },
        ]);
        const text = formatSummary(summary);
        // components/clair: 4 detected of 6 scored; all: 4 of 7.
        assert.match(text, /\| `components\/clair` \| 6 \| 3 \| 1 \| 1 \| 1 \| 1 \| 0 \| 66\.7% \(95%: /);
        assert.match(text, /\| \*\*all\*\* \| 7 \| 3 \| 1 \| 2 \| 1 \| 1 \| 2 \| 57\.1% \(95%: /);
        assert.match(text, /A sample: 9 of 10 mutants that are not static were run/);
        assert.equal(summarize(report, "file").groups.length, 3);
        assert.throws(() => summarize({ files: { "a.ts": { mutants: [m("Pending")] } } }), /mutant status Pending: not one of Stryker's/);
    });

    it("takes the report as its one argument, before or after --by, and refuses a bad --by naming the value", () => {
        assert.deepEqual(parseSummaryArgs([]), { report: "reports/mutation-components/mutation.json", by: "dir" });
        assert.deepEqual(parseSummaryArgs(["r.json"]), { report: "r.json", by: "dir" });
        assert.deepEqual(parseSummaryArgs(["r.json", "--by", "file"]), { report: "r.json", by: "file" });
        assert.deepEqual(parseSummaryArgs(["--by", "file", "r.json"]), { report: "r.json", by: "file" });
        assert.throws(() => parseSummaryArgs(["--by", "line"]), /^Error: --by line: dir or file is allowed$/);
        assert.throws(() => parseSummaryArgs(["--by"]), /^Error: --by \(no value\): dir or file is allowed$/);
        assert.throws(() => parseSummaryArgs(["a.json", "b.json"]), /^Error: a.json b.json: one report is allowed$/);
    });
});
