/**
 * Runs the real program (index.ts) offline under Pulumi's mocks, with a stack's committed
 * config plus overrides, and returns every resource it registered and its stack outputs.
 * Used by the tests, `npm run capacity` and `npm run render`.
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { setConfigOrigin, stackFileAndSets } from "../config/load";
import { PROJECT } from "../config/platform";
import { listStacks, stackFilePath } from "./cli";

export { listStacks };

/** The resource options a mock run records, from each registration request. */
type MockResourceOptions = Pick<
    MockResource,
    "protect" | "retainOnDelete" | "provider" | "dependencies" | "deleteBeforeReplace" | "ignoreChanges" | "urn" | "parent"
>;

export interface MockResource {
    type: string;
    name: string;
    custom: boolean;
    /** Inputs as the engine would receive them; secrets stay wrapped (see isSecretValue). */
    inputs: Record<string, any>;
    /** Resource options the engine would receive. */
    protect: boolean;
    retainOnDelete: boolean;
    /** The explicit provider reference ("<provider URN>::<id>"), "" for the default provider. */
    provider: string;
    /** URNs of the resources it waits for (dependsOn and inputs; a component stands for its children). */
    dependencies: string[];
    deleteBeforeReplace: boolean;
    /** Input paths the engine leaves as they are live (the ignoreChanges option). */
    ignoreChanges: string[];
    /** The resource's URN, as the engine forms it from the stack, the parents' types, its type and its name. */
    urn: string;
    /** The parent's URN: "" for a resource made at the top level (the stack's child). Part of the resource's URN. */
    parent: string;
    /** A component's registerOutputs, once the program called it; undefined before and for custom resources. */
    registeredOutputs?: Record<string, unknown>;
    /** The ID the provider would give it (pulumi-random's own choice for random resources). */
    id: string | undefined;
    state: Record<string, any>;
}

export interface MockRun {
    stack: string;
    resources: MockResource[];
    outputs: Record<string, unknown>;
    /** Names of the stack outputs that are secret. */
    secretOutputs: string[];
    /** Every value the mocks generated for a random resource: none may leak in plaintext. */
    generatedSecrets: string[];
}

export interface RunOptions {
    /** Path-style overrides, like `pulumi config set --path`: {"clair.indexer.replicas": "80"}. */
    sets?: Record<string, string>;
    /** Whole keys to replace or add (unparsed strings, like the engine passes). */
    config?: Record<string, string>;
    /** Keys (without namespace) given as secrets. */
    secretKeys?: string[];
    /**
     * `config` is the whole config (as `pulumi config --json` resolves it for a deployed stack),
     * not keys on top of the committed stack file.
     */
    configOnly?: boolean;
}

export const ROOT = path.resolve(__dirname, "..");
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export function isSecretValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270";
}

