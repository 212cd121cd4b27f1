/**
 * CronJob schedules at the edges of the grammar Kubernetes parses them with (robfig/cron v3's
 * standard parser): `@every` with a Go duration, names of months and weekdays (any case, three
 * letters, in their own fields only), empty list items, field counts, and dates that never come.
 */
import { strict as assert } from "assert";
import { cronProblem } from "../config/cron";

describe("CronJob schedules at the edges of the grammar", () => {
    it("'@every' takes a positive Go duration, of one or several units", () => {
        for (const ok of ["@every 6h", "@every 90m", "@every 1h30m", "@every 1.5h", "@every 500ms", "@every  10s", " @every 6h "])
            assert.equal(cronProblem(ok), undefined, ok);
        for (const [bad, duration] of [
            ["@every 0s", "0s"],
            ["@every 0h0m", "0h0m"],
            ["@every 6", "6"],
            ["@every 2d", "2d"],
            ["@every h", "h"],
            ["@every 6h!", "6h!"],
            ["@every -1h", "-1h"],
        ]) {
            assert.equal(cronProblem(bad), `'@every' needs a positive duration such as 6h or 90m, not '${duration}'`, bad);
        }
        assert.equal(
            cronProblem("@every"),
            "'@every' is not a schedule macro (they are @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly and @every, in lower case)",
        );
    });

    it("every macro in lower case is a schedule", () => {
        for (const macro of ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"])
            assert.equal(cronProblem(macro), undefined, macro);
    });

    it("month and weekday names: three letters, any case, in their own fields and in ranges and steps", () => {
        for (const ok of ["0 0 1 jan *", "0 0 1 JAN-mar *", "0 0 * * sun", "0 0 * * MON-FRI", "0 0 * * mon-fri/2", "0 0 1 1-12/3 *", "0 0 * * ?", "0 0 ? * 1"])
            assert.equal(cronProblem(ok), undefined, ok);
        assert.equal(cronProblem("0 0 * * sunday"), "'sunday' is not a day of week (0-6 (0 is Sunday) or sun-sat)");
        assert.equal(cronProblem("0 0 1 ja *"), "'ja' is not a month (1-12 or jan-dec)");
        assert.equal(cronProblem("0 0 jan * *"), "'jan' is not a day of month (1-31)");
        assert.equal(cronProblem("mon 0 * * *"), "'mon' is not a minute (0-59)");
        assert.match(cronProblem("0 0 * * 1-sun") ?? "", /runs backwards$/);
        assert.equal(cronProblem("0 0 * * 5-7"), "'5-7': the day of week runs 0-6 (0 is Sunday); 7 is not accepted");
        assert.equal(cronProblem("0 0 * * 7/1"), "'7/1': the day of week runs 0-6 (0 is Sunday); 7 is not accepted");
        assert.equal(cronProblem("0 0 * * 7/12"), "'7/12': the day of week runs 0-6 (0 is Sunday); 7 is not accepted");
        // 7 is refused only as a day of week: it is a minute, an hour, a day and a month like any other.
        assert.equal(cronProblem("7 7 7 7 *"), undefined);
        assert.equal(cronProblem("0 0 * * 1/7"), undefined);
        assert.equal(cronProblem("0 0 * * 17"), "day of week 17 is out of range (0-6 (0 is Sunday) or sun-sat)");
    });

    it("a list with an empty item names the field and the list", () => {
        assert.equal(cronProblem("0 0 1,,15 * *"), "has an empty item in the day of month list '1,,15'");
        assert.equal(cronProblem("0, 0 * * * *"), "has 6 fields, not 5");
        assert.equal(cronProblem("0,30 0 * * *"), undefined);
        assert.equal(cronProblem("0 0 * * 1,"), "has an empty item in the day of week list '1,'");
    });

    it("counts fields: none, one, four", () => {
        assert.equal(cronProblem(""), "has 0 fields, not 5");
        assert.equal(cronProblem("   "), "has 0 fields, not 5");
        assert.equal(cronProblem("*"), "has 1 field, not 5");
        assert.equal(cronProblem("* * * *"), "has 4 fields, not 5");
        assert.equal(cronProblem("  0   */6  * *   *  "), undefined);
    });

    it("a date that never occurs is refused; 29 February and 31 of a long month are not", () => {
        for (const never of ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 jun *"])
            assert.equal(cronProblem(never), "never runs: that day does not occur in that month", never);
        for (const ok of ["0 0 29 2 *", "0 0 31 1 *", "0 0 31 12 *"]) assert.equal(cronProblem(ok), undefined, ok);
    });

    it("minutes and hours at their bounds", () => {
        assert.equal(cronProblem("59 23 31 12 6"), undefined);
        assert.equal(cronProblem("60 0 * * *"), "minute 60 is out of range (0-59)");
        assert.equal(cronProblem("0 0 32 * *"), "day of month 32 is out of range (1-31)");
    });
});
