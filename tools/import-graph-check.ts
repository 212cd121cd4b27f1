/**
 * The program's import graph: no cycle, and no import that runs against the layering.
 *
 * Layers, lowest first; a file may import from its own layer and from any layer below it:
 *   policy/lib/   facts the policy pack owns (the pack is deployed on its own and imports nothing of the program)
 *   lib/          pure domain facts and rules: no Pulumi resource, no zod schema
 *   components/   Pulumi components; take typed Args, never read stack config
 *   config/       the stack file read, checked (zod) and mapped to component Args (config/args.ts)
 *   index.ts, tools/  wire everything together
 * So lib/ imports nothing from components/ or config/, and components/ nothing from config/.
 * config/ may import from components/: config/args.ts builds each component's Args type.
 *
 * Run: node -r ./tools/fast-load.js tools/import-graph-check.ts (exit 1 and one line per problem);
 * the fast lane runs it too (test/import-graph.test.ts).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** Layer of a repo-relative path, lowest first; undefined for a file outside the checked tree. */
export const LAYERS: { layer: string; holds: (file: string) => boolean }[] = [
    { layer: "policy/lib", holds: (f) => f.startsWith("policy/lib/") },
    { layer: "lib", holds: (f) => f.startsWith("lib/") },
    { layer: "components", holds: (f) => f.startsWith("components/") },
    { layer: "config", holds: (f) => f.startsWith("config/") },
    { layer: "program", holds: (f) => f === "index.ts" || f.startsWith("tools/") },
];

export function layerOf(file: string): number | undefined {
    const i = LAYERS.findIndex((l) => l.holds(file));
    return i < 0 ? undefined : i;
}

/** File -> the repo's own files it imports (import, export ... from, import(), require()), repo-relative. */
export type ImportGraph = Map<string, string[]>;

const ROOTS = ["index.ts", "lib", "components", "config", "tools", "policy/lib"];

function sourceFiles(root: string, rel: string): string[] {
    const full = path.join(root, rel);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return rel.endsWith(".ts") ? [rel] : [];
    return fs
        .readdirSync(full)
        .filter((name) => name !== "node_modules")
        .flatMap((name) => sourceFiles(root, path.posix.join(rel, name)));
}

function resolve(root: string, from: string, spec: string): string | undefined {
    if (!spec.startsWith(".")) return undefined;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    for (const candidate of [base, `${base}.ts`, `${base}/index.ts`, `${base}.js`]) {
        const full = path.join(root, candidate);
        if (fs.existsSync(full) && fs.statSync(full).isFile()) return candidate;
    }
    return undefined;
}

export function importGraph(root: string): ImportGraph {
    const graph: ImportGraph = new Map();
    for (const file of ROOTS.flatMap((r) => sourceFiles(root, r))) {
        const info = ts.preProcessFile(fs.readFileSync(path.join(root, file), "utf8"), true, true);
        const targets = info.importedFiles.map((i) => resolve(root, file, i.fileName)).filter((t): t is string => t !== undefined && t.endsWith(".ts"));
        graph.set(file, [...new Set(targets)].sort());
    }
    return graph;
}

/** Strongly connected components of more than one file, or a file importing itself. */
export function cycles(graph: ImportGraph): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found: string[][] = [];
    let next = 0;
    const visit = (v: string) => {
        index.set(v, next);
        low.set(v, next);
        next++;
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) {
                low.set(v, Math.min(low.get(v)!, index.get(w)!));
            }
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
        }
    };
    for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
    return found;
}

/** Imports from a lower layer into a higher one: "from -> to". */
export function backArrows(graph: ImportGraph): string[] {
    const found: string[] = [];
    for (const [from, targets] of graph) {
        const own = layerOf(from);
        if (own === undefined) continue;
        for (const to of targets) {
            const theirs = layerOf(to);
            if (theirs !== undefined && theirs > own) found.push(`${from} -> ${to} (${LAYERS[own].layer} may not import from ${LAYERS[theirs].layer})`);
        }
    }
    return found.sort();
}

export function problems(graph: ImportGraph): string[] {
    return [...cycles(graph).map((c) => `import cycle: ${c.join(", ")}`), ...backArrows(graph).map((b) => `import against the layering: ${b}`)];
}

if (require.main === module) {
    const found = problems(importGraph(path.resolve(__dirname, "..")));
    for (const p of found) console.error(p);
    if (found.length > 0) process.exit(1);
    console.log("import graph: no cycle, no import against the layering");
}
