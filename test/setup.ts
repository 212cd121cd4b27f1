/**
 * Loaded by both lanes' mocha configs (.mocharc.json, .mocharc.real.json) before any test file.
 *
 * 1. Whole-program mock runs are shared (tools/mock-run.ts, SharedRun): one run per distinct stack
 *    and options in each process that runs tests (mocha's own, or each --parallel worker), reused
 *    by every test that asks for it. A test that changed a shared result fails the lane (such a
 *    test must work on a copy: structuredClone or JSON.parse(JSON.stringify(...))): checked at
 *    the end of the run, or with --parallel of each file, for the runs asked for since the last
 *    check. At the end, mocha's process prints how many runs served how many calls, over all the
 *    processes; SSCAN_MOCK_RUN_STATS=1 also lists the slowest runs.
 * 2. @pulumi/pulumi's debuggablePromise notes a stack trace on every promise the SDK makes, used
 *    only to report leaked promises with PULUMI_DEBUG_PROMISE_LEAKS set. Under mocha (stack trace
 *    limit Infinity) and ts-node (every frame source-mapped) that trace was most of a mock run's
 *    time (1.8 s a run, 0.3 s without). Here it is taken with no frames, unless
 *    PULUMI_DEBUG_PROMISE_LEAKS is set; nothing a test reads depends on it. Likewise each
 *    resource's constructor takes a whole stack trace (Resource.stackTrace) for the source
 *    position and trace of its registration request, which the mock monitor drops (the engine
 *    shows them in diagnostics): here none is taken, unless SSCAN_MOCK_SOURCE_POSITIONS=1 (8% of
 *    a mock run's time).
 * 3. The fast lane loads TypeScript through tools/fast-load.js (.mocharc.json), as the commands
 *    and the engine do: transpiled once per file content and V8's code kept, in .cache/fast-load/.
 *    It does not map every stack trace to the .ts lines as ts-node does (the SDK takes a trace for
 *    each resource); a test's failure is mapped here, when mocha reports it (fast-load's mapStack).
 *    Under ts-node (the real-software lane), ts-node's output is kept instead, so a file is
 *    transpiled once: in this process (a mock run loads index.ts anew, 36 ms of each run) and
 *    across runs of the lane, in .cache/test-ts/ (git-ignored; about 4 s of each start). An entry
 *    is used only for the same source text, file name, ts-node, TypeScript, tsconfig.json and
 *    TS_NODE_* settings; stack traces stay mapped to the .ts lines. SSCAN_TEST_TS_CACHE=0 turns
 *    that cache on disk off.
 * 4. Under StrykerJS: what a suite's `before` hook reaches is noted for each of its tests, and the
 *    program's and the pack's modules are loaded before any test (their load-time mutants are static).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import type { SharedRun } from "../tools/mock-run";

const ROOT = path.resolve(__dirname, "..");

// ------------------------------------------------------------------ 1. shared mock runs

const SHARED_RUNS = Symbol.for("scanning-platform.sharedMockRuns");
const globals = globalThis as Record<symbol, unknown>;
globals[SHARED_RUNS] ??= new Map<string, SharedRun>();
const shared = globals[SHARED_RUNS] as Map<string, SharedRun>;

// ------------------------------------------------------------------ 2. the SDK's promise stacks

let sdkPatched = false;
/**
 * Done where tests run: at once in a --parallel worker, else (mocha's own process) when the root
 * suite starts, so mocha's process in a --parallel run, which runs no test, never loads the SDK.
 * Only speed depends on when: a run before it takes its traces.
 */
function patchSdk(): void {
    if (sdkPatched) return;
    sdkPatched = true;
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const debuggable: { debuggablePromise?: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> } = require("@pulumi/pulumi/runtime/debuggable");
        const original = debuggable.debuggablePromise;
        if (typeof original === "function") {
            debuggable.debuggablePromise = (p, ctx) => {
                const limit = Error.stackTraceLimit;
                Error.stackTraceLimit = 0;
                try {
                    return original(p, ctx);
                } finally {
                    Error.stackTraceLimit = limit;
                }
            };
        }
    }

    if (process.env.SSCAN_MOCK_SOURCE_POSITIONS !== "1") {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Resource }: { Resource: { stackTrace?: (skip: number) => unknown[] } } = require("@pulumi/pulumi/resource");
        // The SDK sends stackTrace[0] as the source position: with none, the request carries neither.
        if (typeof Resource.stackTrace === "function") Resource.stackTrace = () => [];
    }
}
if (process.env.MOCHA_WORKER_ID !== undefined) patchSdk();

// ------------------------------------------------------------------ 3. TypeScript: fast-load, or ts-node's output kept

