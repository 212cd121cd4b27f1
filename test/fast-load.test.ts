/**
 * tools/fast-load.js, the preload behind npm run capacity / render / check:manifests: its caches
 * never serve stale code, what it defers still works when used, and the tools answer exactly as
 * they do under ts-node.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const LOADER = path.join(ROOT, "tools", "fast-load.js");
/** The render tests' mock secrets: seeded, so two renders compare byte for byte. */
const SEED = "fast-load-test";

/**
 * The reference the tools' answers are compared with: a process under ts-node, as the tools ran
 * before the loader (and as the lane ran them, with test/setup.ts: ts-node's output kept, the
 * SDK's promise traces skipped). The lane itself loads through fast-load now, so the reference is
 * no longer this process. One process computes both references, in the background from the
 * first test on: the capacity JSON on stdout, prod rendered into `out` with seeded mock secrets.
 */
function tsNodeReference(out: string): Promise<{ capacity: unknown }> {
    const script = `
        const { capacityReport } = require("./tools/capacity");
        const { renderStack } = require("./tools/render");
        (async () => {
            const capacity = await capacityReport("prod", { "clair.indexer.replicas": "80" }, "stage");
            process.env.SSCAN_MOCK_RANDOM_SEED = ${JSON.stringify(SEED)};
            await renderStack("prod", ${JSON.stringify(out)});
            process.stdout.write(JSON.stringify({ capacity }));
        })().catch((err) => { console.error(err); process.exit(1); });`;
    const env = { ...process.env };
    delete env.SSCAN_MOCK_RANDOM_SEED;
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-r", "./test/setup.ts", "-e", script], { cwd: ROOT, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => (status === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`the ts-node reference exited ${status}: ${stderr}`))));
    });
}

interface Stats {
    tsHit: number;
    tsMiss: number;
    v8Hit: number;
    v8Miss: number;
    v8Rejected: number;
    lazyDeferred: string[];
    lazyLoaded: string[];
}

function node(args: string[], env: Record<string, string>, cwd = ROOT): { status: number | null; stdout: string; stderr: string; stats?: Stats } {
    const r = spawnSync(process.execPath, ["-r", LOADER, ...args], { cwd, encoding: "utf8", env: { ...process.env, SSCAN_FAST_LOAD_STATS: "1", ...env } });
    const line = r.stderr.split("\n").find((l) => l.startsWith("fast-load: "));
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, stats: line ? JSON.parse(line.slice("fast-load: ".length)) : undefined };
}

