/**
 * The README against the tree: the commands it gives exist, with flags their tools
 * accept; the paths it names are there; the layout table lists every tool and script; the Node.js
 * range is said once and is package.json's; the toolchain's cold build time is one number; the
 * capacity table it shows is the one the command prints.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { OPTIONS as CAPACITY_OPTIONS, capacityReport, formatReport } from "../tools/capacity";
import { OPTIONS as CHECK_OPTIONS } from "../tools/check-manifests";
import { OPTIONS as RENDER_OPTIONS } from "../tools/render";

const ROOT = path.resolve(__dirname, "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const LINES = README.split("\n");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

/** The text of the `## name` section, up to the next `## `. */
function section(name: string): string {
    const start = LINES.findIndex((l) => l === `## ${name}`);
    assert.ok(start >= 0, `README has a "## ${name}" section`);
    const end = LINES.findIndex((l, i) => i > start && l.startsWith("## "));
    return LINES.slice(start, end < 0 ? undefined : end).join("\n");
}

/** Every `npm run [-s] <script> [-- args]` in the README, with its arguments up to the end of the command. */
function npmRuns(): { script: string; args: string[]; line: string }[] {
    const found: { script: string; args: string[]; line: string }[] = [];
    for (const line of LINES) {
        for (const m of line.matchAll(/npm run (?:-s )?([a-z][\w:-]*)((?: -- [^`#|]*)?)/g)) {
            const args = m[2].replace(/^ -- /, "").trim().split(/\s+/).filter(Boolean);
            found.push({ script: m[1], args, line });
        }
    }
    return found;
}

describe("README", () => {
    it("starts with a quick start: install, test, capacity and the local stack, before line 40", () => {
        const firstSection = LINES.find((l) => l.startsWith("## "));
        assert.equal(firstSection, "## Quick start");
        const quick = section("Quick start");
        for (const command of ["npm ci", "npm test", "npm run capacity -- --stack prod", "npm run local:up", "npm run local:down"]) {
            assert.ok(quick.includes(command), `quick start: ${command}`);
        }
        const testLine = LINES.findIndex((l) => /^npm test\b/.test(l));
        assert.ok(testLine >= 0 && testLine < 40, `npm test first appears on line ${testLine + 1}`);
    });

    it("gives only npm scripts that package.json defines", () => {
        const runs = npmRuns();
        assert.ok(runs.length >= 10);
        for (const r of runs) assert.ok(r.script in PACKAGE.scripts, `npm run ${r.script} (README: ${r.line.trim()})`);
    });

    it("uses only flags the capacity, render and check:manifests commands accept", () => {
        const options: Record<string, Record<string, unknown>> = { capacity: CAPACITY_OPTIONS, render: RENDER_OPTIONS, "check:manifests": CHECK_OPTIONS };
        let checked = 0;
        for (const r of npmRuns()) {
            if (!(r.script in options)) continue;
            for (const arg of r.args) {
                const flag = /^\[?--([a-z-]+)/.exec(arg)?.[1];
                if (!flag) continue;
                assert.ok(flag in options[r.script] || flag === "help", `npm run ${r.script} -- --${flag} (README: ${r.line.trim()})`);
                checked++;
            }
        }
        assert.ok(checked >= 10, `${checked} flags checked`);
    });

    it("names only files and folders that exist", () => {
        const roots = ["tools/", "scripts/", "test/", "policy/", "components/", "config/", "lib/", ".ci/"];
        const named = new Set<string>();
        for (const m of README.matchAll(/`([^`\s]+)`/g)) {
            const p = m[1].replace(/[.,:;)]+$/, "");
            if (!roots.some((r) => p.startsWith(r)) || /[<>*{}$]/.test(p)) continue;
            named.add(p.replace(/\/$/, ""));
        }
        assert.ok(named.size >= 15, [...named].join(" "));
        for (const p of named) assert.ok(fs.existsSync(path.join(ROOT, p)), `README names ${p}, which does not exist`);
    });

    it("lists every tool and script in the layout table", () => {
        const layout = section("Layout");
        const row = (first: string) => layout.split("\n").find((l) => l.startsWith(`| \`${first}\``)) ?? "";
        for (const [folder, skip] of [["tools", /^$/], ["scripts", /^(checkers\.env)$/]] as const) {
            const cells = row(`${folder}/`);
            assert.ok(cells, `a layout row for ${folder}/`);
            for (const entry of fs.readdirSync(path.join(ROOT, folder))) {
                if (skip.test(entry)) continue;
                const shown = fs.statSync(path.join(ROOT, folder, entry)).isDirectory() ? `\`${entry}/` : `\`${entry}\``;
                assert.ok(cells.includes(shown), `layout table, ${folder}/ row: ${entry}`);
            }
        }
    });

    it("states the supported Node.js range once, as package.json's engines, and this Node.js is in it", () => {
        const range: string = PACKAGE.engines.node;
        assert.equal(README.split(`\`${range}\``).length - 1, 1, `the range \`${range}\` appears once`);
        assert.ok(section("Prerequisites").includes(`\`${range}\``), "in Prerequisites");
        // semver comes with @pulumi/pulumi's dependencies (and with npm itself).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const semver: { satisfies(version: string, range: string): boolean; intersects(a: string, b: string): boolean } = require("semver");
        assert.ok(semver.satisfies(process.version, range), `${process.version} satisfies ${range}`);
        // Nowhere a Node.js version outside the range ("Node.js 20" is the 20 line, "20.12" from 20.12 on).
        for (const m of README.matchAll(/Node(?:\.js)? (\d+)(?:\.(\d+))?/g)) {
            const mentioned = m[2] === undefined ? `${m[1]}.x` : `>=${m[1]}.${m[2]}.0 <${Number(m[1]) + 1}`;
            assert.ok(semver.intersects(mentioned, range), `README mentions ${m[0]}, outside ${range}`);
        }
    });

    it("gives one cold build time for the toolchain: the total of its table (and of scripts/toolchain/TIMINGS.md)", () => {
        const total = /^\| total \| ([\d,]+) \((\d+) min\) \|$/m.exec(README);
        assert.ok(total, "the toolchain table's total row");
        const [seconds, minutes] = [Number(total[1].replace(/,/g, "")), Number(total[2])];
        assert.equal(Math.round(seconds / 60), minutes);
        const timings = fs.readFileSync(path.join(ROOT, "scripts/toolchain/TIMINGS.md"), "utf8");
        const last = [...timings.matchAll(/^Total ([\d,]+) s \((\d+) min\)/gm)].pop();
        assert.ok(last, "TIMINGS.md's last total");
        assert.deepEqual([Number(last[1].replace(/,/g, "")), Number(last[2])], [seconds, minutes]);
        const claims = [...README.replace(/\n/g, " ").matchAll(/(\d+) minutes? cold/g)].map((m) => Number(m[1]));
        assert.ok(claims.length >= 2, "the quick start and the local stack say it");
        for (const c of claims) assert.equal(c, minutes);
    });

    it("shows the capacity table npm run capacity -- --stack prod prints", async function () {
        this.timeout(60000);
        const capacity = section("Capacity");
        const block = /npm run capacity -- --stack prod` prints:\n\n```\n([\s\S]*?)\n```/.exec(capacity);
        assert.ok(block, "a printed sample after '`npm run capacity -- --stack prod` prints:'");
        assert.equal(block[1], formatReport(await capacityReport("prod", {})));
    });

    it("shows the Clair capacity the Clair capacity document gives for prod, row by row", () => {
        const block = /npm run capacity -- --stack prod` prints:\n\n```\n([\s\S]*?)\n```/.exec(section("Capacity"));
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
            assert.deepEqual([n, cpu, memory, allCpu, allMemory, storage].map(number),
                [count, 2, 2, 2 * count, 2 * count, workload === "clair-indexer" ? 100 * count : 0], workload);
        }
        // The app row: 60 pods, 120 CPU, 120 GiB, 4,000 GiB, and one RDS instance per component.
        const [, n, cpu, memory, storage, instances] = row("clair");
        assert.deepEqual([n, cpu, memory, storage, instances].map(number), [40 + 10 + 10, 2 * 60, 2 * 60, 100 * 40, 3]);
    });
});
