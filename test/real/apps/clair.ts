/**
 * Clair v4.8.0 in distributed mode, from the config file the prod stack renders: three processes
 * (indexer, matcher, notifier) of the binary built from Clair's own source (scripts/app-tools.sh),
 * each in the pod sandbox as OpenShift runs it (arbitrary UID, group 0, read-only root, the pod's
 * volumes where the rendered pod mounts them), each on a PostgreSQL server of its own with TLS
 * (the stack has one RDS instance per node type), and the clairctl upgrade Jobs' scripts.
 *
 * What changes on one machine, and nothing else (see `localConfig`):
 *   - each node's `connstring`: host and port (one PostgreSQL per node on 127.0.0.1, TLS from a
 *     throwaway CA given to the stack as clair.database.caBundle, so sslrootcert is the rendered one);
 *   - `http_listen_addr` and `introspection_addr`: a port pair per process (three processes share
 *     this machine's network, three pods would not);
 *   - the node URLs (`matcher.indexer_addr`, `notifier.indexer_addr`, `notifier.matcher_addr`): to
 *     those ports, path kept;
 *   - added: the two Red Hat mapping files claircore's RHEL scanners fetch when they scan a layer
 *     (security.access.redhat.com; this machine has no internet), served by the test instead
 *     (`indexer.scanner.repo.rhel-repository-scanner.repo2cpe_mapping_url`,
 *     `indexer.scanner.package.rhel_containerscanner.name2repos_mapping_url`). Without them every
 *     layer scan fails ("rhel: unable to create a mappingFile object"), as it would in a cluster
 *     whose indexers cannot reach Red Hat;
 *   - added: `updaters.config.alpine.url`, the Alpine security database (secdb.alpinelinux.org's
 *     layout) served by the test with one made-up advisory for musl, so the matcher's updaters
 *     (the rendered set, run at start-up as in a pod) load at least one feed here. The other
 *     updaters fail to reach their feeds, as they would without egress;
 *   - `notifier.poll_interval`: 2s instead of the rendered production pace (a test cannot wait
 *     minutes for the first poll); Clair's own default is 5s.
 *
 * Not reached: a notification delivered to the webhook. Clair v4.8.0 with claircore v1.5.32 finds no
 * affected manifest for an Alpine advisory: the notifier's affected-manifest lookup matches the
 * distribution field by field, and the Alpine updater records VersionID "3.18" where the Alpine
 * scanner records Version "3.18" (claircore alpine/release.go, alpine/distributionscanner.go,
 * datastore/postgres/affectedmanifest.go). The test shows the lookup happening and finding nothing.
 * The pool sizes, the PSK and its issuers, the matcher's and notifier's settings are the rendered values.
 */
import { strict as assert } from "assert";
import { createHash, createHmac } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { runProgram, unwrapSecrets, type MockRun } from "../../../tools/mock-run";
import { freePort, has, skipOutsideCi } from "../../host-tools";
import { PodVolumes, sandboxAvailable, type RunningContainer } from "../pod-sandbox";
import { formatConnstring, parseConnstring } from "../../libpq";
import { PostgresServer, postgresBin } from "./postgres";
import { containerOf, envOf, objectOf, podOf, type RenderedPod } from "./rendered";
import { httpGet, type Scrapes } from "./scrapes";
import { makeThrowawayTls, type ThrowawayTls } from "./tls";
import { appTools, AppToolUnavailable, APP_TOOLS_TIMEOUT_MS } from "./tools";

const NODES = ["indexer", "matcher", "notifier"] as const;
type Node = (typeof NODES)[number];
/** The workload of each node type, as the Clair Deployment doc lays them out. */
/** The RDS instance of each node type, whose login the server of that node is made with. */
const RDS_INSTANCE = (node: Node) => `clair-${node}-db`;
const WORKLOAD: Record<Node, { kind: string; name: string }> = {
    indexer: { kind: "StatefulSet", name: "clair-indexer" },
    matcher: { kind: "Deployment", name: "clair-matcher" },
    notifier: { kind: "Deployment", name: "clair-notifier" },
};
/** The image's entrypoint (quay/clair Dockerfile at v4.8.0: ENTRYPOINT ["/bin/clair"]) and clairctl's path in it. */
const IMAGE_CLAIR = "/bin/clair";
const IMAGE_CLAIRCTL = "/usr/bin/clairctl";
/** PostgreSQL's default superuser_reserved_connections: slots an ordinary role can never take. */
const SUPERUSER_RESERVED = 3;
/** A table each node's migrations create (claircore's indexer and matcher migrations, Clair's notifier ones). */
const OWN_TABLE: Record<Node, string> = { indexer: "manifest", matcher: "update_operation", notifier: "notification" };

