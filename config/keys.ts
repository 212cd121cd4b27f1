/**
 * What keys the schema accepts, read from its JSON Schema (zod's public z.toJSONSchema, input
 * side: defaults and refinements do not hide the object shapes), for error messages and the
 * docs test.
 */
import { z } from "zod";
import { configSchema } from "./platform";

interface JsonSchemaNode {
    type?: string | string[];
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
function objectNode(node: JsonSchemaNode | undefined): JsonSchemaNode | undefined {
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
    if (!object || /(^|\.)(resources|\w+Resources)$/.test(prefix)) return [prefix];
    return Object.entries(object.properties ?? {}).flatMap(([key, child]) => configKeys(child, prefix ? `${prefix}.${key}` : key));
}
