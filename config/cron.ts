/**
 * CronJob schedules, as Kubernetes accepts them. The API server parses `spec.schedule` with
 * robfig/cron v3's standard parser: five fields (minute hour day-of-month month day-of-week),
 * `*` and `?`, lists, ranges, steps, month and weekday names (any case), and the macros
 * @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly and `@every <duration>`;
 * no seconds field, no L, W, # or H, day-of-week 0-6 (7 is not Sunday there), and, for a new
 * CronJob, no TZ= or CRON_TZ= prefix (the time zone is a field of its own, which the program
 * does not set: schedules run in the controller's zone, UTC on managed clusters).
 *
 * This module checks that grammar; cron-parser (the most used cron library on npm, kept up to
 * date) then checks every value, range, step and name, and computes the next run, so a
 * schedule that never fires (30 February) is refused too: the one place where we are stricter
 * than the API server, which stores such a schedule and never runs it.
 */
import { CronExpressionParser } from "cron-parser";

const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const FIELDS = [
    { name: "minute", range: "0-59", names: false },
    { name: "hour", range: "0-23", names: false },
    { name: "day of month", range: "1-31", names: false },
    { name: "month", range: "1-12 or jan-dec", names: true },
    { name: "day of week", range: "0-6 (0 is Sunday) or sun-sat", names: true },
] as const;
/** One list item of robfig/cron: `*`, `?`, a value or a range, with an optional step. */
const ITEM = /^(\*|\?|[0-9a-z]+(-[0-9a-z]+)?)(\/[0-9]+)?$/i;
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export const CRON_ALLOWED =
    "a Kubernetes CronJob schedule: five fields (minute hour day-of-month month day-of-week) such as '0 */6 * * *', or @hourly, @daily, @weekly, @monthly, @yearly or '@every 6h'";

/** Why `schedule` is not one Kubernetes accepts, in plain words; undefined when it is. */
export function cronProblem(schedule: string): string | undefined {
    const spec = schedule.trim();
    if (/TZ/.test(spec)) return "sets a time zone (TZ= or CRON_TZ=), which Kubernetes refuses in the schedule of a new CronJob";
    if (spec.startsWith("@")) {
        if (MACROS.includes(spec)) return undefined;
        const every = /^@every\s+(\S+)$/.exec(spec);
        if (every)
            return GO_DURATION.test(every[1]) && /[1-9]/.test(every[1]) ? undefined : `'@every' needs a positive duration such as 6h or 90m, not '${every[1]}'`;
        return `'${spec}' is not a schedule macro (they are ${MACROS.join(", ")} and @every, in lower case)`;
    }
    const fields = spec.split(/\s+/);
    const count = spec === "" ? 0 : fields.length;
    if (count !== 5) return `has ${count} field${count === 1 ? "" : "s"}, not 5`;
    for (const [i, field] of fields.entries()) {
        const { name, range, names } = FIELDS[i];
        for (const item of field.split(",")) {
            const letters = item
                .replace(/\/.*/, "")
                .split("-")
                .filter((part) => /[a-z]/i.test(part));
            if (item === "") return `has an empty item in the ${name} list '${field}'`;
            const badName = letters.find((part) => !names || !/^[a-z]{3}$/i.test(part));
            if (!ITEM.test(item) || badName !== undefined) return `'${item}' is not a ${name} (${range})`;
            if (
                i === 4 &&
                item
                    .replace(/\/.*/, "")
                    .split("-")
                    .some((part) => part === "7")
            )
                return `'${item}': the day of week runs 0-6 (0 is Sunday); 7 is not accepted`;
        }
    }
    try {
        const expression = CronExpressionParser.parse(spec, { currentDate: new Date(Date.UTC(2000, 0, 1)), tz: "UTC" });
        // Within 28 years every calendar date and weekday combination has come round.
        expression.next();
        return undefined;
    } catch (err) {
        return plainCronError(String((err as Error).message ?? err));
    }
}

/** cron-parser's message, in the words of the field it is about. */
function plainCronError(message: string): string {
    const constraint = /got value (\S+) expected range (\d+)-(\d+)/.exec(message);
    if (constraint) {
        // The expected range tells the field (cron-parser allows 0-7 for the day of week).
        const field = FIELDS.find((f) => f.range.startsWith(`${constraint[2]}-${constraint[3]}`)) ?? FIELDS[4];
        return `${field.name} ${constraint[1]} is out of range (${field.range})`;
    }
    if (/Invalid explicit day of month/.test(message)) return "never runs: that day does not occur in that month";
    if (/cannot repeat at every 0/.test(message)) return "a step of 0 never advances; steps start at 1";
    const range = /Invalid range: (\S+), min\((\d+)\) > max\((\d+)\)/.exec(message);
    if (range) return `the range ${range[1]} runs backwards`;
    if (/cannot resolve alias/.test(message)) return "names an unknown month or weekday (jan-dec, sun-sat)";
    return `is not valid (${message})`;
}