/** Where the test serves the Alpine security database, and its one advisory: musl before 1.2.4-r3. */
const ALPINE_SECDB = "/alpine-secdb";
const ADVISORY = { package: "musl", fixedIn: "1.2.4-r3", id: "CVE-2026-0000001" };
/** The image's musl: older than the fix, so the advisory applies. */
const IMAGE_MUSL = "1.2.4-r2";

/** secdb.alpinelinux.org's layout as claircore's Alpine updater walks it: last-update, v3.3/ up to v3.18/, v3.18/main.json. */
function alpineSecdb(): [string, Buffer][] {
    const files: [string, Buffer][] = [[`${ALPINE_SECDB}/last-update`, Buffer.from("20261202\n")]];
    for (let minor = 3; minor <= 18; minor++) files.push([`${ALPINE_SECDB}/v3.${minor}/`, Buffer.from("")]);
    const db = {
        distroversion: "v3.18",
        reponame: "main",
        urlprefix: "https://dl-cdn.alpinelinux.org/alpine",
        apkurl: "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
        packages: [{ pkg: { name: ADVISORY.package, secfixes: { [ADVISORY.fixedIn]: [ADVISORY.id] } } }],
    };
    files.push([`${ALPINE_SECDB}/v3.18/main.json`, Buffer.from(JSON.stringify(db))]);
    return files;
}

interface Ports {
    http: number;
    introspection: number;
}

/** The rendered config with only the substitutions listed at the top of this file, for one process. */
export function localConfig(rendered: any, own: Ports, ports: Record<Node, Ports>, databasePorts: Record<Node, number>, filesUrl: string): any {
    const config = structuredClone(rendered);
    assert.equal(config.indexer.scanner, undefined, "the rendered config sets indexer.scanner: merge the mapping URLs into it");
    assert.equal(config.updaters?.config?.alpine, undefined, "the rendered config configures the alpine updater: merge the URL into it");
    config.updaters = { ...(config.updaters ?? {}), config: { ...(config.updaters?.config ?? {}), alpine: { url: `${filesUrl}${ALPINE_SECDB}/` } } };
    config.indexer.scanner = {
        repo: { "rhel-repository-scanner": { repo2cpe_mapping_url: `${filesUrl}/repository-to-cpe.json` } },
        package: { rhel_containerscanner: { name2repos_mapping_url: `${filesUrl}/container-name-repos-map.json` } },
    };
    config.http_listen_addr = `127.0.0.1:${own.http}`;
    config.introspection_addr = `127.0.0.1:${own.introspection}`;
    for (const node of NODES) {
        const pairs = parseConnstring(config[node].connstring);
        config[node].connstring = formatConnstring({ ...pairs, host: "127.0.0.1", port: String(databasePorts[node]) });
    }
    const moved = (url: string, node: Node) => {
        const u = new URL(url);
        return `http://127.0.0.1:${ports[node].http}${u.pathname}`;
    };
    config.matcher.indexer_addr = moved(config.matcher.indexer_addr, "indexer");
    config.notifier.indexer_addr = moved(config.notifier.indexer_addr, "indexer");
    config.notifier.matcher_addr = moved(config.notifier.matcher_addr, "matcher");
    config.notifier.poll_interval = "2s";
    return config;
}

/** An HS256 JWT as Quay signs its requests to Clair (issuer `quay`), valid for five minutes. */
export function signedToken(pskBase64: string, issuer: string): string {
    const b64url = (b: Buffer) => b.toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const head = b64url(Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })));
    const body = b64url(Buffer.from(JSON.stringify({ iss: issuer, iat: now, nbf: now - 5, exp: now + 300 })));
    const signature = createHmac("sha256", Buffer.from(pskBase64, "base64")).update(`${head}.${body}`).digest();
    return `${head}.${body}.${b64url(signature)}`;
}

