// A Stryker checker that keeps a fixed, reproducible sample of the mutants and sets the rest aside,
// so that a score for a mutant population too large to run whole (components/ and config/: about
// 6,900 mutants at 20-30 s each on 2 cores) can be estimated in an hour. A mutant is in the sample
// when the hash of what it is (file, location, mutator, replacement) falls under the rate, so the
// same mutants are drawn on every run and every commit where that code is unchanged. Mutants set
// aside are reported as CompileError with the reason "outside the sample": Stryker leaves them out of
// its score, which is then the sample's score. tools/mutation-summary.ts reads the report.
//
// Used by `npm run mutation:sample` (STRYKER_SAMPLE_RATE, default 0.03).
import { createHash } from "node:crypto";
import path from "node:path";
import { declareClassPlugin, PluginKind } from "@stryker-mutator/api/plugin";
import { CheckStatus } from "@stryker-mutator/api/check";

export const OUTSIDE_THE_SAMPLE = "outside the sample";

/** The rate from STRYKER_SAMPLE_RATE: a fraction in (0, 1]; anything else is refused by name. */
export function sampleRate(raw = process.env.STRYKER_SAMPLE_RATE) {
    if (raw === undefined || raw === "") return 0.03;
    const rate = Number(raw);
    if (!Number.isFinite(rate) || rate <= 0 || rate > 1)
        throw new Error(`STRYKER_SAMPLE_RATE=${raw}: a fraction above 0 and at most 1 is allowed (0.03 draws 3% of the mutants)`);
    return rate;
}

/** The identity of a mutant that does not depend on the run: its file relative to the project, where it is and what it does. */
export function mutantKey(mutant, root) {
    const { start, end } = mutant.location;
    const file = path.relative(root, mutant.fileName).split(path.sep).join("/");
    return `${file}:${start.line}:${start.column}-${end.line}:${end.column}:${mutant.mutatorName}:${mutant.replacement}`;
}

/** In the sample when the key's SHA-256, read as a fraction of 2^32 from its first 8 hex digits, is below the rate. */
export function inSample(key, rate) {
    const fraction = parseInt(createHash("sha256").update(key).digest("hex").slice(0, 8), 16) / 2 ** 32;
    return fraction < rate;
}

class SampleChecker {
    rate = sampleRate();
    // Stryker starts checkers in the project's directory; STRYKER_SAMPLE_ROOT overrides it.
    root = process.env.STRYKER_SAMPLE_ROOT ?? process.cwd();
    async init() {}
    async check(mutants) {
        const results = {};
        for (const mutant of mutants) {
            results[mutant.id] = inSample(mutantKey(mutant, this.root), this.rate)
                ? { status: CheckStatus.Passed }
                : { status: CheckStatus.CompileError, reason: OUTSIDE_THE_SAMPLE };
        }
        return results;
    }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Checker, "mutant-sample", SampleChecker)];
