/**
 * Progress on long work: a live status line on a terminal, a line a minute
 * in CI, nothing with SSCAN_PROGRESS=0. This is tools/progress.ts on a fake clock (node:test's
 * mock timers: setInterval, setTimeout and Date move only when the test ticks them), so the
 * expected output is exact and nothing waits in real time. The shell side (scripts/progress.sh,
 * run by bash) is in the real-software lane: test/real/progress.test.ts.
 */
import { strict as assert } from "assert";
import { mock } from "node:test";
import { progressMode, withProgress } from "../tools/progress";

/** Work that ends after `ms` on the fake clock (rejecting with `error`, if given). */
const work =
    <T>(ms: number, value: T, error?: Error) =>
    () =>
        new Promise<T>((resolve, reject) => setTimeout(() => (error ? reject(error) : resolve(value)), ms));

/** Moves the fake clock on by `ms`, 100 ms at a time, so every timer fires at its own time. */
function advance(ms: number): void {
    for (let t = 0; t < ms; t += 100) mock.timers.tick(Math.min(100, ms - t));
}

describe("progress on long work", function () {
    describe("tools/progress.ts", () => {
        beforeEach(() => mock.timers.enable({ apis: ["setInterval", "setTimeout", "Date"], now: 0 }));
        afterEach(() => mock.timers.reset());

        it("picks live on a terminal, lines in CI or a log, nothing with SSCAN_PROGRESS=0", () => {
            assert.equal(progressMode({}, true), "live");
            assert.equal(progressMode({ CI: "true" }, true), "lines");
            assert.equal(progressMode({ SSCAN_PROGRESS: "lines" }, true), "lines");
            assert.equal(progressMode({}, false), "lines");
            assert.equal(progressMode({ SSCAN_PROGRESS: "0" }, true), "off");
        });

        it("in lines mode, says when the work starts and then once per interval, and returns its result", async () => {
            const out: string[] = [];
            // Heartbeats every second at 1 s and 2 s; the work ends at 2.2 s.
            const result = withProgress("building x", work(2200, 7), { mode: "lines", write: (s) => out.push(s), intervalSeconds: 1 });
            advance(2200);
            assert.equal(await result, 7);
            assert.deepEqual(out, ["building x ...\n", "building x ... still running, 1s so far\n", "building x ... still running, 2s so far\n"]);
            // Once a minute by default (SSCAN_PROGRESS_SECONDS unset), with minutes in the figure.
            const long: string[] = [];
            const saved = process.env.SSCAN_PROGRESS_SECONDS;
            delete process.env.SSCAN_PROGRESS_SECONDS;
            try {
                const done = withProgress("building y", work(150_000, "ok"), { mode: "lines", write: (s) => long.push(s) });
                advance(150_000);
                assert.equal(await done, "ok");
            } finally {
                if (saved !== undefined) process.env.SSCAN_PROGRESS_SECONDS = saved;
            }
            assert.deepEqual(long, ["building y ...\n", "building y ... still running, 1m00s so far\n", "building y ... still running, 2m00s so far\n"]);
        });

        it("in live mode, rewrites one line with the elapsed time and erases it at the end", async () => {
            const out: string[] = [];
            const done = withProgress("building x", work(2500, undefined), { mode: "live", write: (s) => out.push(s) });
            advance(2500);
            await done;
            assert.deepEqual(out, ["\r\x1b[Kbuilding x ... 1s", "\r\x1b[Kbuilding x ... 2s", "\r\x1b[K"]);
            assert.ok(!out.join("").includes("\n"), "never a new line");
        });

        it("prints nothing when off, and stops ticking when the work fails", async () => {
            const out: string[] = [];
            const off = withProgress("x", work(3000, undefined), { mode: "off", write: (s) => out.push(s), intervalSeconds: 1 });
            advance(3000);
            await off;
            assert.equal(out.length, 0, out.join(""));
            const failing = withProgress("x", work(1500, undefined, new Error("boom")), { mode: "lines", write: (s) => out.push(s), intervalSeconds: 1 });
            advance(1500);
            await assert.rejects(failing, /boom/);
            assert.deepEqual(out, ["x ...\n", "x ... still running, 1s so far\n"]);
            advance(5000);
            assert.equal(out.length, 2, "no heartbeat after the work ended");
        });
    });
});
