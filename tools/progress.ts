/**
 * Progress for long work (a cold Go build inside `npm test`, say), on stderr, the same way
 * scripts/progress.sh does it for the shell scripts:
 *   - on a terminal: one status line, rewritten every second (label, elapsed time), erased at the end;
 *   - otherwise (CI, a log file, SSCAN_PROGRESS=lines): a line when the work starts and one every
 *     SSCAN_PROGRESS_SECONDS (60) while it lasts, so a CI log stays short but never silent;
 *   - SSCAN_PROGRESS=0: nothing.
 * The caller prints the result line itself.
 */

export type ProgressMode = "live" | "lines" | "off";

export function progressMode(env: NodeJS.ProcessEnv = process.env, stderrIsTTY = Boolean(process.stderr.isTTY)): ProgressMode {
    if (env.SSCAN_PROGRESS === "0") return "off";
    if (env.SSCAN_PROGRESS === "lines" || env.CI || !stderrIsTTY) return "lines";
    return "live";
}

const clock = (seconds: number) => (seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`);

/** Runs `work`, showing `label` and the elapsed time on stderr while it runs. */
export async function withProgress<T>(
    label: string,
    work: () => Promise<T>,
    /** tickMs: how long a "second" is (tests shorten it). */
    options: { mode?: ProgressMode; write?: (s: string) => void; intervalSeconds?: number; tickMs?: number } = {},
): Promise<T> {
    const mode = options.mode ?? progressMode();
    const write = options.write ?? ((s: string) => void process.stderr.write(s));
    const interval = options.intervalSeconds ?? (Number(process.env.SSCAN_PROGRESS_SECONDS) || 60);
    const tick = options.tickMs ?? 1000;
    if (mode === "off") return work();
    const started = Date.now();
    let nextBeat = interval;
    if (mode === "lines") write(`${label} ...\n`);
    const timer = setInterval(() => {
        const seconds = Math.round((Date.now() - started) / tick);
        if (mode === "live") write(`\r\x1b[K${label} ... ${clock(seconds)}`);
        else if (seconds >= nextBeat) {
            write(`${label} ... still running, ${clock(seconds)} so far\n`);
            nextBeat += interval;
        }
    }, tick);
    timer.unref();
    try {
        return await work();
    } finally {
        clearInterval(timer);
        if (mode === "live") write("\r\x1b[K");
    }
}
