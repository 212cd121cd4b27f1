/**
 * References between objects, checked in general over every stack: what one object names, another
 * must be. Each rule is the API server's or the kubelet's, written here from its documentation:
 *   - pod specs (Kubernetes pkg/apis/core/validation, ValidatePodSpec): container and volume names
 *     are DNS-1123 labels, unique in the pod; every mount names a volume of the pod (or of the
 *     StatefulSet's claim templates), at most once per path; port names are IANA service names
 *     (at most 15 characters of a-z, 0-9 and '-', with a letter, no '-' at either end or twice in a
 *     row), unique in the pod; a probe's named port is one of its container's ports;
 *   - a Service selects the pods of a workload in its namespace, and its named target ports are
 *     ports of those pods; a StatefulSet's serviceName is a headless Service that selects its pods
 *     (the pods' DNS names exist only then);
 *   - every Route and Ingress backend is a Service of the program and one of its ports;
 *   - every ConfigMap, Secret, claim and ServiceAccount a pod refers to is made by the program, or is
 *     one the stack file names (an existing object the cluster's admins keep); every variable a
 *     container gets (env, and the keys of what it takes with envFrom) is set once, each a value or a
 *     reference to a key that exists;
 *   - an in-cluster database's NetworkPolicy admits exactly the pods that connect to it: the Clair
 *     node of its name (CLAIR_MODE), and the clairctl pods that use its connection string
 *     (cmd/clairctl: import-updaters writes with the matcher's, the admin tasks use the indexer's
 *     and the matcher's).
 */
import { strict as assert } from "assert";
import { podSpecOf } from "../policy/lib/workloads";
import { listStacks, runProgram, stackConfig, unwrapSecrets, type MockRun } from "../tools/mock-run";
import { K8S, ofType, stackRun } from "./helpers";

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IANA_SVC_NAME (RFC 6335 5.1), as validation.IsValidPortName checks it. */
function portNameProblem(name: string): string | undefined {
    if (name.length < 1 || name.length > 15) return "1 to 15 characters";
    if (!/^[-a-z0-9]+$/.test(name)) return "only a-z, 0-9 and '-'";
    if (!/[a-z]/.test(name)) return "at least one letter";
    if (name.startsWith("-") || name.endsWith("-") || name.includes("--")) return "no '-' at either end or twice in a row";
    return undefined;
}

interface Workload {
    kind: string;
    name: string;
    namespace: string;
    object: any;
    spec: any;
    podLabels: Record<string, string>;
}

function workloads(run: MockRun): Workload[] {
    return run.resources.flatMap((r) => {
        const o = unwrapSecrets(r.inputs);
        const spec = podSpecOf(r.type, o);
        if (!spec) return [];
        const template = o.kind === "CronJob" ? o.spec.jobTemplate.spec.template : o.spec.template;
        return [{ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, object: o, spec, podLabels: template.metadata?.labels ?? {} }];
    });
}

const objects = (run: MockRun, type: string): any[] => ofType(run, type).map((r) => unwrapSecrets(r.inputs));
const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
    Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const containersOf = (spec: any): any[] => [...(spec.initContainers ?? []), ...spec.containers];
/** The namespace of the program's objects (one per stack). */
const programNamespace = (run: MockRun): string => {
    const namespaces = new Set(workloads(run).map((w) => w.namespace));
    assert.equal(namespaces.size, 1, `namespaces: ${[...namespaces].join(", ")}`);
    return [...namespaces][0];
};
const duplicates = (names: string[]): string[] => names.filter((n, i) => names.indexOf(n) !== i);

