/**
 * test/host-tools.ts's rule for a real-lane test whose tool is missing: skipped outside CI with
 * the reason, failed in CI (which must provide every tool).
 */
import { strict as assert } from "assert";
import { skipOutsideCi } from "./host-tools";

describe("skipOutsideCi", () => {
    const saved = process.env.CI;
    afterEach(() => {
        if (saved === undefined) delete process.env.CI;
        else process.env.CI = saved;
    });
    /** A stand-in for mocha's context that records the skip. */
    const context = () => {
        const ctx = {
            skipped: false,
            skip() {
                ctx.skipped = true;
                throw new Error("skipped");
            },
        };
        return ctx;
    };
    const quietly = (f: () => void) => {
        const log = console.log;
        console.log = () => undefined;
        try {
            f();
        } finally {
            console.log = log;
        }
    };

    it("outside CI, skips the test", () => {
        delete process.env.CI;
        const ctx = context();
        quietly(() => assert.throws(() => skipOutsideCi(ctx as unknown as Mocha.Context, "clair is not installed"), /^Error: skipped$/));
        assert.equal(ctx.skipped, true);
    });

    it("in CI, fails with the reason and does not skip", () => {
        process.env.CI = "true";
        const ctx = context();
        assert.throws(() => skipOutsideCi(ctx as unknown as Mocha.Context, "clair is not installed"), /^Error: clair is not installed \(CI must provide it\)$/);
        assert.equal(ctx.skipped, false);
    });
});
