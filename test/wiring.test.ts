/**
 * The wiring between objects, checked in general over every stack (not one example each):
 *   - every path a container is told to read (env values, literal or from a ConfigMap, and the
 *     paths in its command, args and exec probes outside the image's system folders) lies under one of its
 *     mounts, and where that mount is a ConfigMap, Secret or projected volume, the file exists there;
 *   - every Clair node's connection string names its own database: the host, port, user, password
 *     and database name of the RDS instance registered for that node (`clair-<node>-db`), or of the
 *     in-cluster PostgreSQL of that name (its Service, its container's env, the password file it
 *     reads through its own mount);
 *   - no secret value (generated, or from secret config) appears, in any encoding, in a resource
 *     other than a Secret or an RDS instance, even marked secret.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { parse } from "yaml";
import { podSpecOf } from "../policy/lib/workloads";
import { listStacks, unwrapSecrets, type MockRun } from "../tools/mock-run";
import { atLeast, K8S, mountOver, object, ofType, stackRun } from "./helpers";
import { parseConnstring } from "./libpq";

/** Folders of the images themselves: a path there is the image's file, not something a mount must provide. */
const IMAGE_FOLDERS = ["/bin/", "/sbin/", "/usr/", "/lib/", "/lib64/"];
const CLAIR_NODES = ["indexer", "matcher", "notifier"] as const;

interface FileSource {
    /** Where the files come from, for messages. */
    what: string;
    /** File names the volume holds; undefined: anything may be written there (emptyDir, claim). */
    files?: Set<string>;
    /** file name -> content, where the test can read it (ConfigMap and Secret keys). */
    contents: Map<string, string>;
}

/** The files a pod volume holds, from the objects the run registers. */
function volumeFiles(run: MockRun, volume: any): FileSource {
    const configMapData = (name: string): Record<string, string> => object(run, K8S.configMap, name).data ?? {};
    const secretData = (name: string): Record<string, string> => {
        const s = object(run, K8S.secret, name);
        return {
            ...Object.fromEntries(Object.entries(s.data ?? {}).map(([k, b]) => [k, Buffer.from(String(b), "base64").toString()])),
            ...(s.stringData ?? {}),
        };
    };
    const project = (data: Record<string, string>, items?: { key: string; path: string }[]): Map<string, string> =>
        new Map(items ? items.map((i) => [i.path, data[i.key]] as [string, string]) : Object.entries(data));
    const one = (source: any): Map<string, string> => {
        if (source.configMap) return project(configMapData(source.configMap.name), source.configMap.items);
        if (source.secret) return project(secretData(source.secret.secretName ?? source.secret.name), source.secret.items);
        if (source.serviceAccountToken) return new Map([[source.serviceAccountToken.path, ""]]);
        throw new Error(`a volume source the test does not know: ${JSON.stringify(source)}`);
    };
    if (volume.emptyDir || volume.persistentVolumeClaim || volume.ephemeral) return { what: `volume ${volume.name}`, contents: new Map() };
    const contents: Map<string, string> = volume.projected ? new Map<string, string>(volume.projected.sources.flatMap((s: any) => [...one(s)])) : one(volume);
    return { what: `volume ${volume.name}`, files: new Set(contents.keys()), contents };
}