describe("fast-load (the tools' TypeScript and code cache)", function () {
    this.timeout(120000);
    let tmp: string;
    let cache: string;
    let referenceDir: string;
    let reference: Promise<{ capacity: unknown }>;
    before(() => {
        referenceDir = fs.mkdtempSync(path.join(os.tmpdir(), "fast-load-reference-"));
        reference = tsNodeReference(path.join(referenceDir, "prod"));
        // Awaited by the tests that read it; a failure before then is theirs to report.
        reference.catch(() => undefined);
    });
    after(async () => {
        await reference.catch(() => undefined);
        fs.rmSync(referenceDir, { recursive: true, force: true });
    });
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fast-load-"));
        cache = path.join(tmp, "cache");
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("transpiles a TypeScript file once, then serves it from the cache until its content changes (same size, same mtime)", () => {
        const file = path.join(tmp, "main.ts");
        // A whole second, which every file system stores exactly.
        const mtime = new Date(Date.UTC(2026, 0, 1));
        fs.writeFileSync(file, "const answer: number = 41;\nconsole.log(answer + 1);\n");
        fs.utimesSync(file, mtime, mtime);
        const env = { SSCAN_FAST_LOAD_DIR: cache };
        const first = node([file], env);
        assert.equal(first.stdout, "42\n", first.stderr);
        assert.equal(first.stats!.tsMiss, 1);
        const second = node([file], env);
        assert.equal(second.stdout, "42\n");
        assert.deepEqual([second.stats!.tsHit, second.stats!.tsMiss], [1, 0]);
        // An edit that keeps the size and the timestamp: a cache keyed on either would go stale.
        fs.writeFileSync(file, "const answer: number = 42;\nconsole.log(answer + 1);\n");
        fs.utimesSync(file, mtime, mtime);
        const edited = node([file], env);
        assert.equal(edited.stdout, "43\n");
        assert.equal(edited.stats!.tsMiss, 1);
        assert.equal(fs.readdirSync(path.join(cache, "ts")).length, 1, "one entry per file: the cache does not grow with edits");
        // Switched off (SSCAN_FAST_LOAD=0): the same answer, transpiled as ts-node --transpile-only does, nothing cached or deferred.
        const offCache = path.join(tmp, "off-cache");
        const off = node([file], { SSCAN_FAST_LOAD_DIR: offCache, SSCAN_FAST_LOAD: "0" });
        assert.equal(off.stdout, "43\n", off.stderr);
        assert.equal(fs.existsSync(offCache), false, "no cache written");
        assert.deepEqual([off.stats!.tsHit, off.stats!.lazyDeferred], [0, []]);
    });

    it("reuses V8's code cache for a JavaScript module and never for other source (same size, same mtime)", () => {
        const lib = path.join(tmp, "lib.js");
        const main = path.join(tmp, "main.js");
        const mtime = new Date(Date.UTC(2026, 0, 1));
        fs.writeFileSync(lib, "module.exports = () => 'one';\n");
        fs.utimesSync(lib, mtime, mtime);
        fs.writeFileSync(main, "console.log(require('./lib.js')());\n");
        const env = { SSCAN_FAST_LOAD_DIR: cache };
        assert.equal(node([main], env).stats!.v8Miss, 2);
        const warm = node([main], env);
        assert.equal(warm.stdout, "one\n");
        assert.deepEqual([warm.stats!.v8Hit, warm.stats!.v8Miss], [2, 0]);
        fs.writeFileSync(lib, "module.exports = () => 'two';\n");
        fs.utimesSync(lib, mtime, mtime);
        const edited = node([main], env);
        assert.equal(edited.stdout, "two\n");
        assert.deepEqual([edited.stats!.v8Hit, edited.stats!.v8Miss], [1, 1]);
    });

    it("reports a TypeScript syntax error with the file name, as ts-node does", () => {
        const file = path.join(tmp, "broken.ts");
        fs.writeFileSync(file, "const x: number = ;\n");
        const r = node([file], { SSCAN_FAST_LOAD_DIR: cache });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /broken\.ts: Expression expected/);
    });

    it("defers what @pulumi/pulumi loads at start-up for closures and automation, and loads it on first use", () => {
        const script = path.join(tmp, "use.js");
        fs.writeFileSync(
            script,
            [
                `const pulumi = require(${JSON.stringify(require.resolve("@pulumi/pulumi"))});`,
                "const loadedBefore = Object.keys(require.cache).some((f) => /node_modules[\\\\/]typescript[\\\\/]/.test(f));",
                "console.log(JSON.stringify({ loadedBefore, workspace: typeof pulumi.automation.LocalWorkspace }));",
                // Closure serialization parses the function with TypeScript: the real one, loaded now.
                "pulumi.runtime.serializeFunction(() => 42).then((s) => console.log(JSON.stringify({ serialized: s.text.includes('42') })));",
            ].join("\n"),
        );
        const r = node([script], { SSCAN_FAST_LOAD_DIR: cache });
        assert.equal(r.status, 0, r.stderr);
        const [first, second] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(first, { loadedBefore: false, workspace: "function" });
        assert.deepEqual(second, { serialized: true });
        for (const m of ["./automation", "@npmcli/arborist", "typescript"]) assert.ok(r.stats!.lazyDeferred.includes(m), m);
        assert.ok(r.stats!.lazyLoaded.includes("./automation") && r.stats!.lazyLoaded.includes("typescript"), JSON.stringify(r.stats));
    });

    it("gives the capacity command's answer unchanged: the same JSON as under ts-node (a ts-node process's capacityReport)", async () => {
        const args = ["tools/capacity.ts", "--stack", "prod", "--set", "clair.indexer.replicas=80", "--compare", "stage", "--json", "-"];
        const fast = node(args, {});
        assert.equal(fast.status, 0, fast.stderr);
        // Deferred and never used by a mock run: the compiler, Arborist, the automation API, all AWS
        // namespaces but the five the program creates resources from, Kubernetes' helm and yaml.
        const loaded = fast.stats!.lazyLoaded;
        for (const m of ["typescript", "@npmcli/arborist", "./automation", "./lambda", "./ecs", "./helm", "./yaml", "./kustomize"]) assert.ok(!loaded.includes(m), `${m} was loaded`);
        for (const m of ["./rds", "./ec2", "./vpc", "./s3", "./iam", "./apps", "./core", "./batch"]) assert.ok(loaded.includes(m), `${m} was not loaded`);
        assert.ok(fast.stats!.lazyDeferred.length > 250, "the AWS namespaces are deferred");
        // The reference is ts-node itself (tsNodeReference), not a child with the loader switched off.
        const report = JSON.parse(fast.stdout);
        assert.deepEqual((await reference).capacity, report);
        // And it is the real answer: the seed's prod Clair with 80 indexers, 200 CPU (80x2 + 10x2 + 10x2).
        assert.equal(report.clair.cpu, 200);
    });

    it("renders prod (AWS and Kubernetes namespaces deferred) byte for byte as under ts-node (a ts-node process's renderStack; seeded mock secrets)", async () => {
        for (const stack of ["prod"]) {
            const dirs = [path.join(tmp, `${stack}-loader`), path.join(referenceDir, stack)];
            const r = node(["tools/render.ts", "--stack", stack, "--out", dirs[0]], { SSCAN_MOCK_RANDOM_SEED: SEED });
            assert.equal(r.status, 0, r.stderr);
            await reference;
            const files = fs.readdirSync(dirs[0]).sort();
            assert.deepEqual(fs.readdirSync(dirs[1]).sort(), files);
            assert.ok(files.length >= 30, `${stack}: ${files.length} files`);
            for (const f of files) assert.equal(fs.readFileSync(path.join(dirs[0], f), "utf8"), fs.readFileSync(path.join(dirs[1], f), "utf8"), `${stack}: ${f}`);
        }
    });
});
