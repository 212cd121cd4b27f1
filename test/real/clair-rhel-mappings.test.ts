/**
 * Disconnected Clair's RHEL mapping files, run for real: Clair v4.8.0's indexer (the binary built
 * from Clair's source, scripts/app-tools.sh) in the pod sandbox, with the config the local stack
 * renders in disconnected mode (indexer.airgap on) and the indexer pod's volumes where the rendered
 * StatefulSet mounts them; the ConfigMap the operator creates is stood in for by its two keys, laid
 * out as the kubelet projects the volume's items.
 *
 * What changes on one machine, and nothing else: the indexer's connstring (host and port of a
 * PostgreSQL server here, and sslmode require: the local stack's in-cluster database speaks plain
 * TCP, the test's server only TLS), the two listen addresses, and log_level debug. The mapping
 * paths and airgap are the rendered ones.
 *
 * Shown: a layer carrying a content manifest (as Red Hat's images do) is indexed with the
 * repository CPE the mounted repository-to-cpe file maps its content set to; and the same config
 * without the two scanner keys (disconnected mode as it was before them) fails every index
 * request, a Red Hat image or not, since claircore's rhel repository scanner has no mapping and
 * cannot fetch one.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { gzipSync } from "zlib";
import { parse, stringify } from "yaml";
import { runProgram, stackConfig } from "../../tools/mock-run";
import { freePort } from "../host-tools";
import { formatConnstring, parseConnstring } from "../libpq";
import { PodVolumes, type RenderedVolume, type RunningContainer } from "./pod-sandbox";
import { PostgresServer } from "./apps/postgres";
import { containerOf, objectOf } from "./apps/rendered";
import { clairToolsOrSkip, serveFiles, signedToken } from "./apps/clair";
import { httpGet } from "./apps/scrapes";
import { makeThrowawayTls } from "./apps/tls";
import { APP_TOOLS_TIMEOUT_MS } from "./apps/tools";

/** The image's entrypoint (quay/clair Dockerfile at v4.8.0). */
const IMAGE_CLAIR = "/bin/clair";
/** A content set of RHEL 9 and the CPE Red Hat's repository-to-cpe.json maps it to (its format: {"data": {set: {"cpes": [...]}}}). */
const CONTENT_SET = "rhel-9-for-x86_64-baseos-rpms";
const CPE = "cpe:/o:redhat:enterprise_linux:9::baseos";

/**
 * A layer as Red Hat's build system leaves it (a content manifest naming the layer's content
 * sets), or with `redHat` false one with nothing of Red Hat's in it (a file under /etc).
 */
function layer(dir: string, tag: string, redHat: boolean): Buffer {
    const root = path.join(dir, `layer-${tag}`);
    if (redHat) {
        fs.mkdirSync(path.join(root, "root/buildinfo/content_manifests"), { recursive: true });
        fs.writeFileSync(
            path.join(root, "root/buildinfo/content_manifests", `sscan-${tag}.json`),
            JSON.stringify({
                metadata: { icm_version: 1, icm_spec: "https://example.invalid/icm", image_layer_index: 0 },
                content_sets: [CONTENT_SET],
                image_contents: [],
            }),
        );
    } else {
        fs.mkdirSync(path.join(root, "etc"), { recursive: true });
        fs.writeFileSync(path.join(root, "etc", "sscan-test"), `${tag}\n`);
    }
    const archive = path.join(dir, `layer-${tag}.tar.gz`);
    execFileSync("tar", ["--owner=0", "--group=0", "-czf", archive, "-C", root, redHat ? "root" : "etc"]);
    return fs.readFileSync(archive);
}

