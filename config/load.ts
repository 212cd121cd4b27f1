/** Loading the stack config: the engine's raw strings in, a validated PlatformConfig or a ConfigError out. */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { allowedKeys } from "./keys";
import { configSchema, PROJECT, SECRET_KEYS, type PlatformConfig } from "./platform";
import { isConfigSecret } from "./sdk-adapter";

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Validates the raw stack config: `raw` maps "scanning-platform:key" to the string the engine
 * passes (structured values arrive as JSON). Keys of other namespaces (aws:, kubernetes:) are
 * left to their providers.
 */
export function parseConfig(raw: Record<string, string>, secretKeys: string[] = []): PlatformConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace !== PROJECT) continue;
        values[key] = decode(text);
        if (SECRET_KEYS.includes(key) && !secretKeys.includes(fullKey)) {
            problems.push(`${PROJECT}:${key}: holds a secret in plaintext; set it with 'pulumi config set --secret ${key} ...'`);
        }
    }
    const result = configSchema.safeParse(values, { reportInput: true });
    if (!result.success) {
        for (const issue of result.error.issues) problems.push(describeIssue(issue, values));
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return result.data!;
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

/** Structured config arrives as JSON; plain values as strings ("3", "true" are decoded too). */
function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): string {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
        const parent = path.join(".");
        return issue.keys
            .map((key) => {
                const name = parent ? `${parent}.${key}` : key;
                return `${PROJECT}:${name}: unknown key (a typo?); allowed here: ${allowedKeys(path).join(", ")}`;
            })
            .join("\n  - ");
    }
    const key = `${PROJECT}:${path.join(".")}`;
    const secret = SECRET_KEYS.includes(path[0]);
    const input = "input" in issue && issue.input !== undefined ? issue.input : lookup(values, path);
    const shown = secret ? "[secret]" : input === undefined ? "(unset)" : JSON.stringify(input);
    return `${key} = ${shown}: ${issue.message}`;
}

function lookup(values: unknown, path: string[]): unknown {
    let current = values;
    for (const part of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<string, unknown>)[part];
    }
    return current;
}


/**
 * Reads and validates this stack's config. A mistake stops the program here, before any
 * resource is registered, with one line per problem (RunError: no stack trace).
 */
export function readStackConfig(): PlatformConfig {
    const raw = pulumi.runtime.allConfig();
    const secretKeys = Object.keys(raw).filter(isConfigSecret);
    try {
        return parseConfig(raw, secretKeys);
    } catch (err) {
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}
