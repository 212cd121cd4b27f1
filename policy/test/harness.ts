/**
 * Runs a policy with the arguments the engine's analyzer passes: properties serialized to a
 * protobuf Struct and deserialized by @pulumi/policy itself (so secrets and unknowns arrive
 * as they do in a real preview), wrapped in its unknown-checking proxy, with getConfig,
 * notApplicable and stackTags.
 */
import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
// index.d.ts re-exports these, but proxy.d.ts declares nothing (they are @internal), so they are typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module the typings do not declare
const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy") as {
    unknownCheckingProxy: <T>(value: T) => T;
    UnknownValueError: new (...args: any[]) => Error;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module the typings do not declare
const { deserializeProperties } = require("@pulumi/policy/deserialize");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module the typings do not declare
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

/** What the engine sends for a value unknown during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface Outcome {
    violations: string[];
    /** Set when the policy read an unknown value: the engine reports "can't run during preview". */
    unknown?: string;
    notApplicable?: string;
}

export interface TestResource {
    type: string;
    name?: string;
    props: Record<string, unknown>;
}

class NotApplicable extends Error {}

/**
 * The analyzer's isType (server.js isTypeOf): the class's Pulumi type when it has one, else
 * its isInstance. validateResourceOfType and asType go through it.
 */
function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    if (typeof pulumiType === "string" && pulumiType.length > 0) return type === pulumiType;
    const isInstance = (resourceClass as { isInstance?: unknown } | undefined)?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

/** Config as the analyzer hands it over: the schema's defaults overlaid with the pack config. */
function configFor(policy: Policy, config: Record<string, unknown> = {}): () => any {
    const defaults: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries<any>(policy.configSchema?.properties ?? {})) {
        if (schema.default !== undefined) defaults[key] = schema.default;
    }
    return () => ({ ...defaults, ...config });
}

/** Freezes a value and everything in it. */
function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

/**
 * The wire form of each distinct property text, made once: building the protobuf Struct was most
 * of a policy check's time (the program tests check the same resources once per policy and per
 * broken variant). deserializeProperties reads nothing of the Struct but its toJavaScript(), and
 * builds new objects and arrays from it: here what the Struct gave, kept and frozen (should a
 * later @pulumi/policy hand these objects to a policy, one that wrote to them would throw rather
 * than change what the next policy sees).
 */
const wireForms = new Map<string, { toJavaScript(): unknown }>();

function engineProps(props: Record<string, unknown>): any {
    // The engine never sends undefined: an unset property is absent.
    const text = JSON.stringify(props);
    let wire = wireForms.get(text);
    if (!wire) {
        const plain = deepFreeze(Struct.fromJavaScript(JSON.parse(text)).toJavaScript());
        wire = { toJavaScript: () => plain };
        wireForms.set(text, wire);
    }
    return unknownCheckingProxy(deserializeProperties(wire, false));
}

async function collect(run: (report: (message: string) => void) => unknown): Promise<Outcome> {
    const outcome: Outcome = { violations: [] };
    try {
        await run((message: string) => outcome.violations.push(message));
    } catch (err) {
        if (err instanceof UnknownValueError) outcome.unknown = err.message;
        else if (err instanceof NotApplicable) outcome.notApplicable = err.message;
        else throw err; // a crash: fails the test
    }
    return outcome;
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "not applicable");
};

export function checkResource(
    policy: ResourceValidationPolicy,
    resource: TestResource,
    config?: Record<string, unknown>,
    stackTags = new Map<string, string>(),
): Promise<Outcome> {
    if (!policy.validateResource) throw new Error(`${policy.name} has no validateResource`);
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    const name = resource.name ?? "test";
    return collect(async (report) => {
        for (const validate of validations) {
            const props = engineProps(resource.props);
            await validate(
                {
                    type: resource.type,
                    props,
                    urn: `urn:pulumi:test::scanning-platform::${resource.type}::${name}`,
                    name,
                    opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: {} } as any,
                    stackTags,
                    isType: (resourceClass: unknown) => isTypeOf(resource.type, resourceClass),
                    asType: (resourceClass: unknown) => (isTypeOf(resource.type, resourceClass) ? props : undefined),
                    getConfig: configFor(policy, config),
                    notApplicable,
                } as any,
                (message: string) => report(message),
            );
        }
    });
}

export function checkStack(
    policy: StackValidationPolicy,
    resources: TestResource[],
    config?: Record<string, unknown>,
    stackTags = new Map<string, string>(),
): Promise<Outcome> {
    return collect(async (report) => {
        await policy.validateStack(
            {
                resources: resources.map((r, i) => {
                    const props = engineProps(r.props);
                    return {
                        type: r.type,
                        props,
                        urn: `urn:pulumi:test::scanning-platform::${r.type}::${r.name ?? `r${i}`}`,
                        name: r.name ?? `r${i}`,
                        opts: {} as any,
                        dependencies: [],
                        propertyDependencies: {},
                        isType: (resourceClass: unknown) => isTypeOf(r.type, resourceClass),
                        asType: (resourceClass: unknown) => (isTypeOf(r.type, resourceClass) ? props : undefined),
                    };
                }),
                getConfig: configFor(policy, config),
                stackTags,
                notApplicable,
            } as any,
            (message: string) => report(message),
        );
    });
}
