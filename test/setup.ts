/**
 * Loaded by both lanes' mocha configs (.mocharc.json, .mocharc.real.json) before any test file.
 *
 * 1. Whole-program mock runs are shared (tools/mock-run.ts, SharedRun): one run per distinct stack
 *    and options, reused by every test that asks for it. At the end this prints how many runs
 *    served how many calls, and fails if a test changed a shared result (such a test must work on
 *    a copy: structuredClone or JSON.parse(JSON.stringify(...))). SSCAN_MOCK_RUN_STATS=1 also
 *    lists the slowest runs.
 * 2. @pulumi/pulumi's debuggablePromise notes a stack trace on every promise the SDK makes, used
 *    only to report leaked promises with PULUMI_DEBUG_PROMISE_LEAKS set. Under mocha (stack trace
 *    limit Infinity) and ts-node (every frame source-mapped) that trace was most of a mock run's
 *    time (1.8 s a run, 0.3 s without). Here it is taken with no frames, unless
 *    PULUMI_DEBUG_PROMISE_LEAKS is set; nothing a test reads depends on it.
 * 3. ts-node's output is kept, so a file is transpiled once: in this process (a mock run loads
 *    index.ts anew, 36 ms of each run) and across runs of the lane, in .cache/test-ts/ (git-ignored;
 *    about 4 s of each start). An entry is used only for the same source text, file name, ts-node,
 *    TypeScript, tsconfig.json and TS_NODE_* settings; stack traces stay mapped to the .ts lines.
 *    SSCAN_TEST_TS_CACHE=0 turns the cache on disk off.
 */
import { createHash } from "crypto";
import * as fs from "fs";
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

// ------------------------------------------------------------------ 3. ts-node's output, kept

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
const SETTINGS = JSON.stringify([version("ts-node"), version("typescript"), read(path.join(ROOT, "tsconfig.json")), Object.entries(process.env).filter(([k]) => k.startsWith("TS_NODE_")).sort()]);
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

const tsHandler = require.extensions[".ts"];
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

export const mochaHooks = {
    afterAll(): void {
        const entries = [...shared.entries()];
        if (entries.length === 0) return;
        const calls = entries.reduce((n, [, e]) => n + e.calls, 0);
        const seconds = entries.reduce((n, [, e]) => n + (e.ms ?? 0), 0) / 1000;
        console.log(`\n  whole-program mock runs: ${entries.length} run${entries.length === 1 ? "" : "s"} for ${calls} call${calls === 1 ? "" : "s"}, ${seconds.toFixed(1)} s (shared by test/setup.ts)`);
        if (process.env.SSCAN_MOCK_RUN_STATS === "1") {
            for (const [key, e] of entries.sort((a, b) => (b[1].ms ?? 0) - (a[1].ms ?? 0)).slice(0, 15)) console.log(`    ${e.ms} ms, ${e.calls} calls: ${key}`);
        }
        const changed = entries.filter(([, e]) => e.result && JSON.stringify(e.result) !== e.json).map(([key]) => key);
        if (changed.length > 0) throw new Error(`a test changed a shared mock run (work on a copy): ${changed.join("; ")}`);
    },
};
