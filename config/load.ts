/**
 * Loading the stack config: the engine's raw strings in, a validated PlatformConfig or a
 * ConfigError out. Every problem is one line: where the value came from, the key, the value
 * (secrets masked) and what is allowed, in plain words.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { allowedKeys, likelyMeant } from "./keys";
import { configSchema, PROJECT, SECRET_KEYS, type PlatformConfig } from "./platform";
import { placeholderProblems } from "./placeholders";
import { REFUSED_KEYS } from "./refused-keys";
import { isConfigSecret } from "./sdk-adapter";

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Where a key's value came from, for messages: gets the key as the user wrote it
 * ("clair.indexer.replicas" under our namespace, the full "ns:key" under another one).
 */
export type ConfigOrigin = (key: string) => string;

/** The engine reads stack config from the stack file (`pulumi config set` and `-c` write there). */
export const stackFile =
    (stack: string): ConfigOrigin =>
    () =>
        `Pulumi.${stack}.yaml`;

/**
 * For runners that lay `--set key=value` flags over the stack file (tools/mock-run.ts): a key
 * set by a flag, inside one (`--set malwar.ingress.hosts=[...]` for malwar.ingress.hosts.0) or
 * holding one (`--set clair.indexr.replicas=3` for the unknown clair.indexr) is named by the
 * flag, every other one by the stack file.
 */
export function stackFileAndSets(stack: string, sets: Record<string, string>): ConfigOrigin {
    const flags = Object.keys(sets).map((k) => (k.startsWith(`${PROJECT}:`) ? k.slice(PROJECT.length + 1) : k));
    return (key) => {
        // The flag set this key, something inside it, or (an unknown key) something under it.
        const flag = flags.find((f) => key === f || key.startsWith(`${f}.`) || f.startsWith(`${key}.`));
        return flag !== undefined ? `--set ${flag}` : `Pulumi.${stack}.yaml`;
    };
}

/** Namespaces of the engine and of the providers the program uses: their keys are theirs. */
export const KNOWN_NAMESPACES = ["pulumi", "kubernetes", "aws", "random"];

/**
 * Validates the raw stack config: `raw` maps "scanning-platform:key" to the string the engine
 * passes (structured values arrive as JSON). Keys of the known other namespaces (aws:,
 * kubernetes:) are left to their providers; a namespace one edit away from ours, or named like
 * one of our keys ("clamav:replicas"), is a typo that would silently leave defaults in force.
 */
export function parseConfig(raw: Record<string, string>, secretKeys: string[] = [], origin: ConfigOrigin = () => "stack config"): PlatformConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    const ours = allowedKeys([]);
    for (const [fullKey, text] of Object.entries(raw)) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace === PROJECT) {
            values[key] = decode(text);
            if (SECRET_KEYS.includes(key) && !secretKeys.includes(fullKey)) {
                problems.push(`${origin(key)}: ${PROJECT}:${key}: holds a secret in plaintext; set it with 'pulumi config set --secret ${key} ...'`);
            }
            continue;
        }
        if (KNOWN_NAMESPACES.includes(namespace)) continue;
        const meant = likelyMeant(namespace, [PROJECT])
            ? `${PROJECT}:${key}`
            : (() => {
                  const top = ours.includes(namespace) ? namespace : likelyMeant(namespace, ours);
                  return top === undefined ? undefined : `${PROJECT}:${top}.${key} (set with --path)`;
              })();
        if (meant !== undefined) {
            problems.push(
                `${origin(fullKey)}: ${fullKey}: unknown namespace '${namespace}'; did you mean ${meant}? As written, the program never reads this value and uses its default`,
            );
        }
    }
    const result = configSchema.safeParse(values, { reportInput: true, error: plainMessage });
    if (!result.success) {
        for (const issue of result.error.issues) problems.push(...describeIssue(issue, values, origin));
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

const TYPE_WORDS: Record<string, string> = {
    string: "text",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    object: "a block of keys",
    array: "a list",
    record: "a block of keys",
};

/** zod's issues in plain words, for every schema that does not give its own message. */
function plainMessage(issue: z.core.$ZodRawIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
        case "too_small":
            if (issue.origin === "array") return `must list at least ${issue.minimum}`;
            if (issue.origin === "string") return "must not be empty";
            return `must be ${issue.inclusive === false ? "more than" : "at least"} ${issue.minimum}`;
        case "too_big":
            if (issue.origin === "array") return `must list at most ${issue.maximum}`;
            if (issue.origin === "string") return `must be at most ${issue.maximum} characters long`;
            return `must be ${issue.inclusive === false ? "less than" : "at most"} ${issue.maximum}`;
        case "invalid_value":
            return `must be one of ${issue.values.map(String).join(", ")}`;
        default:
            return "is not an accepted value";
    }
}

/** A value as a sentence names it: the number 3, the text "3", a list. */
/** A value shown in a message never repeats a URL's user:password@ (a proxy URL, say). */
export function withoutUrlCredentials(text: string): string {
    return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s"]+@/gi, "$1[credentials]@");
}

