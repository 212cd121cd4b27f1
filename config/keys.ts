/**
 * What keys the schema accepts, read from its JSON Schema (zod's public z.toJSONSchema, input
 * side: defaults and refinements do not hide the object shapes), for error messages and the
 * docs test.
 */
import { z } from "zod";
import { configSchema } from "./platform";

export interface JsonSchemaNode {
    type?: string | string[];
    description?: string;
    /** Words for a default the schema's value does not say well (`.meta({ defaultText })`). */
    defaultText?: string;
    properties?: Record<string, JsonSchemaNode>;
    allOf?: JsonSchemaNode[];
    anyOf?: JsonSchemaNode[];
}

let cached: JsonSchemaNode | undefined;
function jsonSchema(): JsonSchemaNode {
    cached ??= z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
    return cached;
}

/** The object node of a schema node, looking through allOf/anyOf wrappers. */
export function objectNode(node: JsonSchemaNode | undefined): JsonSchemaNode | undefined {
    if (!node) return undefined;
    if (node.properties) return node;
    for (const inner of [...(node.allOf ?? []), ...(node.anyOf ?? [])]) {
        const found = objectNode(inner);
        if (found) return found;
    }
    return undefined;
}

/** The keys a strict object accepts at `path` ("clair", "indexer"), in schema order. */
export function allowedKeys(path: string[]): string[] {
    let node = objectNode(jsonSchema());
    for (const part of path) node = objectNode(node?.properties?.[part]);
    return Object.keys(node?.properties ?? {});
}

/**
 * Every config key path the schema accepts ("clair.indexer.replicas"), for the docs test.
 * Resource blocks are one key each (their requests/limits shape is documented once).
 */
export function configKeys(node: JsonSchemaNode | undefined = jsonSchema(), prefix = ""): string[] {
    const object = objectNode(node);
    // Resource blocks and the pod affinity block (a Kubernetes Affinity passed through) are one key each.
    if (!object || /(^|\.)(resources|\w+Resources|pod\.affinity)$/.test(prefix)) return [prefix];
    return Object.entries(object.properties ?? {}).flatMap(([key, child]) => configKeys(child, prefix ? `${prefix}.${key}` : key));
}

/**
 * Whether `a` becomes `b` by one edit: one character inserted, removed, replaced, or two
 * neighbours swapped (Damerau's transposition: "indxeer"). Equal strings are no edit apart.
 */
export function oneEditApart(a: string, b: string): boolean {
    if (a === b || Math.abs(a.length - b.length) > 1) return false;
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (a.length === b.length) {
        if (a.slice(i + 1) === b.slice(i + 1)) return true;
        return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
    }
    const [longer, shorter] = a.length > b.length ? [a, b] : [b, a];
    return longer.slice(i + 1) === shorter.slice(i);
}

/** The candidate `name` is most likely a typo of: one edit away, or the same but for case. */
export function likelyMeant(name: string, candidates: string[]): string | undefined {
    return candidates.find((c) => c !== name && (c.toLowerCase() === name.toLowerCase() || oneEditApart(c.toLowerCase(), name.toLowerCase())));
}
