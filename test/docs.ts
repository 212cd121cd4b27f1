/** The documentation files and what the docs tests read from them: sections, links, anchors. */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/** Every documentation file, relative to the repository's root. */
export const DOCS: string[] = [
    "README.md",
    "CONTRIBUTING.md",
    ...fs
        .readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => `docs/${f}`),
];

export function read(file: string): string {
    return fs.readFileSync(path.join(ROOT, file), "utf8");
}

/** The lines of `text` outside fenced code blocks, with their line numbers (1-based). */
function prose(text: string): { line: string; n: number }[] {
    const out: { line: string; n: number }[] = [];
    let fence = false;
    text.split("\n").forEach((line, i) => {
        if (line.startsWith("```")) fence = !fence;
        else if (!fence) out.push({ line, n: i + 1 });
    });
    return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped but '-' and '_', spaces to '-'. */
export function slug(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/ /g, "-");
}

/** The anchors a file offers: each heading's (a repeated one gets -1, -2, ...), and each `<a id>`. */
export function anchorsOf(text: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const { line } of prose(text)) {
        const heading = /^#{1,6} (.*)$/.exec(line);
        if (heading) {
            const s = slug(heading[1]);
            const n = seen.get(s) ?? 0;
            seen.set(s, n + 1);
            anchors.add(n === 0 ? s : `${s}-${n}`);
        }
        for (const m of line.matchAll(/<a id="([^"]+)"/g)) anchors.add(m[1]);
    }
    return anchors;
}

/** The headings of a file with the text under each, up to the next heading of its level or above. */
export function docSections(text: string): { title: string; level: number; text: string }[] {
    const lines = text.split("\n");
    const heads = prose(text).flatMap(({ line, n }) => {
        const m = /^(#{1,6}) (.*)$/.exec(line);
        return m ? [{ level: m[1].length, title: m[2], i: n - 1 }] : [];
    });
    return heads.map((h, k) => {
        const next = heads.slice(k + 1).find((o) => o.level <= h.level);
        return { title: h.title, level: h.level, text: lines.slice(h.i, next ? next.i : undefined).join("\n") };
    });
}

/** The targets of the Markdown links `[text](target)` outside code (fenced blocks and `spans`). */
export function links(text: string): { target: string; line: number }[] {
    const found: { target: string; line: number }[] = [];
    for (const { line, n } of prose(text)) {
        for (const m of line.replace(/`[^`]*`/g, (span) => (span.includes("](") ? "" : span)).matchAll(/\]\(([^)\s]+)\)/g))
            found.push({ target: m[1], line: n });
    }
    return found;
}