describe("Disconnected Clair: the indexer reads Red Hat's mapping files where the rendered pod mounts them", function () {
    this.timeout(300000);
    let tmp: string;
    let tools: Record<string, string>;
    let database: PostgresServer;
    let databasePort: number;
    let rendered: any;
    let template: any;
    let fileServer: http.Server | undefined;
    let filesUrl: string;
    const served = new Map<string, Buffer>();
    const volumes: PodVolumes[] = [];
    let running: RunningContainer | undefined;

    before(async function () {
        this.timeout(APP_TOOLS_TIMEOUT_MS);
        tools = await clairToolsOrSkip(this);
        assert.equal(JSON.parse(stackConfig("local")["scanning-platform:clair"]).disconnected.enabled, true, "the local stack is disconnected");
        const run = await runProgram("local");
        rendered = parse(objectOf(run, "Secret", "clair-config").stringData["config.yaml"]);
        template = objectOf(run, "StatefulSet", "clair-indexer").spec.template;
        ({ server: fileServer, url: filesUrl } = await serveFiles(served));
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "clair-rhel-mappings-"));
        fs.chmodSync(tmp, 0o755);
        const c = parseConnstring(rendered.indexer.connstring);
        databasePort = await freePort();
        database = new PostgresServer({
            dir: path.join(tmp, "pg"),
            port: databasePort,
            maxConnections: Number(c.pool_max_conns) + 3,
            tls: makeThrowawayTls(path.join(tmp, "tls")),
            user: c.user,
            password: c.password,
            database: c.dbname,
        });
        database.start();
    });

    afterEach(async () => {
        await running?.stop();
        running = undefined;
    });

    after(() => {
        fileServer?.close();
        database?.stop();
        for (const v of volumes) v.cleanup();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    /**
     * Starts the rendered indexer container with `config` and the ConfigMap's keys (key -> content),
     * each projected at its item's path as the kubelet does; waits until /readyz answers.
     */
    async function startIndexer(config: any, configMapKeys: Record<string, Buffer>): Promise<{ api: string; output: () => string }> {
        const ports = { http: await freePort(), introspection: await freePort() };
        const local = structuredClone(config);
        local.indexer.connstring = formatConnstring({
            ...parseConnstring(local.indexer.connstring),
            host: "127.0.0.1",
            port: String(databasePort),
            sslmode: "require",
        });
        local.http_listen_addr = `127.0.0.1:${ports.http}`;
        local.introspection_addr = `127.0.0.1:${ports.introspection}`;
        local.log_level = "debug";
        const spec = template.spec;
        const claims = (spec.volumes as RenderedVolume[]).concat([{ name: "layers", emptyDir: {} }]);
        const files: Record<string, Record<string, string | Buffer>> = {};
        for (const v of spec.volumes) {
            if (v.secret) files[v.name] = { "config.yaml": stringify(local) };
            if (v.configMap)
                files[v.name] = Object.fromEntries(
                    (v.configMap.items ?? []).map((i: any) => [i.path, configMapKeys[i.key] ?? assert.fail(`the ConfigMap stand-in has no key ${i.key}`)]),
                );
        }
        const pod = new PodVolumes(
            claims.filter((v, i, all) => all.findIndex((w) => w.name === v.name) === i),
            files,
        );
        volumes.push(pod);
        const container = containerOf(spec, "clair");
        const started = pod.start(container, { command: [IMAGE_CLAIR], imageFiles: { [IMAGE_CLAIR]: tools.clair } });
        running = started;
        const deadline = Date.now() + 120000;
        for (;;) {
            if (!started.running()) assert.fail(`the indexer ended:\n${started.output().slice(-3000)}`);
            try {
                if ((await httpGet(`http://127.0.0.1:${ports.introspection}/readyz`)).status === 200) break;
            } catch {
                // not listening yet
            }
            if (Date.now() > deadline) assert.fail(`the indexer was not ready in 120 s:\n${started.output().slice(-3000)}`);
            await new Promise((r) => setTimeout(r, 500));
        }
        return { api: `http://127.0.0.1:${ports.http}`, output: started.output };
    }

    /** Posts a one-layer manifest (the layer served here; airgap admits loopback) and returns the index report. */
    async function index(api: string, tag: string, redHat = true): Promise<any> {
        const blob = layer(tmp, tag, redHat);
        const layerDigest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
        served.set(`/blobs/${layerDigest}`, blob);
        const manifest = {
            hash: `sha256:${createHash("sha256").update(`sscan rhel mappings ${tag}`).digest("hex")}`,
            layers: [{ hash: layerDigest, uri: `${filesUrl}/blobs/${layerDigest}`, headers: {} }],
        };
        const token = signedToken(rendered.auth.psk.key, "quay");
        const res = await fetch(`${api}/indexer/api/v1/index_report`, {
            method: "POST",
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
            body: JSON.stringify(manifest),
            signal: AbortSignal.timeout(150000),
        });
        return { status: res.status, report: JSON.parse(await res.text()) };
    }

    it("the rendered config: airgap on, each RHEL scanner reads a file and fetches nothing", () => {
        assert.equal(rendered.indexer.airgap, true);
        const repo = rendered.indexer.scanner.repo["rhel-repository-scanner"];
        const container = rendered.indexer.scanner.package.rhel_containerscanner;
        assert.deepEqual(Object.keys(repo), ["repo2cpe_mapping_file"]);
        assert.deepEqual(Object.keys(container), ["name2repos_mapping_file"]);
    });

    it("with the ConfigMap's files mounted (one gzip'd), a Red Hat layer is indexed with the repository CPE the mounted file maps its content set to", async () => {
        const mappings = JSON.parse(stackConfig("local")["scanning-platform:clair"]).disconnected.rhelMappings;
        const repo2cpeKey = mappings.repo2cpeKey ?? "repository-to-cpe.json";
        const name2reposKey = mappings.name2reposKey ?? "container-name-repos-map.json";
        const indexer = await startIndexer(rendered, {
            [repo2cpeKey]: Buffer.from(
                JSON.stringify({ data: { [CONTENT_SET]: { cpes: [CPE], repo_relative_urls: ["content/dist/rhel9/9/x86_64/baseos/os"] } } }),
            ),
            // Compressed, as an operator fitting both files into one ConfigMap would store it: claircore detects gzip by its magic bytes.
            [name2reposKey]: gzipSync(Buffer.from(JSON.stringify({ data: {} }))),
        });
        const { status, report } = await index(indexer.api, "mounted");
        assert.equal(status, 201, JSON.stringify(report));
        assert.equal(report.state, "IndexFinished", JSON.stringify(report));
        const repositories = Object.values(report.repository ?? {}) as any[];
        assert.ok(
            repositories.some((r) => r.name === CPE && r.key === "rhel-cpe-repository"),
            `repositories: ${JSON.stringify(report.repository)}`,
        );
        // Neither scanner was dropped for a configuration it could not load.
        assert.doesNotMatch(indexer.output(), /configuration failed/, indexer.output().slice(-3000));
    });

    it("without the two scanner keys (disconnected mode before them), every image fails to index, Red Hat's or not", async () => {
        const before = structuredClone(rendered);
        delete before.indexer.scanner;
        const indexer = await startIndexer(before, { "repository-to-cpe.json": Buffer.from("{}"), "container-name-repos-map.json": Buffer.from("{}") });
        // The scanner's fetch of Red Hat's file is refused by airgap; its scan of any layer then fails
        // (claircore v1.5.32 rhel/repositoryscanner.go), and with it the whole index.
        for (const redHat of [true, false]) {
            const { status, report } = await index(indexer.api, `unmapped-${redHat}`, redHat);
            assert.equal(status, 500, JSON.stringify(report));
            assert.match(report.message, /failed to scan all layer contents: .*rhel: unable to create a mappingFile object/, JSON.stringify(report));
        }
    });
});
