/**
 * clamav.refresh.schedule's messages (config/cron.ts): each refusal says why in the field's own
 * words. Whether config/cron.ts agrees with the parser Kubernetes runs (tools/cron-check, built
 * with Go) is tested in the real-software lane: test/real/cron.test.ts.
 */
import { strict as assert } from "assert";
import { cronProblem } from "../config/cron";

describe("CronJob schedules: config/cron.ts's messages", () => {
    it("says why in the field's own words", () => {
        assert.equal(cronProblem("0 24 * * *"), "hour 24 is out of range (0-23)");
        assert.equal(cronProblem("0 0 0 * *"), "day of month 0 is out of range (1-31)");
        assert.equal(cronProblem("0 0 * 13 *"), "month 13 is out of range (1-12 or jan-dec)");
        assert.equal(cronProblem("0 0 * * 7"), "'7': the day of week runs 0-6 (0 is Sunday); 7 is not accepted");
        assert.equal(cronProblem("0 0 * foo *"), "names an unknown month or weekday (jan-dec, sun-sat)");
        assert.equal(cronProblem("* * * * * *"), "has 6 fields, not 5");
        assert.equal(cronProblem("5-3 * * * *"), "the range 5-3 runs backwards");
        assert.equal(cronProblem("*/0 * * * *"), "a step of 0 never advances; steps start at 1");
        assert.equal(cronProblem("TZ=UTC 0 * * * *"), "sets a time zone (TZ= or CRON_TZ=), which Kubernetes refuses in the schedule of a new CronJob");
        assert.equal(
            cronProblem("@HOURLY"),
            "'@HOURLY' is not a schedule macro (they are @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly and @every, in lower case)",
        );
        assert.equal(cronProblem("0 0 L * *"), "'L' is not a day of month (1-31)");
    });
});
