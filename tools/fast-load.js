"use strict";
/**
 * A faster way to start the command-line tools (npm run capacity, render, check:manifests):
 *   node -r ./tools/fast-load.js tools/capacity.ts ...
 *
 * ts-node compiled the whole program on every run (2-7 s for an answer people ask for in loops).
 * This preload does three things, none of which can go stale:
 *   1. TypeScript files are transpiled like `ts-node --transpile-only` (ts.transpileModule with the
 *      compiler options of tsconfig.json, no type-check: that is `npm run build`), and the output
 *      is kept in .cache/fast-load/ts/, one entry per file, used only while the file's content,
 *      the TypeScript version and tsconfig.json are the ones it was made from: an edited file is
 *      transpiled again. TypeScript itself is loaded only when something has to be transpiled.
 *   2. Every CommonJS module (ours and node_modules) is compiled with V8's code cache, kept in
 *      .cache/fast-load/v8/ under the module's path, V8's version and node's flags; the entry
 *      records the hash of the source it was made from and is used only for that exact source.
 *   3. Modules loaded at start-up that a mock run never calls are loaded on first use instead:
 *      from @pulumi/pulumi `typescript` (9 MB, closure serialization), `@npmcli/arborist` (and the
 *      npm client code it pulls in) and the automation API; the namespaces of @pulumi/aws (about
 *      280, of which the program uses three) and @pulumi/kubernetes. The first use of one loads
 *      the real module, so behaviour is unchanged.
 * SSCAN_FAST_LOAD=0 turns all of it off (plain transpile, no caches), for comparison or doubt;
 * SSCAN_FAST_LOAD_STATS=1 prints cache hits and misses on stderr at exit. The cache directory is
 * git-ignored (.cache/) and safe to delete at any time.
 */
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");

const ROOT = path.resolve(__dirname, "..");
const CACHE = process.env.SSCAN_FAST_LOAD_DIR || path.join(ROOT, ".cache", "fast-load");
const ENABLED = process.env.SSCAN_FAST_LOAD !== "0";
const stats = { tsHit: 0, tsMiss: 0, v8Hit: 0, v8Miss: 0, v8Rejected: 0, lazyDeferred: [], lazyLoaded: [] };

const sha1 = (...parts) => {
    const h = crypto.createHash("sha1");
    for (const p of parts) h.update(p).update("\0");
    return h.digest("hex");
};

/** Writes through a temporary file, so two runs at once never read a half-written entry. */
function writeAtomic(file, data) {
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, file);
    } catch {
        // A read-only checkout or a full disk only costs speed.
    }
}

// ---------------------------------------------------------------- 1. TypeScript

let ts; // loaded on the first cache miss
let compilerOptions;
const tsconfigText = (() => {
    try {
        return fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
    } catch {
        return "{}";
    }
})();
const tsVersion = (() => {
    try {
        return JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [ROOT] }), "utf8")).version;
    } catch {
        return "none";
    }
})();

