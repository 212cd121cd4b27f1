/**
 * clamav.refresh.schedule accepts what Kubernetes accepts: every schedule below goes through
 * config/cron.ts and through the code the API server runs (robfig/cron v3's ParseStandard and
 * the no-TZ rule for new CronJobs, tools/cron-check, built with Go), and the two must agree.
 * Where we refuse what Kubernetes stores, the reason is one of DELIBERATE: schedules that can
 * never run or that no one writes on purpose. We never accept what Kubernetes refuses.
 * (The messages alone, without Go: test/cron.test.ts.)
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cronProblem } from "../../config/cron";

const CHECKER_DIR = path.resolve(__dirname, "../../tools/cron-check");

/** Where we are stricter than the API server, on purpose: each refusal message says why. */
const DELIBERATE = [
    /^has an empty item in the/, // "1,,2": robfig drops empty list items
    /^'\+\d+' is not a/, // "+5": strconv.Atoi takes a plus sign
    /^never runs: that day does not occur in that month/, // "0 0 31 2 *": stored, never scheduled
    /^'@every' needs a positive duration/, // "@every -1h": robfig runs it every second
];

/** Fixed cases: what the issue names, every macro, the grammar's corners. */
const FIXED = [
    "0 */6 * * *",
    "99 99 99 99 99",
    "a b c d e",
    "@hourly",
    "@daily",
    "@midnight",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
    "@HOURLY",
    "@every 1h",
    "@every 1h30m",
    "@every 90s",
    "@every 0s",
    "@every -1h",
    "@every",
    "@every soon",
    "@reboot",
    "TZ=UTC 0 * * * *",
    "CRON_TZ=Europe/Berlin 0 * * * *",
    "0 * * *",
    "0 0 * * * *",
    "",
    "   ",
    " 0 0 * * * ",
    "0\t0\t*\t*\t*",
    "hourly",
    "0 0 * * 7",
    "0 0 * * 0-7",
    "0 0 * * MON-FRI",
    "0 0 * * mon-fri/2",
    "0 0 1 JAN-MAR *",
    "0 0 L * *",
    "0 0 15W * *",
    "0 0 * * 1#2",
    "0 0 * * 5L",
    "0 0 H * *",
    "0 0 31 2 *",
    "0 0 29 2 *",
    "0 0 30 4 *",
    "*/0 * * * *",
    "5-3 * * * *",
    "1,,2 * * * *",
    "+5 * * * *",
    "05 * * * *",
    "5/15 * * * *",
    "? ? ? ? ?",
    "*/61 * * * *",
    "0-59/61 * * * *",
    "1-1 * * * *",
    "0 0 1-31/2 * *",
];

const TOKENS = [
    ["0", "59", "60", "*", "*/15", "5/15", "1-5", "5-1", "1,2", "?", "a", "*/0", "05", "L", "-1", "1-", "1-2-3", "*/1/2"],
    ["0", "23", "24", "*", "*/6", "0-23", "?", "H", "12,13", "1-23/4"],
    ["1", "31", "0", "32", "*", "?", "L", "15W", "1-31/2", "30", "29"],
    ["1", "2", "12", "13", "jan", "FEB", "dec", "foo", "jan-mar", "*", "*/2", "0", "janu", "jan,jul"],
    ["0", "6", "7", "sun", "SAT", "mon-fri", "1#2", "5L", "*", "?", "0-6", "sun-sat/2", "mon,wed", "sunday"],
];

/** A fixed pseudo-random sample of five-field schedules (the same every run). */
function sample(count: number): string[] {
    let state = 20261123;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
    return Array.from({ length: count }, () => TOKENS.map((tokens) => tokens[next() % tokens.length]).join(" "));
}

describe("CronJob schedules, against the parser Kubernetes runs", function () {
    let verdicts: Map<string, { ok: boolean; error?: string }>;
    const schedules = [...new Set([...FIXED, ...sample(600)])];

    before(function () {
        this.timeout(600000);
        try {
            execFileSync("go", ["version"], { stdio: "pipe" });
        } catch {
            assert.fail("the Go toolchain (`go`) is not on PATH: it is needed to build tools/cron-check (Kubernetes' cron parser)");
        }
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cron-check-"));
        try {
            const binary = path.join(tmp, "cron-check");
            const build = spawnSync("go", ["build", "-o", binary, "."], { cwd: CHECKER_DIR, encoding: "utf8" });
            assert.equal(build.status, 0, `go build of tools/cron-check failed:\n${build.stderr}${build.error ?? ""}`);
            const run = spawnSync(binary, [], { input: JSON.stringify(schedules), encoding: "utf8" });
            assert.equal(run.status, 0, run.stderr);
            verdicts = new Map(JSON.parse(run.stdout).map((r: { schedule: string; ok: boolean; error?: string }) => [r.schedule, r]));
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("accepts what the issue found refused and refuses what it found accepted", () => {
        assert.equal(cronProblem("@hourly"), undefined);
        assert.equal(cronProblem("99 99 99 99 99"), "minute 99 is out of range (0-59)");
        assert.equal(cronProblem("a b c d e"), "'a' is not a minute (0-59)");
        assert.equal(verdicts.get("@hourly")!.ok, true);
        assert.equal(verdicts.get("99 99 99 99 99")!.ok, false);
    });

    it("agrees with Kubernetes on every schedule, but for the deliberate refusals", () => {
        assert.equal(verdicts.size, schedules.length);
        const accepted = schedules.filter((s) => verdicts.get(s)!.ok);
        const refused = schedules.filter((s) => !verdicts.get(s)!.ok);
        // The sample must exercise both sides.
        assert.ok(accepted.length >= 100 && refused.length >= 100, `${accepted.length} accepted, ${refused.length} refused by Kubernetes`);
        const disagreements: string[] = [];
        let deliberate = 0;
        for (const schedule of schedules) {
            const ours = cronProblem(schedule);
            const theirs = verdicts.get(schedule)!;
            if (theirs.ok && ours === undefined) continue;
            if (!theirs.ok && ours !== undefined) continue;
            if (theirs.ok && DELIBERATE.some((why) => why.test(ours!))) {
                deliberate++;
                continue;
            }
            disagreements.push(
                `${JSON.stringify(schedule)}: Kubernetes ${theirs.ok ? "accepts" : `refuses (${theirs.error})`}, we ${ours === undefined ? "accept" : `refuse (${ours})`}`,
            );
        }
        assert.deepEqual(disagreements, []);
        assert.ok(deliberate >= 4, `${deliberate} deliberate refusals exercised`);
    });
});