/** Removes the secret wrappers, for code that needs the plain object (render, capacity). */
export function unwrapSecrets(value: any): any {
    if (isSecretValue(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    return value;
}

/** Each stack file's config, by its text: parsing the YAML was 10 ms of every mock run. */
const parsedStackFiles = new Map<string, { text: string; config: Record<string, string> }>();

/** The stack's committed config as the engine passes it: "ns:key" -> string (JSON for structured values). */
export function stackConfig(stack: string): Record<string, string> {
    const file = stackFilePath(stack);
    const text = fs.readFileSync(file, "utf8");
    const kept = parsedStackFiles.get(file);
    // A copy: the values are strings, so a caller that changes the result changes only its own.
    if (kept?.text === text) return { ...kept.config };
    const config = stackConfigFromYaml(path.basename(file), text);
    parsedStackFiles.set(file, { text, config: { ...config } });
    return config;
}

/** A stack file's text as the engine passes its config; `fileName` names it in errors. */
export function stackConfigFromYaml(fileName: string, text: string): Record<string, string> {
    let doc: any;
    try {
        doc = parse(text) ?? {};
    } catch (err) {
        // The YAML parser says where (line and column), not in which file.
        throw new Error(`${fileName}: ${(err as Error).message}`);
    }
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries<unknown>(doc.config ?? {})) {
        if (value && typeof value === "object" && "secure" in (value as object)) {
            throw new Error(`${key} is encrypted; mock runs use committed plaintext config only`);
        }
        result[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return result;
}

/** Applies `clair.indexer.replicas=80` style overrides to the structured config. */
export function applySets(config: Record<string, string>, sets: Record<string, string>): Record<string, string> {
    const result = { ...config };
    for (const [dotted, rawValue] of Object.entries(sets)) {
        const [top, ...rest] = dotted.split(".");
        const fullKey = top.includes(":") ? top : `${PROJECT}:${top}`;
        const value = parseScalar(rawValue);
        if (rest.length === 0) {
            result[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
            continue;
        }
        const root = result[fullKey] !== undefined ? JSON.parse(result[fullKey]) : {};
        let node = root;
        for (const part of rest.slice(0, -1)) {
            if (node[part] === undefined || typeof node[part] !== "object") node[part] = {};
            node = node[part];
        }
        node[rest[rest.length - 1]] = value;
        result[fullKey] = JSON.stringify(root);
    }
    return result;
}

/** Like `pulumi config set --path`: numbers and booleans are typed, the rest stays a string. */
function parseScalar(text: string): unknown {
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (text === "true" || text === "false") return text === "true";
    if (/^[[{]/.test(text)) {
        try {
            return JSON.parse(text);
        } catch {
            return text;
        }
    }
    return text;
}

/**
 * Random bytes for the mocks' generated secrets; with SSCAN_MOCK_RANDOM_SEED set, derived from the
 * seed and the resource's name instead, so two renders can be compared byte for byte.
 */
function mockRandomBytes(length: number, resourceName: string): Buffer {
    const seed = process.env.SSCAN_MOCK_RANDOM_SEED;
    if (!seed) return randomBytes(length);
    const out: Buffer[] = [];
    for (let block = 0; out.length * 32 < length; block++) out.push(createHash("sha256").update(`${seed}/${resourceName}/${block}`).digest());
    return Buffer.concat(out).subarray(0, length);
}

class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: MockResource[] = [];
    readonly generatedSecrets: string[] = [];
    /** Options by "type::name", recorded by RecordingMonitor (MockResourceArgs carries no options). */
    readonly options = new Map<string, MockResourceOptions>();

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const state: Record<string, any> = { ...args.inputs };
        const plain = unwrapSecrets(args.inputs);
        let id: string | undefined = args.type.startsWith("aws:ec2/securityGroup") ? `sg-${args.name}` : `${args.name}-id`;
        // IDs as pulumi-random sets them (its resources' Read/Create): IDs are never secret in
        // the state, so a random resource whose ID is its value leaks it.
        switch (args.type) {
            case "random:index/randomPassword:RandomPassword": {
                const length = plain.length ?? 32;
                state.result = mockRandomBytes(length, args.name)
                    .toString("base64")
                    .replace(/[^A-Za-z0-9]/g, "x")
                    .slice(0, length);
                this.generatedSecrets.push(state.result);
                id = "none";
                break;
            }
            case "random:index/randomString:RandomString": {
                const length = plain.length ?? 32;
                state.result = mockRandomBytes(length, args.name)
                    .toString("base64")
                    .replace(/[^A-Za-z0-9]/g, "x")
                    .slice(0, length);
                this.generatedSecrets.push(state.result);
                id = state.result;
                break;
            }
            case "random:index/randomBytes:RandomBytes": {
                const bytes = mockRandomBytes(plain.length ?? 32, args.name);
                state.base64 = bytes.toString("base64");
                state.hex = bytes.toString("hex");
                this.generatedSecrets.push(state.base64, state.hex);
                id = state.base64;
                break;
            }
            case "aws:rds/instance:Instance":
                state.address = `${plain.identifier ?? args.name}.c0mock0000.us-east-1.rds.amazonaws.com`;
                state.port = 5432;
                break;
            case "aws:s3/bucket:Bucket":
                // As autonaming names it: the resource name and a random suffix.
                state.bucket = plain.bucket ?? `${args.name}-0a1b2c3`;
                state.arn = `arn:aws:s3:::${state.bucket}`;
                id = state.bucket;
                break;
            case "aws:iam/role:Role":
                state.name = plain.name ?? `${args.name}-0a1b2c3`;
                state.arn = `arn:aws:iam::123456789012:role/${state.name}`;
                id = state.name;
                break;
            case "aws:rds/subnetGroup:SubnetGroup":
            case "aws:rds/parameterGroup:ParameterGroup":
                state.name = plain.name ?? `${args.name}-mock`;
                break;
        }
        if (args.type.startsWith("kubernetes:") && plain.metadata) {
            state.metadata = { ...plain.metadata, name: plain.metadata.name ?? `${args.name}-mock` };
        }
        const options = this.options.get(`${args.type}::${args.name}`) ?? {
            protect: false,
            retainOnDelete: false,
            provider: "",
            dependencies: [],
            deleteBeforeReplace: false,
            ignoreChanges: [],
            urn: "",
            parent: "",
        };
        if (args.custom === false) id = undefined;
        this.resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs, id, state, ...options });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        throw new Error(`the program made an unexpected provider call ${args.token}`);
    }
}

/**
 * The runner's one use of @pulumi/pulumi beyond its typed API: waiting for every outstanding
 * registration (the SDK's own waitForRPCs, which its .d.ts does not declare), so a run's
 * resource list is complete. Checked against @pulumi/pulumi 3.270.0; every mock test fails if a
 * later SDK removes it (the run then throws here).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module the typings do not declare
const settings: { waitForRPCs?: () => Promise<void> } = require("@pulumi/pulumi/runtime/settings");
function waitForRegistrations(): Promise<void> {
    if (typeof settings.waitForRPCs !== "function") throw new Error("@pulumi/pulumi no longer exports runtime/settings waitForRPCs: update tools/mock-run.ts");
    return settings.waitForRPCs();
}

/**
 * Wraps the SDK's mock monitor (pulumi.runtime.getMonitor, public) so it also notes the
 * protect, retainOnDelete, provider, dependencies, deleteBeforeReplace, ignoreChanges and parent of each request, which MockResourceArgs does not carry.
 */
function recordOptions(recorder: RecordingMocks): void {
    const monitor: any = pulumi.runtime.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: unknown) => {
        recorder.options.set(`${req.getType()}::${req.getName()}`, {
            protect: req.getProtect(),
            retainOnDelete: req.getRetainondelete(),
            provider: req.getProvider(),
            dependencies: req.getDependenciesList(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            ignoreChanges: req.getIgnorechangesList(),
            // The SDK's mock monitor forms the URN the same way (MockMonitor.newUrn, not typed).
            urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
            parent: req.getParent(),
        });
        return register(req, callback);
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: unknown) => {
        const resource = recorder.resources.find((r) => r.urn === req.getUrn());
        if (resource) resource.registeredOutputs = req.getOutputs()?.toJavaScript() ?? {};
        return registerOutputs(req, callback);
    };
}

/**
 * Runs `build` (which creates resources, e.g. two components) under the same recording mocks,
 * for tests of one component without the whole program.
 */
export async function runInMocks(stack: string, build: () => void): Promise<MockResource[]> {
    pulumi.runtime.setAllConfig({}, []);
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
    recordOptions(mocks);
    build();
    await waitForRegistrations();
    return mocks.resources;
}

/**
 * Shared runs, for the test lanes: test/setup.ts puts a map at SHARED_RUNS on globalThis before
 * any test loads, and then every runProgram with the same key (the stack, the options' JSON and
 * SSCAN_MOCK_RANDOM_SEED) gets the same promise, a config error included: one run per distinct
 * variant. The JSON of each result is noted when it ends, so test/setup.ts can name a test that
 * changed a shared result. Without the map (the commands, the policy pack alone) every call runs.
 */
export interface SharedRun {
    run: Promise<MockRun>;
    calls: number;
    /** How long the run took (ms), once it has ended. */
    ms?: number;
    result?: MockRun;
    json?: string;
}
const SHARED_RUNS = Symbol.for("scanning-platform.sharedMockRuns");

/** Runs index.ts for `stack` (or hands out the shared run, see SharedRun); throws what the program throws (e.g. a config error). */
export function runProgram(stack: string, options: RunOptions = {}): Promise<MockRun> {
    const shared: Map<string, SharedRun> | undefined = (globalThis as Record<symbol, any>)[SHARED_RUNS];
    if (!shared) return runOnce(stack, options);
    // Empty sets, config or secretKeys are the same run as none; the order of sets is kept (it can matter).
    const { sets = {}, config = {}, secretKeys = [], configOnly = false } = options;
    const key = JSON.stringify([stack, { sets, config, secretKeys, ...(configOnly ? { configOnly } : {}) }, process.env.SSCAN_MOCK_RANDOM_SEED ?? null]);
    forgetOtherMutants(shared);
    let entry = shared.get(key);
    if (!entry) {
        const started = Date.now();
        const created: SharedRun = { run: runOnce(stack, options), calls: 0 };
        // Registered before any caller's continuation: the JSON is taken before a caller can change the result.
        created.run.then(
            (result) => {
                created.ms = Date.now() - started;
                created.result = result;
                created.json = JSON.stringify(result);
            },
            () => {
                created.ms = Date.now() - started;
            },
        );
        shared.set(key, created);
        entry = created;
    }
    entry.calls++;
    return entry.run;
}

/**
 * Under StrykerJS (`npm run mutation:components`) one process runs the tests for mutant after
 * mutant, switching the active one at run time (`__stryker__.activeMutant`): a run made under
 * one mutant (or none) must not serve another. In its dry run (no mutant active) it notes which
 * mutants each test reaches, so a test must make its own runs there, not reuse an earlier test's
 * (the mutants it reaches would be noted for that test only). So the shared runs hold one
 * mutant's runs, or in the dry run one test's, and are forgotten when that changes. Without
 * Stryker nothing changes.
 */
let strykerScope: string | undefined;
function forgetOtherMutants(shared: Map<string, SharedRun>): void {
    const stryker: { activeMutant?: string; currentTestId?: string } | undefined = (globalThis as Record<string, any>).__stryker__;
    if (!stryker) return;
    const scope = JSON.stringify(stryker.activeMutant !== undefined ? ["mutant", stryker.activeMutant] : ["test", stryker.currentTestId ?? null]);
    if (scope !== strykerScope) shared.clear();
    strykerScope = scope;
}

async function runOnce(stack: string, options: RunOptions): Promise<MockRun> {
    let config = { ...(options.configOnly ? {} : stackConfig(stack)), ...(options.config ?? {}) };
    config = applySets(config, options.sets ?? {});
    const secretKeys = (options.secretKeys ?? []).map((k) => (k.includes(":") ? k : `${PROJECT}:${k}`));
    pulumi.runtime.setAllConfig(config, secretKeys);
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
    recordOptions(mocks);

    const entry = require.resolve(path.join(ROOT, "index.ts"));
    delete require.cache[entry];
    let program: Record<string, unknown>;
    // Config errors name the flag for values given with `sets`, the stack file for the rest.
    setConfigOrigin(stackFileAndSets(stack, options.sets ?? {}));
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module path known only at run time
        program = require(entry);
    } catch (err) {
        // How far the program got before it failed: a config error must stop it at zero.
        Object.assign(err as object, { resourcesRegistered: mocks.resources.length });
        throw err;
    } finally {
        setConfigOrigin(undefined);
    }

    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [name, value] of Object.entries(program)) {
        const output: pulumi.Output<unknown> = pulumi.output(value as pulumi.Input<unknown>);
        outputs[name] = await new Promise((resolve, reject) => {
            output.apply((v) => {
                resolve(v);
                return v;
            });
            // An output that failed (an apply that threw) never calls apply's callback: the run
            // fails with its error instead of waiting for ever (the SDK's own promise, as isSecret below).
            (output as any).promise().catch(reject);
        });
        if (await (output as any).isSecret) secretOutputs.push(name);
    }
    await waitForRegistrations();
    return { stack, resources: mocks.resources, outputs, secretOutputs, generatedSecrets: mocks.generatedSecrets };
}