describe("references between objects, on every stack", () => {
    for (const stack of listStacks()) {
        describe(stack, () => {
            it("pod specs keep the API server's naming rules: containers, volumes, mounts, ports and probes", async () => {
                const run = await stackRun(stack);
                const all = workloads(run);
                assert.ok(all.length >= 8, `${all.length} workloads`);
                let ports = 0;
                for (const w of all) {
                    const at = `${w.kind} ${w.name}`;
                    const containers = containersOf(w.spec);
                    const containerNames = containers.map((c) => c.name);
                    const volumeNames: string[] = [
                        ...(w.spec.volumes ?? []).map((v: any) => v.name),
                        ...(w.kind === "StatefulSet" ? (w.object.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name) : []),
                    ];
                    for (const name of [...containerNames, ...volumeNames]) assert.match(name, DNS_1123_LABEL, `${at}: name "${name}" is not a DNS-1123 label`);
                    assert.deepEqual(duplicates(containerNames), [], `${at}: container names twice`);
                    assert.deepEqual(duplicates(volumeNames), [], `${at}: volume names twice`);
                    const portNames: string[] = [];
                    for (const c of containers) {
                        const mounts: any[] = c.volumeMounts ?? [];
                        for (const m of mounts)
                            assert.ok(volumeNames.includes(m.name), `${at}, container ${c.name}: mounts volume "${m.name}", which the pod does not have`);
                        assert.deepEqual(duplicates(mounts.map((m) => m.mountPath)), [], `${at}, container ${c.name}: two mounts at one path`);
                        const own: string[] = (c.ports ?? []).filter((p: any) => p.name).map((p: any) => p.name);
                        for (const name of own) {
                            const problem = portNameProblem(name);
                            assert.equal(problem, undefined, `${at}, container ${c.name}: port name "${name}": ${problem}`);
                            ports++;
                        }
                        portNames.push(...own);
                        for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
                            const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port ?? c[probe]?.grpc?.port;
                            if (typeof port === "string")
                                assert.ok(own.includes(port), `${at}, container ${c.name}: ${probe} port "${port}" is none of its ports (${own.join(", ")})`);
                        }
                    }
                    assert.deepEqual(duplicates(portNames), [], `${at}: port names twice`);
                }
                // Clair's api and introspection on three node types, clamd's, Malwar's, the mirror's at least.
                assert.ok(ports >= 6, `${ports} named ports checked`);
            });

            it("every workload's selector is non-empty and selects its own pods, and no other workload's (apps/v1 refuses the first; two controllers fight over shared pods)", async () => {
                const run = await stackRun(stack);
                const all = workloads(run);
                const controlled = all.filter((w) => w.kind !== "CronJob" && w.kind !== "Job" && w.kind !== "Pod");
                assert.ok(controlled.length >= 3, `${controlled.length} workloads with a selector`);
                for (const w of controlled) {
                    const selector: Record<string, string> = w.object.spec.selector?.matchLabels ?? {};
                    assert.ok(selects(selector, w.podLabels), `${w.kind} ${w.name}: selector ${JSON.stringify(selector)} does not select its pods`);
                    const others = all.filter((o) => o !== w && o.namespace === w.namespace && selects(selector, o.podLabels));
                    assert.deepEqual(
                        others.map((o) => `${o.kind} ${o.name}`),
                        [],
                        `${w.kind} ${w.name}'s selector also selects`,
                    );
                }
            });

            it("every mount path is absolute and plain (no '..', '.', '//' or trailing '/'), as the container runtime takes it", async () => {
                const run = await stackRun(stack);
                let mounts = 0;
                for (const w of workloads(run)) {
                    for (const c of containersOf(w.spec)) {
                        for (const m of c.volumeMounts ?? []) {
                            mounts++;
                            const p: string = m.mountPath ?? "";
                            // "/" itself, or "/" followed by parts that are neither empty, "." nor "..".
                            const plain =
                                p === "/" ||
                                (p.startsWith("/") &&
                                    p
                                        .slice(1)
                                        .split("/")
                                        .every((part) => !["", ".", ".."].includes(part)));
                            assert.ok(plain, `${w.kind} ${w.name} ${c.name}: mountPath ${JSON.stringify(p)}`);
                        }
                    }
                }
                assert.ok(mounts >= 15, `${mounts} mounts`);
            });

            it("every Service selects a workload's pods in its namespace, and names only their ports; a StatefulSet's serviceName is a headless Service over its pods", async () => {
                const run = await stackRun(stack);
                const all = workloads(run);
                const services = objects(run, K8S.service);
                assert.ok(services.length >= 5, `${services.length} Services`);
                for (const s of services) {
                    const at = `Service ${s.metadata.name}`;
                    const selected = all.filter((w) => w.namespace === s.metadata.namespace && selects(s.spec.selector ?? {}, w.podLabels));
                    assert.ok(selected.length > 0, `${at}: its selector ${JSON.stringify(s.spec.selector)} selects no workload's pods`);
                    for (const p of s.spec.ports ?? []) {
                        const target = p.targetPort ?? p.port;
                        for (const w of selected) {
                            const containerPorts = w.spec.containers.flatMap((c: any) => c.ports ?? []);
                            const found =
                                typeof target === "string"
                                    ? containerPorts.some((cp: any) => cp.name === target)
                                    : containerPorts.some((cp: any) => cp.containerPort === target);
                            assert.ok(found, `${at}: port ${p.port} targets ${target}, which ${w.kind} ${w.name}'s containers do not expose`);
                        }
                    }
                }
                const statefulSets = all.filter((w) => w.kind === "StatefulSet");
                assert.ok(statefulSets.length >= 1, "the Clair indexer is a StatefulSet");
                for (const w of statefulSets) {
                    const governing = services.find((s) => s.metadata.name === w.object.spec.serviceName && s.metadata.namespace === w.namespace);
                    assert.ok(governing, `StatefulSet ${w.name}: serviceName ${w.object.spec.serviceName} is no Service in its namespace`);
                    assert.equal(governing.spec.clusterIP, "None", `StatefulSet ${w.name}: its Service ${governing.metadata.name} is not headless`);
                    assert.ok(
                        selects(governing.spec.selector ?? {}, w.podLabels),
                        `StatefulSet ${w.name}: its Service ${governing.metadata.name} does not select its pods`,
                    );
                }
            });

            it("every Route and Ingress sends traffic to a Service of the program, on one of its ports", async () => {
                const run = await stackRun(stack);
                const services = objects(run, K8S.service);
                const service = (namespace: string, name: string, what: string) => {
                    const found = services.find((svc) => svc.metadata.namespace === namespace && svc.metadata.name === name);
                    assert.ok(found, `${what}: no Service ${namespace}/${name}`);
                    return found;
                };
                let backends = 0;
                for (const route of objects(run, K8S.route)) {
                    const what = `Route ${route.metadata.name}`;
                    assert.equal(route.spec.to.kind, "Service", what);
                    const svc = service(route.metadata.namespace, route.spec.to.name, what);
                    // The router picks the Service port by its name or its target port (route.openshift.io/v1 RoutePort).
                    const port = route.spec.port?.targetPort;
                    if (port !== undefined) {
                        assert.ok(
                            svc.spec.ports.some((p: any) => p.name === port || p.targetPort === port),
                            `${what}: Service ${svc.metadata.name} has no port ${port}`,
                        );
                    }
                    backends++;
                }
                for (const ingress of objects(run, K8S.ingress)) {
                    const what = `Ingress ${ingress.metadata.name}`;
                    const paths = (ingress.spec.rules ?? []).flatMap((r: any) => r.http?.paths ?? []);
                    assert.ok(paths.length > 0, `${what}: no paths`);
                    for (const { backend } of paths) {
                        const svc = service(ingress.metadata.namespace, backend.service.name, what);
                        const port = backend.service.port;
                        assert.ok(
                            svc.spec.ports.some((p: any) => (port.name !== undefined ? p.name === port.name : p.port === port.number)),
                            `${what}: Service ${svc.metadata.name} has no port ${JSON.stringify(port)}`,
                        );
                        backends++;
                    }
                }
                assert.ok(backends >= (stack === "local" ? 1 : 3), `${backends} backends checked`);
            });

            it("every ConfigMap, Secret, claim and ServiceAccount a pod refers to is made by the program or named in the stack file", async () => {
                const run = await stackRun(stack);
                const made = (type: string) => new Set(objects(run, type).map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
                const configMaps = made(K8S.configMap);
                const secrets = made(K8S.secret);
                const claims = made(K8S.pvc);
                const accounts = made(K8S.serviceAccount);
                // The control plane publishes its root CA into every namespace (the root CA
                // ConfigMap publisher, Kubernetes 1.20 and later): the refresh CronJob's projected token reads it.
                configMaps.add(`${programNamespace(run)}/kube-root-ca.crt`);
                const stackFile = JSON.stringify(stackConfig(stack));
                const named = (name: string) => stackFile.includes(JSON.stringify(name)) || stackFile.includes(`\\"${name}\\"`);
                let references = 0;
                for (const w of workloads(run)) {
                    const check = (set: Set<string>, what: string, name: string | undefined, optional?: boolean) => {
                        if (!name || optional) return;
                        references++;
                        assert.ok(
                            set.has(`${w.namespace}/${name}`) || named(name),
                            `${w.kind} ${w.name}: ${what} ${name} is neither made by the program nor named in the stack file`,
                        );
                    };
                    const claimTemplates = new Set(
                        (w.kind === "StatefulSet" ? (w.object.spec.volumeClaimTemplates ?? []) : []).map((t: any) => t.metadata.name),
                    );
                    for (const v of w.spec.volumes ?? []) {
                        check(configMaps, "ConfigMap", v.configMap?.name, v.configMap?.optional);
                        check(secrets, "Secret", v.secret?.secretName, v.secret?.optional);
                        if (v.persistentVolumeClaim && !claimTemplates.has(v.name)) check(claims, "claim", v.persistentVolumeClaim.claimName);
                        for (const s of v.projected?.sources ?? []) {
                            check(configMaps, "ConfigMap", s.configMap?.name, s.configMap?.optional);
                            check(secrets, "Secret", s.secret?.name, s.secret?.optional);
                        }
                    }
                    for (const c of containersOf(w.spec)) {
                        for (const from of c.envFrom ?? []) {
                            check(configMaps, "ConfigMap", from.configMapRef?.name, from.configMapRef?.optional);
                            check(secrets, "Secret", from.secretRef?.name, from.secretRef?.optional);
                        }
                        for (const e of c.env ?? []) {
                            check(configMaps, "ConfigMap", e.valueFrom?.configMapKeyRef?.name, e.valueFrom?.configMapKeyRef?.optional);
                            check(secrets, "Secret", e.valueFrom?.secretKeyRef?.name, e.valueFrom?.secretKeyRef?.optional);
                        }
                    }
                    for (const p of w.spec.imagePullSecrets ?? []) check(secrets, "pull Secret", p.name);
                    check(accounts, "ServiceAccount", w.spec.serviceAccountName);
                }
                assert.ok(references >= 15, `${references} references checked`);
            });

            it("every variable a container gets is set once (env, and the keys of the ConfigMaps and Secrets it takes whole), each a value or a reference to a key that exists", async () => {
                const run = await stackRun(stack);
                const keysOf = (type: string) =>
                    new Map(
                        objects(run, type).map((o) => [
                            `${o.metadata.namespace}/${o.metadata.name}`,
                            [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {}), ...Object.keys(o.binaryData ?? {})],
                        ]),
                    );
                const configMaps = keysOf(K8S.configMap);
                const secrets = keysOf(K8S.secret);
                let variables = 0;
                for (const w of workloads(run)) {
                    // An object the stack file names (kept by the cluster's admins) has keys the program cannot see.
                    const keys = (made: Map<string, string[]>, name: string) => made.get(`${w.namespace}/${name}`);
                    for (const c of containersOf(w.spec)) {
                        const what = `${w.kind} ${w.name} ${c.name}`;
                        const names: string[] = [];
                        for (const from of c.envFrom ?? []) {
                            const taken = from.configMapRef ? keys(configMaps, from.configMapRef.name) : keys(secrets, from.secretRef.name);
                            names.push(...(taken ?? []).map((k) => `${from.prefix ?? ""}${k}`));
                        }
                        for (const e of c.env ?? []) {
                            names.push(e.name);
                            // ValidateEnv: value and valueFrom exclusive (an empty value is allowed).
                            assert.ok(!(e.valueFrom && e.value), `${what}: ${e.name} has a value and a valueFrom`);
                            const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
                            const held = ref && keys(e.valueFrom.configMapKeyRef ? configMaps : secrets, ref.name);
                            if (held)
                                assert.ok(held.includes(ref.key), `${what}: ${e.name} reads key ${ref.key} of ${ref.name}, which holds ${held.join(", ")}`);
                        }
                        // A name from two sources is set by the last one the kubelet reads: one of them is silently lost.
                        assert.deepEqual(duplicates(names), [], `${what}: variables set twice`);
                        for (const n of names) assert.ok(/^[^=]+$/.test(n), `${what}: variable name ${JSON.stringify(n)}`);
                        variables += names.length;
                    }
                }
                assert.ok(variables >= 10, `${variables} variables checked`);
            });
        });
    }
});