/** Absolute paths a container is told to read or write: env (literal and from ConfigMaps), and its command and args. */
function pathsOf(run: MockRun, container: any): { path: string; from: string }[] {
    const out: { path: string; from: string }[] = [];
    const add = (value: unknown, from: string) => {
        if (typeof value === "string" && /^\/[^\s]*$/.test(value)) out.push({ path: value, from });
    };
    for (const e of container.env ?? []) {
        add(e.value, `env ${e.name}`);
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref) add(object(run, K8S.configMap, ref.name).data?.[ref.key], `env ${e.name} (ConfigMap ${ref.name})`);
    }
    for (const from of container.envFrom ?? []) {
        if (from.configMapRef)
            for (const [k, v] of Object.entries(object(run, K8S.configMap, from.configMapRef.name).data ?? {}))
                add(v, `env ${k} (ConfigMap ${from.configMapRef.name})`);
    }
    const commands: [string, unknown[]][] = [
        ["command/args", [...(container.command ?? []), ...(container.args ?? [])]],
        // What the kubelet runs in the container reads the container's files too.
        ...["startupProbe", "livenessProbe", "readinessProbe"].map((probe): [string, unknown[]] => [`${probe} command`, container[probe]?.exec?.command ?? []]),
    ];
    for (const [from, tokens] of commands) {
        for (const token of tokens) {
            for (const m of String(token).matchAll(/(?:^|[\s="'])(\/[\w./-]+)/g)) {
                if (!IMAGE_FOLDERS.some((f) => m[1].startsWith(f))) out.push({ path: m[1], from });
            }
        }
    }
    return out;
}

/** Every workload's pod spec in the run, with a name for messages. */
function pods(run: MockRun): { owner: string; spec: any }[] {
    return run.resources.flatMap((r) => {
        const o = unwrapSecrets(r.inputs);
        const spec = podSpecOf(r.type, o);
        return spec ? [{ owner: `${o.kind} ${o.metadata.name}`, spec }] : [];
    });
}

/**
 * What a container reads at `file`: checks it resolves through a mount to a file the volume holds,
 * and returns that file's content when the test can read it (ConfigMap or Secret), else undefined.
 */
export function resolveThroughMounts(run: MockRun, spec: any, container: any, file: string): { ok: true; content?: string } | { ok: false; why: string } {
    const mount: any = mountOver(container, file);
    if (!mount) return { ok: false, why: `${file} is under none of its mounts (${(container.volumeMounts ?? []).map((m: any) => m.mountPath).join(", ")})` };
    const volume = (spec.volumes ?? []).find((v: any) => v.name === mount.name) ?? {
        name: mount.name,
        persistentVolumeClaim: {} /* a StatefulSet's claim template */,
    };
    const source = volumeFiles(run, volume);
    const relative = path.posix.relative(mount.mountPath, file);
    if (!source.files || relative === "" || relative.endsWith("/")) return { ok: true };
    const name = mount.subPath ? mount.subPath : relative.split("/")[0];
    if (!source.files.has(name))
        return { ok: false, why: `${file}: ${source.what} mounted at ${mount.mountPath} holds ${[...source.files].join(", ")}, not ${name}` };
    return { ok: true, content: source.contents.get(name) };
}

describe("wiring between objects, on every stack", () => {
    for (const stack of listStacks()) {
        describe(stack, () => {
            it("every path a container is told to read lies under one of its mounts, and a ConfigMap or Secret mount holds that file", async () => {
                const run = await stackRun(stack);
                const workloads = pods(run);
                assert.ok(workloads.length >= 8, `${workloads.length} workloads`);
                let checked = 0;
                for (const { owner, spec } of workloads) {
                    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
                        for (const { path: file, from } of pathsOf(run, container)) {
                            const r = resolveThroughMounts(run, spec, container, file);
                            assert.ok(r.ok, `${owner}, container ${container.name}, ${from}: ${r.ok ? "" : r.why}`);
                            checked++;
                        }
                    }
                }
                // CLAIR_CONF in three nodes and two Jobs, clamd's and freshclam's config files, the backup's program, at least.
                assert.ok(checked >= 10, `${checked} paths checked`);
            });

            it("every Clair node's connection string names its own database: host, port, user, password and database name", async () => {
                const run = await stackRun(stack);
                const clairConfig = object(run, K8S.secret, "clair-config");
                const config = parse(clairConfig.stringData["config.yaml"]);
                const instances = ofType(run, "aws:rds/instance:Instance");
                for (const node of CLAIR_NODES) {
                    const c = parseConnstring(config[node].connstring);
                    const own = `clair-${node}-db`;
                    const rds = instances.filter((r) => r.name === own);
                    let expected: Record<string, string>;
                    if (rds.length === 1) {
                        const i = unwrapSecrets(rds[0].inputs);
                        expected = {
                            host: rds[0].state.address,
                            port: String(rds[0].state.port ?? i.port ?? 5432),
                            user: i.username,
                            password: i.password,
                            dbname: i.dbName,
                        };
                    } else {
                        assert.equal(rds.length, 0, `one RDS instance ${own}`);
                        // The in-cluster PostgreSQL: its Service, and what its container is told.
                        const service = object(run, K8S.service, own);
                        const statefulSet = object(run, K8S.statefulSet, own);
                        const spec = statefulSet.spec.template.spec;
                        const container = spec.containers[0];
                        const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]));
                        const passwordFile = resolveThroughMounts(run, spec, container, env.POSTGRES_PASSWORD_FILE);
                        assert.ok(
                            passwordFile.ok && passwordFile.content,
                            `${own}: POSTGRES_PASSWORD_FILE ${env.POSTGRES_PASSWORD_FILE} ${passwordFile.ok ? "is not readable here" : passwordFile.why}`,
                        );
                        // The Service selects that StatefulSet's pods.
                        for (const [k, v] of Object.entries(service.spec.selector))
                            assert.equal(statefulSet.spec.template.metadata.labels[k], v, `${own}: the Service selects its pods`);
                        expected = {
                            host: `${own}.${service.metadata.namespace}.svc`,
                            port: String(service.spec.ports[0].port),
                            user: env.POSTGRES_USER,
                            password: passwordFile.content!,
                            dbname: env.POSTGRES_DB,
                        };
                    }
                    for (const key of ["host", "port", "user", "password", "dbname"]) {
                        assert.ok(expected[key], `${node}: the database's ${key} is known`);
                        assert.equal(c[key], expected[key], `${node}'s connstring ${key} is not its own database's (${own})`);
                    }
                }
            });

            it("no secret value, in any encoding, appears in a resource other than a Secret or an RDS instance, even marked secret", async () => {
                const run = await stackRun(stack);
                assert.ok(run.generatedSecrets.length >= 3, "database passwords and keys are generated");
                // Clair's PSK is the base64 of generated bytes; encodings a value could be copied in.
                const encodings = run.generatedSecrets.flatMap((v) => [
                    v,
                    Buffer.from(v).toString("base64"),
                    Buffer.from(v).toString("hex"),
                    encodeURIComponent(v),
                ]);
                const holders = new Set([K8S.secret, "aws:rds/instance:Instance"]);
                let searched = 0;
                for (const r of atLeast(
                    run.resources.filter((x) => !holders.has(x.type)),
                    20,
                    "resources that may hold no secret",
                )) {
                    const text = JSON.stringify(unwrapSecrets(r.inputs));
                    for (const value of encodings) assert.ok(!text.includes(value), `${r.type} ${r.name} holds a secret value`);
                    searched++;
                }
                assert.ok(searched >= 20, `${searched} resources searched`);
            });
        });
    }
});