function transpile(source, filename, extra) {
    if (!ts) {
        ts = require(require.resolve("typescript", { paths: [ROOT] }));
        const parsed = ts.parseConfigFileTextToJson(path.join(ROOT, "tsconfig.json"), tsconfigText);
        if (parsed.error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(parsed.error.messageText, "\n")}`);
        const converted = ts.convertCompilerOptionsFromJson(parsed.config.compilerOptions ?? {}, ROOT);
        // As ts-node --transpile-only: emit JavaScript for one file, no declarations, no type-check.
        compilerOptions = {
            ...converted.options,
            noEmit: false,
            declaration: false,
            declarationMap: false,
            sourceMap: false,
            inlineSourceMap: false,
            composite: false,
            incremental: false,
        };
    }
    const out = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: extra ? { ...compilerOptions, ...extra } : compilerOptions,
        reportDiagnostics: true,
    });
    if (extra) return out;
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length) {
        const text = errors.map((d) => `${filename}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`).join("\n");
        throw new SyntaxError(text);
    }
    return out.outputText;
}

/** The source and the JavaScript of every TypeScript file loaded, for mapStack. */
const loaded = new Map();

function loadTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    if (!ENABLED) {
        const js = transpile(source, filename);
        loaded.set(filename, { source, js });
        return module._compile(js, filename);
    }
    // One entry per file (the cache stays the size of the tree); its first line holds the key.
    const key = `// fast-load ${sha1(tsVersion, tsconfigText, source)}\n`;
    const file = path.join(CACHE, "ts", `${sha1(filename)}.js`);
    let entry = "";
    try {
        entry = fs.readFileSync(file, "utf8");
    } catch {
        // no entry yet
    }
    let js;
    if (entry.startsWith(key)) {
        js = entry.slice(key.length);
        stats.tsHit++;
    } else {
        js = transpile(source, filename);
        writeAtomic(file, key + js);
        stats.tsMiss++;
    }
    loaded.set(filename, { source, js });
    return module._compile(js, filename);
}

// Stack traces name the lines of the JavaScript that ran. Mapping every trace to the .ts lines,
// as ts-node's source-map-support does, costs time wherever traces are taken in bulk (the Pulumi
// SDK takes one for each resource); mapStack maps one trace's text when someone is to read it (the
// test lanes' failures, test/setup.ts), from a source map made then (TypeScript loads then).
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** A source map's mappings, per generated line: [generated column, original line, original column] (0-based). */
function decodeMappings(mappings) {
    const lines = [];
    let original = [0, 0, 0, 0];
    for (const lineText of mappings.split(";")) {
        const segments = [];
        let column = 0;
        for (const segment of lineText.split(",")) {
            if (!segment) continue;
            const values = [];
            let value = 0;
            let shift = 0;
            for (const ch of segment) {
                const digit = B64.indexOf(ch);
                value += (digit & 31) << shift;
                if (digit & 32) shift += 5;
                else {
                    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
                    value = 0;
                    shift = 0;
                }
            }
            column += values[0];
            if (values.length >= 4) {
                original = [original[0] + values[1], original[1] + values[2], original[2] + values[3]];
                segments.push([column, original[1], original[2]]);
            }
        }
        lines.push(segments);
    }
    return lines;
}

const mappings = new Map();
/** The .ts line and column of a position in the JavaScript that ran for `filename` (1-based), if known. */
function originalPosition(filename, line, column) {
    const ran = loaded.get(filename);
    if (!ran) return undefined;
    let lines = mappings.get(filename);
    if (lines === undefined) {
        lines = null;
        try {
            const out = transpile(ran.source, filename, { sourceMap: true });
            // Only a map of the very code that ran (the same text, less the map's own comment).
            const js = out.outputText.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "");
            if (js.trimEnd() === ran.js.trimEnd()) lines = decodeMappings(JSON.parse(out.sourceMapText).mappings);
        } catch {
            // no map: the trace keeps the JavaScript's positions
        }
        mappings.set(filename, lines);
    }
    const segments = lines?.[line - 1] ?? [];
    let found;
    for (const s of segments) {
        if (s[0] > column - 1) break;
        found = s;
    }
    return found && { line: found[1] + 1, column: found[2] + 1 };
}

/** A stack trace's text with the positions in TypeScript files loaded here mapped to their .ts lines. */
function mapStack(text) {
    if (typeof text !== "string") return text;
    return text.replace(/([^\s()]+\.c?ts):(\d+):(\d+)/g, (whole, file, line, column) => {
        const at = originalPosition(file, Number(line), Number(column));
        return at ? `${file}:${at.line}:${at.column}` : whole;
    });
}
module.exports = { mapStack };

for (const ext of [".ts", ".cts"]) Module._extensions[ext] = loadTypeScript;

// ---------------------------------------------------------------- 2. V8 code cache