/**
 * A one-layer image an Alpine package scanner recognises: /etc/os-release of Alpine 3.18 and an
 * apk database naming one package. Returned as the gzip'd tar a registry would serve.
 */
function alpineLayer(dir: string): Buffer {
    const root = path.join(dir, "layer-root");
    fs.mkdirSync(path.join(root, "etc"), { recursive: true });
    fs.mkdirSync(path.join(root, "lib/apk/db"), { recursive: true });
    fs.writeFileSync(
        path.join(root, "etc/os-release"),
        ['NAME="Alpine Linux"', "ID=alpine", "VERSION_ID=3.18.4", 'PRETTY_NAME="Alpine Linux v3.18"', 'HOME_URL="https://alpinelinux.org/"', ""].join("\n"),
    );
    fs.writeFileSync(
        path.join(root, "lib/apk/db/installed"),
        [
            "C:Q1abcdefghijklmnopqrstuvwxyz0123=",
            "P:musl",
            `V:${IMAGE_MUSL}`,
            "A:x86_64",
            "S:383152",
            "I:622592",
            "T:the musl c library (libc) implementation",
            "U:https://musl.libc.org/",
            "L:MIT",
            "o:musl",
            "m:Timo Teras <timo.teras@iki.fi>",
            "t:1696520893",
            "",
            "",
        ].join("\n"),
    );
    const archive = path.join(dir, "layer.tar.gz");
    execFileSync("tar", ["--owner=0", "--group=0", "-czf", archive, "-C", root, "etc", "lib"]);
    return fs.readFileSync(archive);
}

async function waitFor<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>, alive: () => string | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
        const dead = alive();
        if (dead) throw new Error(`${what}: ${dead}`);
        try {
            const v = await attempt();
            if (v !== undefined) return v;
        } catch (err) {
            last = String(err);
        }
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s ${last}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

/**
 * Clair's tools built from source (clair, clairctl), once this machine can run them: the pod
 * sandbox, PostgreSQL's server, openssl, tar and runuser. Outside CI a missing one skips the
 * suite, naming it; in CI it fails.
 */
export async function clairToolsOrSkip(context: Mocha.Context): Promise<Record<string, string>> {
    const missing =
        sandboxAvailable() ??
        (postgresBin() ? undefined : "PostgreSQL's server (Debian package postgresql)") ??
        ["openssl", "tar", "runuser"].find((t) => !has(t));
    if (missing) {
        if (process.env.CI) throw new Error(`cannot run Clair for real: ${missing}`);
        console.log(`      skipped: ${missing}`);
        context.skip();
    }
    try {
        return await appTools(["clair"]);
    } catch (err) {
        if (err instanceof AppToolUnavailable) skipOutsideCi(context, err.message);
        throw err;
    }
}

