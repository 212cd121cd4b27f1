/**
 * The alerts under Pulumi's mocks: every alert has its annotations and a runbook section in the
 * docs/operations.md, and monitoring.rules turns the PrometheusRules off. Prometheus's own promtool checks
 * and unit-tests the rules in the real-software lane (test/real/alert-rules.test.ts).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { configKeys } from "../config/keys";
import { runProgram, unwrapSecrets } from "../tools/mock-run";
import { anchorsOf } from "./docs";
import { atLeast, ofType, stackRun } from "./helpers";

const ROOT = path.resolve(__dirname, "..");
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

/** The rule groups of every PrometheusRule the run registers. */
async function ruleGroups(run: Awaited<ReturnType<typeof stackRun>>): Promise<any[]> {
    return ofType(run, PROMETHEUS_RULE).flatMap((r) => unwrapSecrets(r.inputs).spec.groups);
}

describe("alert annotations", () => {
    it("every alert has a summary, a description, a severity and a runbook section in docs/operations.md", async () => {
        const readme = fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
        const runbooks = readme.slice(readme.indexOf("\n### Runbooks\n"));
        const sections = [...runbooks.matchAll(/^#### (\w+)$/gm)].map((m) => m[1]);
        const rules = (await ruleGroups(await stackRun("prod"))).flatMap((g) => g.rules);
        for (const r of rules) {
            assert.ok(r.annotations.summary && r.annotations.description, `${r.alert}: summary and description`);
            assert.ok(["warning", "critical"].includes(r.labels.severity), `${r.alert}: severity`);
            assert.ok(sections.includes(r.alert), `${r.alert}: a #### ${r.alert} section under ### Runbooks`);
            assert.deepEqual(Object.keys(r.annotations).sort(), ["description", "runbook_url", "summary"], r.alert);
            // Absolute, for a notification read anywhere: Pulumi.prod.yaml's monitoring.runbookBaseUrl, and
            // the section's anchor (GitHub's and GitLab's anchor of a heading is its text in lower case).
            assert.equal(
                r.annotations.runbook_url,
                `https://git.example.com/security/security-scanning-platform/blob/main/docs/operations.md#${r.alert.toLowerCase()}`,
            );
        }
        assert.deepEqual(
            sections.filter((s) => !rules.some((r: any) => r.alert === s)),
            [],
            "no runbook for an alert that does not exist",
        );
    });

    it("every alert's runbook_url anchor is a heading's anchor in docs/operations.md", async () => {
        const anchors = anchorsOf(fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8"));
        const rules = atLeast(
            (await ruleGroups(await stackRun("prod"))).flatMap((g) => g.rules),
            12,
            "alerts",
        );
        for (const r of rules) {
            const anchor = new URL(r.annotations.runbook_url).hash.slice(1);
            assert.ok(anchors.has(anchor), `${r.alert}: #${anchor} is no heading of docs/operations.md`);
        }
    });
});

describe("what the alerts' descriptions say", () => {
    /** The minutes of a rule's `for:` ("10m"). */
    const forMinutes = (r: any) => {
        const m = /^(\d+)m$/.exec(r.for);
        assert.ok(m, `${r.alert}: for ${r.for} in minutes`);
        return Number(m[1]);
    };
    /** The constant the expression compares against (`... > 30`). */
    const threshold = (r: any) => {
        const m = /> (\d+(?:\.\d+)?)$/.exec(r.expr);
        assert.ok(m, `${r.alert}: ends with a comparison against a constant`);
        return Number(m[1]);
    };

    it("a duration an alert's description states as 'for' or 'during' N minutes is its for:, and a threshold it states is its expression's", async () => {
        const rules = atLeast(
            (await ruleGroups(await stackRun("prod"))).flatMap((g) => g.rules),
            12,
            "alerts",
        );
        let durations = 0;
        for (const r of rules) {
            for (const m of r.annotations.description.matchAll(/\b(?:for|during) (\d+) minutes\b/g)) {
                assert.equal(Number(m[1]), forMinutes(r), `${r.alert}: "${m[0]}" in its description, for: ${r.for}`);
                durations++;
            }
        }
        assert.ok(durations >= 9, `${durations} durations stated`);
        const rule = (name: string) => rules.find((r: any) => r.alert === name);
        // The words an operator reads, in the expression's units: seconds, a share as a percentage, hours as seconds.
        assert.match(rule("ClairMatcherSlow").annotations.description, new RegExp(`above ${threshold(rule("ClairMatcherSlow"))} s\\b`));
        assert.match(
            rule("ClairDatabasePoolSaturated").annotations.description,
            new RegExp(`More than ${threshold(rule("ClairDatabasePoolSaturated")) * 100}%`),
        );
        assert.match(rule("ClamavDatabaseOld").annotations.description, new RegExp(`more than ${threshold(rule("ClamavDatabaseOld")) / 3600} hours`));
    });
});

describe("what the runbooks tell operators to change", () => {
    const readme = fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
    const runbooks = readme.slice(readme.indexOf("\n### Runbooks\n"), readme.indexOf("\n## ", readme.indexOf("\n### Runbooks\n")));
    /** The text of one alert's runbook section. */
    const runbook = (alert: string) => {
        const start = runbooks.indexOf(`\n#### ${alert}\n`);
        assert.ok(start >= 0, `#### ${alert}`);
        const next = runbooks.indexOf("\n#### ", start + 1);
        return runbooks.slice(start, next < 0 ? undefined : next);
    };
    /** Dotted names under one of our top-level keys (clair.indexer.replicas), as the text gives them. */
    const keyMentions = (text: string) =>
        [...text.matchAll(/\b((?:clair|clamav|malwar|monitoring|kubernetes|network|proxy|trustedCA)(?:\.[A-Za-z]\w*)+)/g)].map((m) => m[1]);

    it("name only config keys the schema has, in the runbooks and in the alerts' descriptions", async () => {
        const keys = configKeys();
        const known = (name: string) => keys.some((k) => k === name || k.startsWith(`${name}.`));
        const rules = (await ruleGroups(await stackRun("prod"))).flatMap((g) => g.rules);
        const mentions = [...keyMentions(runbooks), ...rules.flatMap((r: any) => keyMentions(r.annotations.description))];
        assert.ok(mentions.length >= 10, `${mentions.length} mentions`);
        assert.deepEqual([...new Set(mentions.filter((m) => !known(m)))], [], "names of keys the schema does not have");
    });

    it("ClairRequestsConcurrencyLimited: the indexer's request limit and scan lock retry, not only more pods", async () => {
        const text = runbook("ClairRequestsConcurrencyLimited");
        for (const key of ["clair.indexer.indexReportRequestConcurrency", "clair.indexer.scanlockRetry", "clair.indexer.replicas"]) {
            assert.ok(keyMentions(text).includes(key), `the runbook names ${key}`);
        }
        const rule = (await ruleGroups(await stackRun("prod"))).flatMap((g) => g.rules).find((r: any) => r.alert === "ClairRequestsConcurrencyLimited");
        assert.ok(keyMentions(rule.annotations.description).includes("clair.indexer.indexReportRequestConcurrency"), "the alert's description names the limit");
    });
});

describe("runbook links", () => {
    it("follow monitoring.runbookBaseUrl, a query kept before each alert's anchor", async () => {
        const base = "https://gitlab.example.org/sre/scanning/-/blob/main/README.md?plain=1";
        const run = await runProgram("stage", { sets: { "monitoring.runbookBaseUrl": base } });
        const rules = atLeast(
            (await ruleGroups(run)).flatMap((g) => g.rules),
            12,
            "alerts",
        );
        for (const r of rules) assert.equal(r.annotations.runbook_url, `${base}#${r.alert.toLowerCase()}`);
        assert.ok(
            rules.some((r: any) => r.annotations.runbook_url === `${base}#clamavdatabaseold`),
            "ClamAV's alerts too",
        );
    });
});

describe("alert rules under the mocks", () => {
    it("no PrometheusRule when monitoring.rules is false", async () => {
        const run = await runProgram("prod", { sets: { "monitoring.rules": "false" } });
        assert.equal(ofType(run, PROMETHEUS_RULE).length, 0);
    });
});