describe("in-cluster databases admit exactly the pods that connect to them", () => {
    /** The Clair databases a pod connects to: its node's (CLAIR_MODE), or what its clairctl command uses. */
    function databasesOf(w: Workload): string[] {
        const used = new Set<string>();
        for (const c of containersOf(w.spec)) {
            const mode = (c.env ?? []).find((e: any) => e.name === "CLAIR_MODE")?.value;
            if (mode) used.add(`clair-${mode}-db`);
            const command = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
            if (/clairctl import-updaters/.test(command)) used.add("clair-matcher-db");
            if (/clairctl admin (pre|post)/.test(command)) ["clair-indexer-db", "clair-matcher-db"].forEach((db) => used.add(db));
        }
        return [...used];
    }

    const localClair = () => JSON.parse(stackConfig("local")["scanning-platform:clair"]);
    const runs: [string, () => Promise<MockRun>][] = [
        ["local, as the stack file has it (disconnected: the import Job and CronJob)", () => stackRun("local")],
        [
            "local, connected, with a dedicated updater",
            () =>
                runProgram("local", {
                    config: { "scanning-platform:clair": JSON.stringify({ ...localClair(), disconnected: { enabled: false }, updaters: { dedicated: true } }) },
                }),
        ],
    ];
    for (const [title, makeRun] of runs) {
        it(title, async () => {
            const run = await makeRun();
            const all = workloads(run);
            const policies = objects(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
            const databases = ["clair-indexer-db", "clair-matcher-db", "clair-notifier-db"];
            for (const db of databases) {
                const server = all.find((w) => w.kind === "StatefulSet" && w.name === db);
                assert.ok(server, `${db}: no in-cluster database of that name`);
                const policy = policies.find((p) => selects(p.spec.podSelector.matchLabels ?? {}, server.podLabels));
                assert.ok(policy, `${db}: no NetworkPolicy selects its pods`);
                const peers: Record<string, string>[] = policy.spec.ingress.flatMap((rule: any) =>
                    (rule.from ?? []).map((peer: any) => peer.podSelector?.matchLabels ?? {}),
                );
                const admitted = all.filter((w) => w !== server && peers.some((peer) => selects(peer, w.podLabels))).map((w) => `${w.kind} ${w.name}`);
                const clients = all.filter((w) => databasesOf(w).includes(db)).map((w) => `${w.kind} ${w.name}`);
                assert.ok(clients.length >= 1, `${db}: no client`);
                assert.deepEqual(admitted.sort(), clients.sort(), `${db}: the pods its NetworkPolicy admits, against the pods that connect to it`);
            }
            if (title.includes("dedicated"))
                assert.ok(
                    all.some((w) => w.name === "clair-updater" && databasesOf(w).includes("clair-matcher-db")),
                    "the dedicated updater connects to the matcher's database",
                );
        });
    }
});
