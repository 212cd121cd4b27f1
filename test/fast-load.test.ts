/**
 * tools/fast-load.js, the preload behind npm run capacity / render / check:manifests and the
 * lanes' TypeScript: its caches never serve stale code, and what it defers still works when used.
 * That the tools answer exactly as they do under ts-node (a whole tool process each, beside the
 * lane's ts-node): test/real/fast-load.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { node } from "./fast-load-node";

describe("fast-load (the tools' TypeScript and code cache)", function () {
    this.timeout(120000);
    let tmp: string;
    let cache: string;
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
        const [first, second] = r.stdout
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.deepEqual(first, { loadedBefore: false, workspace: "function" });
        assert.deepEqual(second, { serialized: true });
        for (const m of ["./automation", "@npmcli/arborist", "typescript"]) assert.ok(r.stats!.lazyDeferred.includes(m), m);
        assert.ok(r.stats!.lazyLoaded.includes("./automation") && r.stats!.lazyLoaded.includes("typescript"), JSON.stringify(r.stats));
    });
});
