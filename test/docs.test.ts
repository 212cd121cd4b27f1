/**
 * The documentation against the tree: README.md, CONTRIBUTING.md and docs/*.md. Every relative
 * link and anchor resolves; the commands they give exist, with flags their tools' --help lists;
 * the paths they name are there; the layout table lists every tool and script; the Node.js range
 * is said once and is package.json's; the toolchain's cold build time is one number; the capacity
 * table shown is the one the command prints, with prod's totals; config keys named exist; the
 * README's stacks table matches the stack files; the README stays short.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { HELP as CAPACITY_HELP, OPTIONS as CAPACITY_OPTIONS, capacityReport, formatReport } from "../tools/capacity";
import { HELP as CHECK_HELP, OPTIONS as CHECK_OPTIONS } from "../tools/check-manifests";
import { HELP as RENDER_HELP, OPTIONS as RENDER_OPTIONS } from "../tools/render";
import { configKeys } from "../config/keys";
import { REFUSED_KEYS } from "../config/refused-keys";
import { parseConfig } from "../config/load";
import { stackConfig } from "../tools/mock-run";
import { DOCS, anchorsOf, docSections, links, read } from "./docs";

const ROOT = path.resolve(__dirname, "..");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const README = read("README.md");
const ALL = DOCS.map((file) => ({ file, text: read(file) }));

/** The text of the `## name` section of `file`, up to the next `## `. */
function section(file: string, name: string): string {
    const found = docSections(read(file)).find((s) => s.title === name && s.level === 2);
    assert.ok(found, `${file} has a "## ${name}" section`);
    return found.text;
}