const pending = [];
/** V8 refuses code cached by another V8 or under other flags (--cpu-prof, say): those keep entries of their own. */
const V8_FLAGS = [process.versions.v8, ...process.execArgv.filter((a) => a.startsWith("--"))].join(" ");
if (ENABLED) {
    Module.prototype._compile = function compileWithCodeCache(content, filename) {
        const source = content.startsWith("#!") ? `//${content}` : content;
        const hash = crypto.createHash("sha1").update(source).digest(); // 20 bytes
        const file = path.join(CACHE, "v8", `${sha1(filename, V8_FLAGS)}.bin`);
        let cachedData;
        try {
            const entry = fs.readFileSync(file);
            if (entry.length > 20 && entry.subarray(0, 20).equals(hash)) cachedData = entry.subarray(20);
        } catch {
            // no entry yet
        }
        const script = new vm.Script(Module.wrap(source), {
            filename,
            cachedData,
            importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
        });
        if (!cachedData) stats.v8Miss++;
        else if (script.cachedDataRejected) stats.v8Rejected++;
        else stats.v8Hit++;
        if (!cachedData || script.cachedDataRejected) pending.push({ file, hash, script });
        const fn = script.runInThisContext({ displayErrors: true });
        const localRequire = (id) => this.require(id);
        localRequire.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
        localRequire.resolve.paths = (request) => Module._resolveLookupPaths(request, this);
        localRequire.main = process.mainModule;
        localRequire.extensions = Module._extensions;
        localRequire.cache = Module._cache;
        return fn.call(this.exports, this.exports, localRequire, this, filename, path.dirname(filename));
    };
}

// ---------------------------------------------------------------- 3. lazy packages

/**
 * Modules required at start-up that a mock run of this program never uses, by the file that
 * requires them: from @pulumi/pulumi, the TypeScript compiler (closure serialization), npm's
 * Arborist (the code paths of a serialized function) and the automation API; from the provider
 * SDKs, each namespace (`aws.rds`, `k8s.apps`, ...), which the SDK's index loads all at once:
 * about 280 for AWS, of which the program uses three.
 */
const LAZY = [
    { request: /^typescript$/, from: "@pulumi/pulumi/typescript-shim.js" },
    { request: /^@npmcli\/arborist$/, from: "@pulumi/pulumi/runtime/closure/codePaths.js" },
    { request: /^\.\/automation$/, from: "@pulumi/pulumi/index.js" },
    { request: /^\.\/[a-z0-9]+$/, from: "@pulumi/aws/index.js" },
    { request: /^\.\/[a-z0-9]+$/, from: "@pulumi/kubernetes/index.js" },
].map((l) => ({ ...l, from: `${path.sep}node_modules${path.sep}${l.from.split("/").join(path.sep)}` }));

if (ENABLED) {
    const load = Module._load;
    Module._load = function lazyLoad(request, parent, isMain) {
        const filename = parent?.filename ?? "";
        if (!LAZY.some((l) => l.request.test(request) && filename.endsWith(l.from))) return load.apply(this, arguments);
        let real;
        const target = () => {
            if (!real) {
                real = load.call(Module, request, parent, isMain);
                stats.lazyLoaded.push(request);
            }
            return real;
        };
        stats.lazyDeferred.push(request);
        // `__esModule` answers without loading: TypeScript's __importStar then keeps this proxy
        // instead of copying every export, and the first real access loads the package.
        return new Proxy(
            {},
            {
                get: (_, key) => (key === "__esModule" ? true : Reflect.get(target(), key)),
                has: (_, key) => Reflect.has(target(), key),
                ownKeys: () => Reflect.ownKeys(target()),
                getOwnPropertyDescriptor: (_, key) => {
                    const d = Reflect.getOwnPropertyDescriptor(target(), key);
                    return d && { ...d, configurable: true };
                },
                set: (_, key, value) => Reflect.set(target(), key, value),
            },
        );
    };
}

process.on("exit", () => {
    for (const { file, hash, script } of pending) {
        try {
            writeAtomic(file, Buffer.concat([hash, script.createCachedData()]));
        } catch {
            // a script V8 cannot serialise is just compiled again next time
        }
    }
    if (process.env.SSCAN_FAST_LOAD_STATS === "1") process.stderr.write(`fast-load: ${JSON.stringify(stats)}\n`);
});
