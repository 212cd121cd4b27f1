/**
 * Progress on long work, the shell side: scripts/progress.sh run by bash (and
 * by `script` for a terminal), with real sleeps. tools/progress.ts is tested in the fast lane
 * (test/progress.test.ts) with fake timers.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PROGRESS_SH = path.resolve(__dirname, "../../scripts/progress.sh");

/**
 * Runs a bash snippet with scripts/progress.sh sourced; the snippet writes the ticker's pid to
 * $PIDFILE. Without a terminal, the snippet's stderr (the progress output) goes to a file, so a
 * ticker left running cannot hold the test's pipes open; a ticker still there afterwards is killed
 * and reported as tickerLeft.
 */
function bash(snippet: string, env: Record<string, string>, tty = false) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "progress-test-"));
    const files = { ERRFILE: path.join(dir, "stderr"), PIDFILE: path.join(dir, "ticker.pid") };
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "CI" && !k.startsWith("SSCAN_PROGRESS")));
    const options = { encoding: "utf8" as const, env: { ...clean, ...env, ...files }, timeout: 15000 };
    const file = path.join(dir, "snippet.sh");
    fs.writeFileSync(file, `${tty ? "" : 'exec 2>"$ERRFILE"\n'}source ${JSON.stringify(PROGRESS_SH)}\n${snippet}\n`);
    // `script` gives the snippet a terminal, for the live mode; the terminal's output is its stdout.
    const r = tty ? spawnSync("script", ["-qec", `bash ${file}`, "/dev/null"], options) : spawnSync("bash", [file], options);
    let tickerLeft = false;
    try {
        const pid = Number(fs.readFileSync(files.PIDFILE, "utf8"));
        // Never 0 or less: those would signal this process group.
        if (!(pid > 0)) throw new Error(`no ticker pid in ${files.PIDFILE}`);
        process.kill(pid, 0);
        tickerLeft = true;
        process.kill(pid);
    } catch {
        // no ticker, or gone as it should be
    }
    const stderr = fs.existsSync(files.ERRFILE) ? fs.readFileSync(files.ERRFILE, "utf8") : "";
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, stdout: r.stdout, stderr, tickerLeft };
}

describe("progress on long work", function () {
    this.timeout(30000);

    describe("scripts/progress.sh", () => {
        it("in CI, prints a line per interval while a step runs, and leaves no ticker behind", () => {
            const r = bash('progress_start demo "building thing" /dev/null; echo $PROGRESS_PID > "$PIDFILE"; sleep 2.2; progress_stop', {
                CI: "true",
                SSCAN_PROGRESS_SECONDS: "1",
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.tickerLeft, false, "the ticker is gone after progress_stop");
            const beats = r.stderr.trim().split("\n");
            assert.ok(beats.length >= 1 && beats.length <= 3, r.stderr);
            for (const b of beats) assert.match(b, /^\[demo\] \.\.\. building thing: still running, \ds so far \(log: \/dev\/null\)$/);
        });

        it("on a terminal, shows one status line with the log's last line, erased at the end", () => {
            const r = bash(
                'echo "go: downloading k8s.io/api v0.33.13" > /tmp/progress-test.log; progress_start demo "building thing" /tmp/progress-test.log; echo $PROGRESS_PID > "$PIDFILE"; sleep 1.6; progress_stop; echo done',
                {},
                true,
            );
            assert.equal(r.status, 0);
            assert.equal(r.tickerLeft, false);
            assert.match(r.stdout, /\r\x1b\[K\[demo\] building thing: \ds {2}go: downloading k8s\.io\/api v0\.33\.13/);
            assert.match(r.stdout, /\r\x1b\[Kdone/);
        });

        it("prints nothing with SSCAN_PROGRESS=0, and progress_stop is safe to call twice (the EXIT trap)", () => {
            const r = bash('progress_start demo "building thing" /dev/null; sleep 1.1; progress_stop; progress_stop; echo ok', {
                SSCAN_PROGRESS: "0",
                SSCAN_PROGRESS_SECONDS: "1",
            });
            assert.equal(r.stdout, "ok\n");
            assert.equal(r.stderr, "");
        });
    });
});