/** Every `npm run [-s] <script> [-- args]` in the docs, with its arguments up to the end of the command. */
function npmRuns(): { file: string; script: string; args: string[]; line: string }[] {
    const found: { file: string; script: string; args: string[]; line: string }[] = [];
    for (const { file, text } of ALL) {
        for (const line of text.replace(/`npm\s+run/g, "`npm run").split("\n")) {
            for (const m of line.matchAll(/npm run (?:-s )?([a-z][\w:-]*)((?: -- [^`#|]*)?)/g)) {
                const args = m[2].replace(/^ -- /, "").trim().split(/\s+/).filter(Boolean);
                found.push({ file, script: m[1], args, line });
            }
        }
    }
    return found;
}

/** The flags each command's --help lists: long names, and the short ones of those ("s" for --stack; "h" for --help). */
const HELPED: Record<string, { long: string[]; short: string[] }> = Object.fromEntries(
    (
        [
            ["capacity", CAPACITY_HELP, CAPACITY_OPTIONS],
            ["render", RENDER_HELP, RENDER_OPTIONS],
            ["check:manifests", CHECK_HELP, CHECK_OPTIONS],
        ] as [string, { flags: object }, Record<string, { short?: string }>][]
    ).map(([name, help, options]) => [
        name,
        {
            long: [...Object.keys(help.flags), "help"],
            short: [
                ...Object.keys(help.flags)
                    .map((f) => options[f]?.short)
                    .filter((s): s is string => !!s),
                "h",
            ],
        },
    ]),
);

describe("documentation", () => {
    it("is README.md, CONTRIBUTING.md and one file per purpose in docs/, each listed in the README's documentation table", () => {
        // The purposes, written here: a new document is a decision, made in this list and the README.
        const purposes = ["first-deploy", "configuration", "capacity", "openshift", "operations", "architecture"].map((f) => `docs/${f}.md`);
        assert.deepEqual([...DOCS].sort(), ["CONTRIBUTING.md", "README.md", ...purposes].sort());
        const listed = README.split("\n").flatMap((l) => /^\| \[(docs\/[\w-]+\.md)\]/.exec(l)?.[1] ?? []);
        assert.deepEqual(listed.sort(), [...purposes].sort());
    });

    it("README: a few screens, starting with a quick start: install, test, capacity and the local stack", () => {
        const lines = README.split("\n");
        assert.ok(lines.length <= 160, `README.md is ${lines.length} lines`);
        assert.equal(
            lines.find((l) => l.startsWith("## ")),
            "## Quick start",
        );
        const quick = section("README.md", "Quick start");
        for (const command of ["npm ci", "npm test", "npm run capacity -- --stack prod", "npm run local:up", "npm run local:down"]) {
            assert.ok(quick.includes(command), `quick start: ${command}`);
        }
        const testLine = lines.findIndex((l) => /^npm test\b/.test(l));
        assert.ok(testLine >= 0 && testLine < 40, `npm test first appears on line ${testLine + 1}`);
        for (const doc of DOCS.filter((d) => d !== "README.md")) assert.ok(README.includes(`](${doc})`), `README links ${doc}`);
    });

    it("every relative link and anchor resolves", () => {
        const broken: string[] = [];
        let checked = 0;
        for (const { file, text } of ALL) {
            for (const { target, line } of links(text)) {
                if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
                checked++;
                const [rel, anchor] = target.split("#", 2);
                const dest = rel === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), rel));
                if (!fs.existsSync(path.join(ROOT, dest))) {
                    broken.push(`${file}:${line}: ${target}: no file ${dest}`);
                    continue;
                }
                if (anchor !== undefined && !anchorsOf(read(dest)).has(anchor))
                    broken.push(`${file}:${line}: ${target}: no heading or anchor #${anchor} in ${dest}`);
            }
        }
        assert.ok(checked >= 50, `${checked} links checked`);
        assert.deepEqual(broken, []);
    });

    it("gives only npm scripts that package.json defines", () => {
        const runs = npmRuns();
        assert.ok(runs.length >= 20);
        for (const r of runs) assert.ok(r.script in PACKAGE.scripts, `npm run ${r.script} (${r.file}: ${r.line.trim()})`);
    });

    it("uses only flags the capacity, render and check:manifests commands list in their --help", () => {
        let checked = 0;
        const wrong: string[] = [];
        for (const { file, text } of ALL) {
            // `npm run capacity -- --stack prod ...` and the flags named beside a command: `check:manifests --allow-missing`.
            for (const m of text.matchAll(/npm run (?:-s )?(capacity|render|check:manifests) -- ([^`#|\n]*)|`(capacity|render|check:manifests) (--[a-z-]+)/g)) {
                const script = m[1] ?? m[3];
                for (const arg of (m[2] ?? m[4]).trim().split(/\s+/)) {
                    const flag = /^\[?--([a-z-]+)/.exec(arg)?.[1] ?? /^-([a-z])$/.exec(arg)?.[1];
                    if (!flag) continue;
                    checked++;
                    const known = flag.length === 1 ? HELPED[script].short.includes(flag) : HELPED[script].long.includes(flag);
                    if (!known) wrong.push(`${file}: ${script} ${arg} (${m[0].trim()})`);
                }
            }
        }
        assert.ok(checked >= 15, `${checked} flags checked`);
        assert.deepEqual(wrong, []);
    });

    it("name only config keys the schema has (or refuses by name)", () => {
        const keys = configKeys();
        const known = (k: string) => k in REFUSED_KEYS || keys.some((x) => x === k || x.startsWith(`${k}.`));
        // Host names, file names and Clair's updater set `clair.cvss` look like keys and are not.
        const notAKey = (k: string) => /\.(com|io|org|env|cvss)$/.test(k);
        const wrong: string[] = [];
        let checked = 0;
        for (const { file, text } of ALL) {
            for (const m of text.matchAll(/`((?:clair|clamav|malwar|monitoring|kubernetes|network|proxy|trustedCA)(?:\.[A-Za-z]\w*)+)(?:[:= ][^`]*)?`/g)) {
                if (notAKey(m[1])) continue;
                checked++;
                if (!known(m[1])) wrong.push(`${file}: ${m[0]}`);
            }
        }
        assert.ok(checked >= 100, `${checked} keys checked`);
        assert.deepEqual(wrong, []);
    });

    it("README: the stacks table states each stack's replica counts and RDS class as its stack file sets them", () => {
        const table = section("README.md", "The stacks");
        for (const stack of ["stage", "prod"]) {
            const row = table.split("\n").find((l) => l.startsWith(`| \`${stack}\``));
            assert.ok(row, `a row for ${stack}`);
            const cfg: any = parseConfig(stackConfig(stack));
            const count = (what: string) => Number(new RegExp(`(\\d+) ${what}`).exec(row)?.[1]);
            assert.equal(count("indexers?"), cfg.clair.indexer.replicas, `${stack} indexers`);
            assert.equal(count("matchers?"), cfg.clair.matcher.replicas, `${stack} matchers`);
            assert.equal(count("notifiers?"), cfg.clair.notifier.replicas, `${stack} notifiers`);
            assert.equal(count("clamd"), cfg.clamav.replicas, `${stack} clamd`);
            assert.ok(row.includes(`RDS \`${cfg.clair.database.rds.instanceClass}\``), `${stack}: RDS ${cfg.clair.database.rds.instanceClass}`);
            assert.equal(row.includes("Multi-AZ"), cfg.clair.database.rds.multiAz, `${stack}: Multi-AZ`);
        }
    });

    it("names only files and folders that exist", () => {
        const roots = ["tools/", "scripts/", "test/", "policy/", "components/", "config/", "lib/", ".ci/", "docs/"];
        const named = new Set<string>();
        for (const { text } of ALL) {
            for (const m of text.matchAll(/`([^`\s]+)`/g)) {
                const p = m[1].replace(/[.,:;)]+$/, "");
                if (!roots.some((r) => p.startsWith(r)) || /[<>*{}$]/.test(p)) continue;
                named.add(p.replace(/\/$/, ""));
            }
        }
        assert.ok(named.size >= 15, [...named].join(" "));
        for (const p of named) assert.ok(fs.existsSync(path.join(ROOT, p)), `the docs name ${p}, which does not exist`);
    });

    it("list every tool and script in the layout table (docs/architecture.md)", () => {
        const layout = section("docs/architecture.md", "Layout");
        const row = (first: string) => layout.split("\n").find((l) => l.startsWith(`| \`${first}\``)) ?? "";
        for (const [folder, skip] of [
            ["tools", /^$/],
            ["scripts", /^(checkers\.env)$/],
        ] as const) {
            const cells = row(`${folder}/`);
            assert.ok(cells, `a layout row for ${folder}/`);
            for (const entry of fs.readdirSync(path.join(ROOT, folder))) {
                if (skip.test(entry)) continue;
                const shown = fs.statSync(path.join(ROOT, folder, entry)).isDirectory() ? `\`${entry}/` : `\`${entry}\``;
                assert.ok(cells.includes(shown), `layout table, ${folder}/ row: ${entry}`);
            }
        }
    });

    it("state the supported Node.js range once, as package.json's engines, and this Node.js is in it", () => {
        const range: string = PACKAGE.engines.node;
        const all = ALL.map((d) => d.text).join("\n");
        assert.equal(all.split(`\`${range}\``).length - 1, 1, `the range \`${range}\` appears once in all the docs`);
        assert.ok(section("docs/first-deploy.md", "Prerequisites").includes(`\`${range}\``), "in docs/first-deploy.md, Prerequisites");
        // semver comes with @pulumi/pulumi's dependencies (and with npm itself).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const semver: { satisfies(version: string, range: string): boolean; intersects(a: string, b: string): boolean } = require("semver");
        assert.ok(semver.satisfies(process.version, range), `${process.version} satisfies ${range}`);
        // Nowhere a Node.js version outside the range ("Node.js 20" is the 20 line, "20.12" from 20.12 on).
        for (const m of all.matchAll(/Node(?:\.js)? (\d+)(?:\.(\d+))?/g)) {
            const mentioned = m[2] === undefined ? `${m[1]}.x` : `>=${m[1]}.${m[2]}.0 <${Number(m[1]) + 1}`;
            assert.ok(semver.intersects(mentioned, range), `the docs mention ${m[0]}, outside ${range}`);
        }
    });

    it("give one cold build time for the toolchain: the total of its table (and of scripts/toolchain/TIMINGS.md)", () => {
        const all = ALL.map((d) => d.text).join("\n");
        const total = /^\| total \| ([\d,]+) \((\d+) min\) \|$/m.exec(all);
        assert.ok(total, "the toolchain table's total row");
        const [seconds, minutes] = [Number(total[1].replace(/,/g, "")), Number(total[2])];
        assert.equal(Math.round(seconds / 60), minutes);
        const timings = fs.readFileSync(path.join(ROOT, "scripts/toolchain/TIMINGS.md"), "utf8");
        const last = [...timings.matchAll(/^Total ([\d,]+) s \((\d+) min\)/gm)].pop();
        assert.ok(last, "TIMINGS.md's last total");
        assert.deepEqual([Number(last[1].replace(/,/g, "")), Number(last[2])], [seconds, minutes]);
        const claims = [...all.replace(/\n/g, " ").matchAll(/(\d+) minutes? cold/g)].map((m) => Number(m[1]));
        assert.ok(claims.length >= 2, "the quick start and the local stack say it");
        for (const c of claims) assert.equal(c, minutes);
    });

    const printed = () => /npm run capacity -- --stack prod` prints:\n\n```\n([\s\S]*?)\n```/.exec(read("docs/capacity.md"));

    it("show the capacity table npm run capacity -- --stack prod prints (docs/capacity.md)", async function () {
        this.timeout(60000);
        const block = printed();
        assert.ok(block, "a printed sample after '`npm run capacity -- --stack prod` prints:'");
        assert.equal(block[1], formatReport(await capacityReport("prod", {})));
    });

    it("state prod's total, and its total without the exporter sidecar, as the command computes them", async function () {
        this.timeout(60000);
        const text = read("docs/capacity.md").replace(/\s+/g, " ");
        const figures = (t: { cpu: number; memoryGiB: number }) => `${t.cpu} cores and ${t.memoryGiB} GiB`;
        const withExporter = (await capacityReport("prod", {})).total;
        const without = (await capacityReport("prod", { "monitoring.podMonitors": "false" })).total;
        assert.ok(text.includes(`prod's TOTAL is ${figures(withExporter)}`), `says prod's TOTAL is ${figures(withExporter)}`);
        assert.ok(text.includes(`without the sidecar prod's TOTAL is ${figures(without)}`), `says without the sidecar prod's TOTAL is ${figures(without)}`);
    });

    it("show the Clair capacity the Clair capacity document gives for prod, row by row", () => {
        const block = printed();
        assert.ok(block, "the printed sample");
        const number = (cell: string) => Number(cell.replace(/,/g, ""));
        const row = (name: string) => {
            const line = block[1].split("\n").find((l) => l.startsWith(`${name} `));
            assert.ok(line, `a row for ${name}`);
            return line.trim().split(/\s+/);
        };
        // The document: 40 indexers, 10 matchers, 10 notifiers; every Clair pod 2 CPU and 2 GiB
        // (requests = limits); a 100 GiB gp2 claim per indexer pod, none for the others.
        const pods = { "clair-indexer": 40, "clair-matcher": 10, "clair-notifier": 10 };
        for (const [workload, count] of Object.entries(pods)) {
            const [, , n, cpu, memory, allCpu, allMemory, storage] = row(workload);
            assert.deepEqual(
                [n, cpu, memory, allCpu, allMemory, storage].map(number),
                [count, 2, 2, 2 * count, 2 * count, workload === "clair-indexer" ? 100 * count : 0],
                workload,
            );
        }
        // The app row: 60 pods, 120 CPU, 120 GiB, 4,000 GiB, and one RDS instance per component.
        const [, n, cpu, memory, storage, instances] = row("clair");
        assert.deepEqual([n, cpu, memory, storage, instances].map(number), [40 + 10 + 10, 2 * 60, 2 * 60, 100 * 40, 3]);
    });
});