/** An HTTP server on 127.0.0.1 answering GET and HEAD with the bytes `served` holds for a path (404 otherwise). */
export async function serveFiles(served: Map<string, Buffer>): Promise<{ server: http.Server; url: string }> {
    const server = http.createServer((req, res) => {
        const body = served.get(req.url ?? "");
        if (!body) return void res.writeHead(404).end();
        res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length }).end(req.method === "HEAD" ? undefined : body);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return { server, url: `http://127.0.0.1:${port}` };
}
export function describeClair(scrapes: Scrapes): void {
    describe("Clair v4.8.0 distributed, from the prod stack's rendered config, on three PostgreSQL servers with TLS", function () {
        this.timeout(300000);
        let tmp: string;
        let run: MockRun;
        let rendered: any;
        let tls: ThrowawayTls;
        let tools: Record<string, string>;
        const databases = {} as Record<Node, PostgresServer>;
        const databasePorts = {} as Record<Node, number>;
        const ports = {} as Record<Node, Ports>;
        const pods = {} as Record<Node, RenderedPod>;
        const volumes: PodVolumes[] = [];
        const running = {} as Record<Node, RunningContainer>;
        const pools = {} as Record<Node, number>;
        const peakConnections: Record<Node, number> = { indexer: 0, matcher: 0, notifier: 0 };
        let sampler: NodeJS.Timeout | undefined;
        /** Serves the image's layer and Red Hat's mapping files (empty: no RHEL content here). */
        let fileServer: http.Server | undefined;
        let manifestDigest: string;
        let filesUrl: string;
        const served = new Map<string, Buffer>([
            ["/repository-to-cpe.json", Buffer.from(JSON.stringify({ data: {} }))],
            ["/container-name-repos-map.json", Buffer.from(JSON.stringify({ data: {} }))],
            ...alpineSecdb(),
        ]);

        const podVolumesFor = (pod: RenderedPod, config: any) => {
            const files = structuredClone(pod.files);
            files.config = { ...files.config, "config.yaml": stringify(config) };
            const v = new PodVolumes(pod.volumes, files);
            volumes.push(v);
            return v;
        };
        const url = (node: Node, p: string) => `http://127.0.0.1:${ports[node].http}${p}`;
        const introspection = (node: Node, p: string) => `http://127.0.0.1:${ports[node].introspection}${p}`;
        const auth = (issuer = "quay", key = rendered.auth.psk.key) => ({ Authorization: `Bearer ${signedToken(key, issuer)}` });
        const deadProcess = (node: Node) => () =>
            running[node] && !running[node].running() ? `the ${node} process ended:\n${running[node].output().slice(-3000)}` : undefined;

        /** Runs a clairctl Job's own script in its own sandboxed pod, with the config of this machine. */
        const runJob = (job: string) => {
            const pod = podOf(run, "Job", job);
            const v = podVolumesFor(pod, localConfig(rendered, ports.indexer, ports, databasePorts, filesUrl));
            return v.run(containerOf(pod.spec, "clairctl"), { imageFiles: { [IMAGE_CLAIRCTL]: tools.clairctl }, timeoutMs: 120000 });
        };

        before(async function () {
            this.timeout(APP_TOOLS_TIMEOUT_MS);
            tools = await clairToolsOrSkip(this);
            ({ server: fileServer, url: filesUrl } = await serveFiles(served));
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "clair-real-"));
            // The postgres user runs the servers from folders under it.
            fs.chmodSync(tmp, 0o755);
            tls = makeThrowawayTls(path.join(tmp, "tls"));
            // The stack's own setting for a private database CA (RDS's are not in public trust stores).
            run = await runProgram("prod", { sets: { "clair.database.caBundle": tls.caPem } });
            const secret = objectOf(run, "Secret", "clair-config");
            rendered = parse(secret.stringData["config.yaml"]);
            for (const node of NODES) {
                pods[node] = podOf(run, WORKLOAD[node].kind, WORKLOAD[node].name);
                ports[node] = { http: await freePort(), introspection: await freePort() };
                databasePorts[node] = await freePort();
            }
            for (const node of NODES) {
                const c = parseConnstring(rendered[node].connstring);
                // The server gets the login the program gives that node's RDS instance, not the one in
                // the config: a node whose connstring carried another database's password could not log in.
                const rds = run.resources.filter((r) => r.type === "aws:rds/instance:Instance" && r.name === RDS_INSTANCE(node));
                assert.equal(rds.length, 1, `RDS instance ${RDS_INSTANCE(node)}`);
                const instance = unwrapSecrets(rds[0].inputs);
                assert.ok(
                    c.host.startsWith(`${instance.identifier}.`),
                    `${node}'s connstring names host ${c.host}, not its RDS instance ${instance.identifier}`,
                );
                pools[node] = Number(c.pool_max_conns);
                assert.ok(pools[node] >= 2, `${node} pool_max_conns ${c.pool_max_conns}`);
                // Room for the pool and nothing more: a node that opened more connections than its
                // pool would be refused by the server.
                databases[node] = new PostgresServer({
                    dir: path.join(tmp, `pg-${node}`),
                    port: databasePorts[node],
                    maxConnections: pools[node] + SUPERUSER_RESERVED,
                    tls,
                    user: instance.username,
                    password: instance.password,
                    database: instance.dbName,
                });
                databases[node].start();
            }
        });

        after(async function () {
            if (sampler) clearInterval(sampler);
            fileServer?.close();
            for (const node of NODES) await running[node]?.stop();
            for (const node of NODES) databases[node]?.stop();
            for (const v of volumes) v.cleanup();
            if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        });

        it("the rendered pods wire what Clair reads: CLAIR_CONF under the config mount, CLAIR_MODE per node, sslrootcert under the CA mount, probes on the config's introspection port", () => {
            for (const node of NODES) {
                const container = containerOf(pods[node].spec, "clair");
                assert.equal(envOf(container, "CLAIR_MODE"), node);
                const conf = envOf(container, "CLAIR_CONF")!;
                const confMount = container.volumeMounts!.find((m) => conf.startsWith(m.mountPath + "/"));
                assert.ok(confMount, `${node}: CLAIR_CONF ${conf} is under no mount`);
                assert.ok(
                    pods[node].files[confMount.name]?.[path.relative(confMount.mountPath, conf)],
                    `${node}: the ${confMount.name} volume has no ${path.relative(confMount.mountPath, conf)}`,
                );
                const rootCert = parseConnstring(rendered[node].connstring).sslrootcert;
                const caMount = container.volumeMounts!.find((m) => rootCert.startsWith(m.mountPath + "/"));
                assert.ok(caMount, `${node}: sslrootcert ${rootCert} is under no mount`);
                assert.equal(pods[node].files[caMount.name]?.[path.relative(caMount.mountPath, rootCert)], tls.caPem, `${node}: the CA file`);
                const introspectionPort = Number(rendered.introspection_addr.split(":").pop());
                const named = Object.fromEntries((container as any).ports.map((p: any) => [p.name, p.containerPort]));
                for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                    const port = (container as any)[probe].httpGet.port;
                    assert.equal(typeof port === "string" ? named[port] : port, introspectionPort, `${node} ${probe}`);
                }
            }
        });

        it("clairctl admin pre (the pre-upgrade Job's script) finds no tables on a first install and succeeds", () => {
            const result = runJob("clair-pre-v4-8-0");
            assert.equal(result.status, 0, result.output);
            assert.match(result.output, /no Clair tables yet|ok|done/i, result.output);
        });

        const startNode = (node: Node) => {
            const container = containerOf(pods[node].spec, "clair");
            const v = podVolumesFor(pods[node], localConfig(rendered, ports[node], ports, databasePorts, filesUrl));
            running[node] = v.start(container, { command: [IMAGE_CLAIR], imageFiles: { [IMAGE_CLAIR]: tools.clair } });
        };
        const probesAnswer = async (node: Node) => {
            const container = containerOf(pods[node].spec, "clair") as any;
            await waitFor(
                `${node} ready`,
                180000,
                async () => ((await httpGet(introspection(node, container.readinessProbe.httpGet.path))).status === 200 ? true : undefined),
                deadProcess(node),
            );
            for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                const r = await httpGet(introspection(node, container[probe].httpGet.path));
                assert.equal(r.status, 200, `${node} ${probe} ${container[probe].httpGet.path}: ${r.status} ${r.body}`);
            }
        };

        it("the indexer and the matcher start (CLAIR_MODE from each pod), run their migrations and answer the probes on the introspection port", async function () {
            this.timeout(240000);
            for (const node of ["indexer", "matcher"] as const) {
                startNode(node);
            }
            sampler = setInterval(() => {
                for (const node of NODES) {
                    try {
                        const n = Number(
                            databases[node].sql(
                                "postgres",
                                `SELECT count(*) FROM pg_stat_activity WHERE usename <> 'postgres' AND backend_type = 'client backend'`,
                            ),
                        );
                        peakConnections[node] = Math.max(peakConnections[node], n);
                    } catch {
                        // the server is stopping
                    }
                }
            }, 250);
            for (const node of ["indexer", "matcher"] as const) await probesAnswer(node);
        });

        it("the API refuses a request without a token, with a wrong key or an unknown issuer (401), and serves one Quay signed", async () => {
            const state = "/indexer/api/v1/index_state";
            assert.equal((await httpGet(url("indexer", state))).status, 401);
            assert.equal((await httpGet(url("indexer", state), auth("quay", Buffer.from("not the shared key").toString("base64")))).status, 401);
            assert.equal((await httpGet(url("indexer", state), auth("someone-else"))).status, 401);
            const ok = await httpGet(url("indexer", state), auth("quay"));
            assert.equal(ok.status, 200, ok.body);
            assert.ok(JSON.parse(ok.body).state, ok.body);
            assert.equal((await httpGet(url("matcher", "/matcher/api/v1/vulnerability_report/sha256:" + "0".repeat(64)))).status, 401);
        });

        it("an image whose layer a local server serves is indexed by the indexer, and its vulnerability report comes from the matcher", async function () {
            this.timeout(180000);
            const layer = alpineLayer(tmp);
            const layerDigest = `sha256:${createHash("sha256").update(layer).digest("hex")}`;
            served.set(`/v2/sscan/test/blobs/${layerDigest}`, layer);
            manifestDigest = `sha256:${createHash("sha256").update(`sscan test manifest ${layerDigest}`).digest("hex")}`;
            const manifest = { hash: manifestDigest, layers: [{ hash: layerDigest, uri: `${filesUrl}/v2/sscan/test/blobs/${layerDigest}`, headers: {} }] };
            const indexed = await fetch(url("indexer", "/indexer/api/v1/index_report"), {
                method: "POST",
                headers: { ...auth(), "Content-Type": "application/json" },
                body: JSON.stringify(manifest),
                signal: AbortSignal.timeout(150000),
            });
            const report = JSON.parse(await indexed.text());
            assert.equal(indexed.status, 201, JSON.stringify(report));
            assert.equal(report.state, "IndexFinished", JSON.stringify(report));
            assert.ok(report.success, JSON.stringify(report));
            const packages = Object.values(report.packages ?? {}) as any[];
            assert.ok(
                packages.some((p) => p.name === "musl" && p.version === IMAGE_MUSL),
                JSON.stringify(report.packages),
            );
            // The matcher answers 202 until its updaters have stored a first feed (claircore's Initialized).
            const vulnerability = await waitFor(
                "a vulnerability report from the matcher",
                150000,
                async () => {
                    const r = await httpGet(url("matcher", `/matcher/api/v1/vulnerability_report/${manifestDigest}`), auth());
                    return r.status === 202 ? undefined : r;
                },
                deadProcess("matcher"),
            );
            assert.equal(vulnerability.status, 200, vulnerability.body);
            const vr = JSON.parse(vulnerability.body);
            assert.equal(vr.manifest_hash, manifestDigest);
            const musl = Object.entries(vr.packages ?? {}).find(([, p]: [string, any]) => p.name === "musl");
            assert.ok(musl, vulnerability.body);
            const found = (vr.package_vulnerabilities?.[musl[0]] ?? []).map((id: string) => vr.vulnerabilities[id]);
            assert.deepEqual(
                found.map((v: any) => [v.name, v.fixed_in_version]),
                [[ADVISORY.id, ADVISORY.fixedIn]],
                vulnerability.body,
            );
        });

        it("the notifier starts after that, polls the matcher's update operations and asks the indexer which manifests they affect; its API wants a token too", async function () {
            this.timeout(120000);
            startNode("notifier");
            await probesAnswer("notifier");
            // The alpine updater's operation reaches the notifier's processor, which asks the indexer
            // (its rendered indexer_addr, signed as clair-intraservice) for the affected manifests.
            await waitFor(
                "the notifier's affected-manifest request to the indexer",
                60000,
                async () =>
                    /"request_uri":"\/indexer\/api\/v1\/internal\/affected_manifest\/","status":200/.test(running.indexer.output()) ? true : undefined,
                deadProcess("notifier"),
            );
            const page = `/notifier/api/v1/notification/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}`;
            assert.equal((await httpGet(url("notifier", page))).status, 401);
            const signed = await httpGet(url("notifier", page), auth());
            assert.ok([200, 404].includes(signed.status), `${signed.status} ${signed.body}`);
        });

        it("each node migrated its own database, through its own credentials, and no other", () => {
            for (const node of NODES) {
                const tables = databases[node]
                    .sql(parseConnstring(rendered[node].connstring).dbname, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    .split("\n");
                for (const other of NODES) {
                    assert.equal(
                        tables.includes(OWN_TABLE[other]),
                        other === node,
                        `${node}'s database ${other === node ? "lacks" : "holds"} ${OWN_TABLE[other]}: ${tables.join(", ")}`,
                    );
                }
                const log = databases[node].log();
                assert.match(
                    log,
                    /connection authorized: user=\S+ database=\S+ .*SSL enabled/,
                    `${node}: no TLS login in the server log:\n${log.slice(-2000)}`,
                );
            }
        });

        it("the indexer refuses index requests over its concurrency limit with 429, and stays ready", async function () {
            this.timeout(60000);
            // The rendered index_report_request_concurrency (without one, Clair sizes it as GOMAXPROCS x 4,
            // config/indexer.go): hold more requests than the limit open, each with half its body sent, so each holds its slot.
            const held = Number(rendered.indexer.index_report_request_concurrency) || os.cpus().length * 4;
            const body = JSON.stringify({ hash: `sha256:${"1".repeat(64)}`, layers: [] });
            const statuses: Promise<number>[] = [];
            const requests: http.ClientRequest[] = [];
            for (let i = 0; i < held + 4; i++) {
                const req = http.request(url("indexer", "/indexer/api/v1/index_report"), {
                    method: "POST",
                    headers: { ...auth(), "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
                });
                statuses.push(
                    new Promise((resolve, reject) => {
                        req.on("response", (res) => {
                            res.resume();
                            resolve(res.statusCode!);
                        });
                        req.on("error", reject);
                    }),
                );
                req.write(body.slice(0, 10));
                requests.push(req);
            }
            // Clair writes the 429 as soon as the semaphore is full but the client sees it only once its
            // body is sent: wait for the indexer's own count of refusals, then finish every body.
            const limited = async () => {
                const text = (await httpGet(introspection("indexer", "/metrics"))).body;
                return text
                    .split("\n")
                    .filter((l) => l.startsWith("clair_http_concurrencylimited_total{"))
                    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
            };
            await waitFor("the indexer's count of refused requests", 30000, async () => ((await limited()) >= 4 ? true : undefined), deadProcess("indexer"));
            for (const req of requests) req.end(body.slice(10));
            const answers = await Promise.all(statuses);
            const refused = answers.filter((s) => s === 429).length;
            assert.equal(refused, await limited(), `answers ${JSON.stringify(answers)}`);
            assert.ok(refused >= 4, `${refused} requests refused`);
            assert.equal((await httpGet(introspection("indexer", "/readyz"))).status, 200);
        });

        it("no node opened more connections than its pool, and every pod at peak fits the RDS instance's max_connections", function () {
            for (const node of NODES) {
                assert.ok(peakConnections[node] > 0, `${node}: no connection seen`);
                assert.ok(peakConnections[node] <= pools[node], `${node}: ${peakConnections[node]} connections, pool_max_conns ${pools[node]}`);
                const log = databases[node].log();
                assert.doesNotMatch(log, /too many clients|remaining connection slots/, `${node}: refused connections`);
            }
            // RDS's PostgreSQL default: max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000); the prod
            // stack's db.m6g.xlarge has 16 GiB, and DBInstanceClassMemory is less than that: an upper bound.
            const rdsUpperBound = Math.min(Math.floor((16 * 1024 ** 3) / 9531392), 5000);
            const replicas = (node: Node) => objectOf(run, WORKLOAD[node].kind, WORKLOAD[node].name).spec.replicas as number;
            for (const node of NODES) {
                // A Deployment's rolling update adds a pod before it removes one (maxSurge); the StatefulSet replaces in place.
                const peakPods = replicas(node) + (WORKLOAD[node].kind === "Deployment" ? 1 : 0);
                assert.ok(peakPods * pools[node] < rdsUpperBound, `${node}: ${peakPods} pods x ${pools[node]} connections >= ${rdsUpperBound}`);
            }
        });

        it("clairctl admin post (the post-upgrade Job's script) runs against the migrated databases", () => {
            const result = runJob("clair-post-v4-8-0");
            assert.equal(result.status, 0, result.output);
            const pre = runJob("clair-pre-v4-8-0");
            assert.equal(pre.status, 0, pre.output);
            assert.doesNotMatch(pre.output, /no Clair tables yet/, "after the migrations, admin pre has tables to work on");
        });

        it("each node serves Prometheus metrics on its introspection port after that traffic", async () => {
            for (const node of NODES) {
                const r = await httpGet(introspection(node, "/metrics"));
                assert.equal(r.status, 200);
                assert.match(r.body, /^# TYPE /m);
                scrapes.add("clair", `clair ${node} /metrics`, r.body);
            }
        });
    });
}