// tools/fast-load.js when the lane loads TypeScript through it (required before this file).
const fastLoad: { mapStack(text: string): string } | undefined = require.cache[path.join(ROOT, "tools", "fast-load.js")]?.exports;
if (fastLoad?.mapStack) {
    // Every failure a reporter shows, of a test or a hook, passes through Runner#fail: its stack
    // (and its causes') mapped to the .ts lines there. The reporters read it later.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Runner: { prototype: { fail(test: unknown, err: unknown, force?: boolean): void } } = require("mocha/lib/runner");
    const fail = Runner.prototype.fail;
    Runner.prototype.fail = function (this: unknown, test: unknown, err: unknown, force?: boolean) {
        for (
            let e = err as { stack?: unknown; cause?: unknown } | undefined, seen = 0;
            e && typeof e === "object" && seen < 10;
            e = e.cause as typeof e, seen++
        ) {
            try {
                if (typeof e.stack === "string") e.stack = fastLoad.mapStack(e.stack);
            } catch {
                // a stack that cannot be set stays as it is
            }
        }
        return fail.call(this, test, err, force);
    };
}

const version = (pkg: string): string => {
    try {
        return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }), "utf8")).version;
    } catch {
        return "none";
    }
};
const read = (file: string): string => {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return "";
    }
};
const CACHE = process.env.SSCAN_TEST_TS_CACHE === "0" ? undefined : path.join(ROOT, ".cache", "test-ts");
const SETTINGS = JSON.stringify([
    version("ts-node"),
    version("typescript"),
    read(path.join(ROOT, "tsconfig.json")),
    Object.entries(process.env)
        .filter(([k]) => k.startsWith("TS_NODE_"))
        .sort(),
]);
const transpiled = new Map<string, { source: string; output: string }>();

/** Where source-map-support (ts-node's) finds a file's compiled text, for mapping stack frames to .ts lines. */
function mapFor(filename: string, output: string): void {
    const sharedData = (globalThis as Record<symbol, any>)[Symbol.for("source-map-support/sharedData")];
    if (sharedData?.fileContentsCache) sharedData.fileContentsCache[pathToFileURL(filename).toString()] = output;
}

function cacheFile(filename: string, source: string): string | undefined {
    if (!CACHE || !filename.startsWith(ROOT + path.sep) || filename.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
    return path.join(CACHE, `${createHash("sha1").update(SETTINGS).update("\0").update(filename).update("\0").update(source).digest("hex")}.js`);
}

const tsHandler = fastLoad ? undefined : require.extensions[".ts"];
if (tsHandler) {
    require.extensions[".ts"] = function (m: any, filename: string) {
        const source = fs.readFileSync(filename, "utf8");
        const kept = transpiled.get(filename);
        if (kept && kept.source === source) return m._compile(kept.output, filename);
        const file = cacheFile(filename, source);
        const stored = file && read(file);
        if (stored) {
            transpiled.set(filename, { source, output: stored });
            mapFor(filename, stored);
            return m._compile(stored, filename);
        }
        // ts-node's handler wraps m._compile to transpile; its wrapper hands the output to this one.
        const compile = m._compile;
        m._compile = function (this: unknown, output: string, compiled: string) {
            transpiled.set(filename, { source, output });
            if (file) {
                try {
                    fs.mkdirSync(path.dirname(file), { recursive: true });
                    // Through a temporary file: two lanes at once never read half an entry.
                    fs.writeFileSync(`${file}.${process.pid}.tmp`, output);
                    fs.renameSync(`${file}.${process.pid}.tmp`, file);
                } catch {
                    // A read-only checkout only costs speed.
                }
            }
            return compile.call(this, output, compiled);
        };
        return tsHandler(m, filename);
    };
}

// ------------------------------------------------------------------ 4. StrykerJS: what a `before` hook reaches

/**
 * Under StrykerJS (`npm run mutation:components`), its dry run notes the mutants each test
 * reaches, under the test's title (`__stryker__.currentTestId`, set by its root beforeEach), and
 * later runs a mutant with those tests only. A suite's `before` hook (a whole-program run shared
 * by its tests) runs before that beforeEach: what it reaches would be noted under the test that
 * ran before it, often in another file, and the suite's own tests would never see the mutant.
 * Here, in the dry run, what a `before` hook reaches is noted for every test of its suite.
 * Outside Stryker, and in its mutant runs, hooks run unchanged.
 */
type StrykerNamespace = { activeMutant?: string; currentTestId?: string; mutantCoverage?: { perTest: Record<string, Record<string, number>> } };
const strykerNamespace = (globalThis as Record<string, unknown>).__stryker__ as StrykerNamespace | undefined;
if (strykerNamespace) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Suite: { prototype: { beforeAll(title: unknown, fn?: unknown): unknown } } = require("mocha/lib/suite");
    const beforeAll = Suite.prototype.beforeAll;
    Suite.prototype.beforeAll = function (
        this: { eachTest(fn: (t: { fullTitle(): string }) => void): void; fullTitle(): string },
        title: unknown,
        fn?: unknown,
    ) {
        const hook = (typeof title === "function" ? title : fn) as ((this: unknown, ...args: unknown[]) => unknown) | undefined;
        // A hook that takes mocha's done callback is left as it is (none here does).
        if (typeof hook !== "function" || hook.length > 0) return beforeAll.call(this, title, fn);
        const suiteTitle = this.fullTitle();
        // The suite's tests, walked when the hook has run (the wrapper below has mocha's context as `this`).
        const eachTest: (fn: (t: { fullTitle(): string }) => void) => void = (fn) => this.eachTest(fn);
        const wrapped = async function (this: unknown): Promise<unknown> {
            const ns = strykerNamespace;
            if (ns.activeMutant !== undefined) return hook.call(this);
            const before = ns.currentTestId;
            const id = `before-hook:${suiteTitle}`;
            ns.currentTestId = id;
            try {
                return await hook.call(this);
            } finally {
                ns.currentTestId = before;
                const perTest = ns.mutantCoverage?.perTest;
                const reached = perTest?.[id];
                if (perTest && reached) {
                    delete perTest[id];
                    eachTest((test) => {
                        const counts = (perTest[test.fullTitle()] ??= {});
                        for (const [mutant, n] of Object.entries(reached)) counts[mutant] = (counts[mutant] ?? 0) + n;
                    });
                }
            }
        };
        return typeof title === "function" ? beforeAll.call(this, wrapped) : beforeAll.call(this, title, wrapped);
    };
}