function described(input: unknown): string {
    if (input === null) return "null";
    if (Array.isArray(input)) return "a list";
    if (typeof input === "object") return "a block of keys";
    if (typeof input === "string") return `the text ${JSON.stringify(input)}`;
    if (typeof input === "number") return `the number ${input}`;
    return String(input);
}

function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>, origin: ConfigOrigin): string[] {
    const path = issue.path.map(String);
    const dotted = path.join(".");
    if (issue.code === "unrecognized_keys") {
        const allowed = allowedKeys(path);
        return issue.keys.map((key) => {
            const name = dotted ? `${dotted}.${key}` : key;
            const refused = REFUSED_KEYS[name];
            if (refused) return `${origin(name)}: ${PROJECT}:${name} = ${withoutUrlCredentials(JSON.stringify(lookup(values, [...path, key])))}: ${refused}`;
            const meant = likelyMeant(key, allowed);
            const hint = meant ? `did you mean ${dotted ? `${dotted}.` : ""}${meant}? ` : "";
            return `${origin(name)}: ${PROJECT}:${name}: unknown key; ${hint}allowed here: ${allowed.join(", ")}`;
        });
    }
    const secret = SECRET_KEYS.includes(path[0]);
    // The value as the user gave it (a number stays a number); a default or a derived value otherwise.
    const given = lookup(values, path);
    const input = given !== undefined ? given : "input" in issue ? issue.input : undefined;
    const shown = input === undefined ? "(unset)" : secret ? "[secret]" : withoutUrlCredentials(JSON.stringify(input));
    let message = issue.message;
    if (issue.code === "invalid_type" && input !== undefined) {
        const expected = String(issue.expected);
        if (input === null) {
            message = `is empty (null): remove the key to use its default, or give ${TYPE_WORDS[expected] ?? expected}`;
        } else if (expected === "object") {
            message = `must be a block of keys (${allowedKeys(path).join(", ")}), not ${secret ? typeof input : described(input)}`;
        } else if (expected === "array") {
            message = `must be a list (in YAML, one '- item' per line or [a, b]), not ${secret ? typeof input : described(input)}`;
        } else if (typeof input === "string" && (expected === "number" || expected === "int") && /^-?\d+(\.\d+)?$/.test(input)) {
            message = `${message}: the quotes make "${input}" text; write ${input} without them`;
        } else if (typeof input === "string" && expected === "boolean" && (input === "true" || input === "false")) {
            message = `${message}: the quotes make "${input}" text; write ${input} without them`;
        } else if (!secret) {
            message = `${message}, not ${described(input)}`;
        }
    }
    return [`${origin(dotted)}: ${PROJECT}:${dotted} = ${shown}: ${message}`];
}

function lookup(values: unknown, path: string[]): unknown {
    let current = values;
    for (const part of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<string, unknown>)[part];
    }
    return current;
}

let runnerOrigin: ConfigOrigin | undefined;

/**
 * For a runner that merges config from more than the stack file (tools/mock-run.ts with
 * `--set`): how readStackConfig names where a value came from; undefined restores the default.
 */
export function setConfigOrigin(origin: ConfigOrigin | undefined): void {
    runnerOrigin = origin;
}

/**
 * Reads and validates this stack's config. A mistake stops the program here, before any
 * resource is registered, with one line per problem (RunError: no stack trace).
 */
export function readStackConfig(): PlatformConfig {
    const raw = pulumi.runtime.allConfig();
    const secretKeys = Object.keys(raw).filter(isConfigSecret);
    const origin = runnerOrigin ?? stackFile(pulumi.getStack());
    try {
        requireClusterSelection(raw, origin);
        const config = parseConfig(raw, secretKeys, origin);
        // Only a real update refuses example values: a preview (and a run under the mocks, which
        // has no engine) goes on, so the stack can be reviewed before it is real.
        const deploying = !pulumi.runtime.isDryRun() && pulumi.runtime.hasEngine();
        const problems = placeholderProblems(raw, PROJECT, config.placeholders, deploying, origin);
        if (problems.length) throw new ConfigError(problems);
        return config;
    } catch (err) {
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}

/**
 * Every stack names its cluster: without kubernetes:context (or a kubeconfig of its own) the
 * Kubernetes provider takes whatever context kubectl has selected, so `pulumi up --stack prod`
 * would deploy wherever the operator's shell points.
 */
export function requireClusterSelection(raw: Record<string, string>, origin: ConfigOrigin): void {
    if (raw["kubernetes:context"] || raw["kubernetes:kubeconfig"]) return;
    throw new ConfigError([
        `${origin("kubernetes:context")}: kubernetes:context = (unset): every stack names the cluster it deploys to; without it, pulumi up uses whatever context kubectl has selected. ` +
            'Set kubernetes:context to a context of your kubeconfig (pulumi config set kubernetes:context <name>), or give the stack its own kubeconfig (pulumi config set --secret kubernetes:kubeconfig "$(cat kubeconfig)")',
    ]);
}
