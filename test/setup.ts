/**
 * Loaded by both lanes' mocha configs (.mocharc.json, .mocharc.real.json) before any test file.
 * Whole-program mock runs are shared (tools/mock-run.ts, SharedRun): one run per distinct stack
 * and options, reused by every test that asks for it. This file only sets the map up, so a lane
 * that never runs the program does not load the Pulumi SDK for it. At the end it prints how many
 * runs served how many calls, and fails if a test changed a shared result (such a test must work
 * on a copy: JSON.parse(JSON.stringify(...)) or structuredClone).
 */
import type { SharedRun } from "../tools/mock-run";

const SHARED_RUNS = Symbol.for("scanning-platform.sharedMockRuns");
const globals = globalThis as Record<symbol, unknown>;
globals[SHARED_RUNS] ??= new Map<string, SharedRun>();
const shared = globals[SHARED_RUNS] as Map<string, SharedRun>;

export const mochaHooks = {
    afterAll(): void {
        const entries = [...shared.entries()];
        if (entries.length === 0) return;
        const calls = entries.reduce((n, [, e]) => n + e.calls, 0);
        console.log(`\n  whole-program mock runs: ${entries.length} runs for ${calls} calls (tools/mock-run.ts, shared by test/setup.ts)`);
        const changed = entries.filter(([, e]) => e.result && JSON.stringify(e.result) !== e.json).map(([key]) => key);
        if (changed.length > 0) throw new Error(`a test changed a shared mock run (work on a copy): ${changed.join("; ")}`);
    },
};