/**
 * Under StrykerJS, every module of the program and the pack is loaded here, before any test, so
 * what runs while a module loads (constant tables: the dashboard's panels, the alerts' words, the
 * pools' names) is reached outside every test, and Stryker counts its mutants as static:
 * `ignoreStatic` leaves them out of the score, since only a fresh process would evaluate them
 * anew. Loaded first inside a test (the program's modules load when a mock run requires index.ts),
 * such a mutant was credited to that test and then run in a process whose module was already
 * loaded unmutated: it survived whatever the tests check.
 */
if (strykerNamespace) {
    const modules = (dir: string): string[] =>
        fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
            const relative = path.join(dir, entry.name);
            if (entry.isDirectory()) return ["node_modules", "test", "bin"].includes(entry.name) ? [] : modules(relative);
            return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && relative !== path.join("policy", "index.ts") ? [relative] : [];
        });
    for (const file of ["lib", "components", "config", "policy"].flatMap(modules)) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module path known only at run time
        require(path.join(ROOT, file));
    }
}

/** Calls of each shared run at the last check: a file's end checks only the runs it asked for. */
const checkedCalls = new Map<string, number>();
/** Where each process of the lane leaves its runs for mochaGlobalTeardown (a folder made by mochaGlobalSetup). */
const STATS_DIR = "SSCAN_MOCK_RUN_STATS_DIR";
type RunStat = [key: string, calls: number, ms: number];

export const mochaHooks = {
    beforeAll(): void {
        patchSdk();
    },
    // The root suite's afterAll: once at the end of a serial run; with --parallel, at the end of
    // each file, in the worker that ran it (whose shared runs serve every file it runs).
    afterAll(): void {
        const entries = [...shared.entries()];
        const asked = entries.filter(([key, e]) => checkedCalls.get(key) !== e.calls);
        for (const [key, e] of asked) checkedCalls.set(key, e.calls);
        const dir = process.env[STATS_DIR];
        if (dir && entries.length > 0) {
            const stats: RunStat[] = entries.map(([key, e]) => [key, e.calls, e.ms ?? 0]);
            fs.writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify(stats));
        }
        const changed = asked.filter(([, e]) => e.result && JSON.stringify(e.result) !== e.json).map(([key]) => key);
        if (changed.length > 0) throw new Error(`a test changed a shared mock run (work on a copy): ${changed.join("; ")}`);
    },
};

/** In mocha's own process, before any test file runs (serial or --parallel). */
export function mochaGlobalSetup(): void {
    process.env[STATS_DIR] = fs.mkdtempSync(path.join(os.tmpdir(), "mock-runs-"));
}

/** After the run: how many runs served how many calls, over every process that ran tests. */
export function mochaGlobalTeardown(): void {
    const dir = process.env[STATS_DIR];
    if (!dir) return;
    const perProcess: RunStat[][] = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env[STATS_DIR];
    const all = perProcess.flat();
    if (all.length === 0) return;
    const distinct = new Set(all.map(([key]) => key)).size;
    const calls = all.reduce((n, [, c]) => n + c, 0);
    const seconds = all.reduce((n, [, , ms]) => n + ms, 0) / 1000;
    const where = perProcess.length > 1 ? ` (${distinct} distinct) in ${perProcess.length} processes` : "";
    console.log(
        `\n  whole-program mock runs: ${all.length} run${all.length === 1 ? "" : "s"}${where} for ${calls} call${calls === 1 ? "" : "s"}, ${seconds.toFixed(1)} s (shared by test/setup.ts)`,
    );
    if (process.env.SSCAN_MOCK_RUN_STATS === "1") {
        for (const [key, c, ms] of all.sort((a, b) => b[2] - a[2]).slice(0, 15)) console.log(`    ${ms} ms, ${c} calls: ${key}`);
    }
}
