/**
 * Malwar 0.4.0's API as the prod stack renders its Deployment, run here as OpenShift runs the pod
 * (test/real/pod-sandbox.ts: uid 1000680000, group 0, read-only root, only the pod's volumes
 * writable), from the venv scripts/malwar-app.sh installs (Python 3.13, the release's wheel, pinned
 * dependencies); then the backup CronJob's snapshot container against that live database.
 * What each check expects comes from the rendered objects (probes, env, ConfigMap and Secret, the
 * claim's mount) or from Malwar's documented behaviour, never from the program's constants.
 *
 * Substitutions, each because this machine is not the image (ghcr.io/ap6pack/malwar:0.4.0, built
 * FROM python:3.13-slim with `pip install --prefix=/install .` copied to /usr/local):
 *  - the image's entry point, when the container gives no command: IMAGE_ENTRYPOINT below, as the
 *    release's Dockerfile (v0.4.0) declares it; `uvicorn` and `python3` are found on PATH;
 *  - PATH: the venv's bin folder first, standing for the image's /usr/local/bin (uvicorn, python3);
 *  - the venv and its Python 3.13 live in root's 0700 home: shown read-only at their own paths
 *    (apps/image-sandbox.ts, imagePaths), as the image's files are;
 *  - the image's WORKDIR /app -> an empty folder under the pod's folder (both hold no `.env`, which
 *    Malwar's settings would read from the working directory);
 *  - the image's ENV (IMAGE_ENV below) is set under the container's own env, which overrides it as
 *    Kubernetes does; MALWAR_WEB_DIST names the frontend build, absent here: the image serves the
 *    single-page app from a catch-all GET route, which this run does not have (the API's routes
 *    are matched before it, so nothing checked here depends on it);
 *  - the backup's snapshot container runs `python3` from the same image: the venv's python3.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runProgram, type MockRun } from "../../../tools/mock-run";
import { OPENSHIFT_FSGROUP, OPENSHIFT_UID, sandboxAvailable, type RenderedContainer, type RunningContainer } from "../pod-sandbox";
import { ImagePodVolumes } from "./image-sandbox";
import { mountOver } from "../../helpers";
import { containerOf, objectOf, podOf, type RenderedPod, portOf } from "./rendered";
import { httpGet, type Scrapes } from "./scrapes";
import { waitForPort } from "./sockets";

const ROOT = path.resolve(__dirname, "../../..");

/** The release's Dockerfile (Ap6pack/malwar v0.4.0): ENTRYPOINT, WORKDIR and ENV. */
const IMAGE_ENTRYPOINT = ["uvicorn", "malwar.api.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"];
const IMAGE_ENV = { MALWAR_DB_PATH: "/data/malwar.db", MALWAR_WEB_DIST: "/app/web/dist", LANG: "C.UTF-8" };
/** python:3.13-slim's PATH, behind which the venv's bin stands for /usr/local/bin. */
const IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Exit code of scripts/malwar-app.sh when no Python 3.13 is found. */
const NO_PYTHON_313 = 3;
/** Cold: about 50 s here (pip fetching 41 packages); warm: under a second. */
const MALWAR_APP_TIMEOUT_MS = 600_000;

interface MalwarApp {
    venv: string;
    /** The Python installation the venv was made from (pyvenv.cfg's home, one level up). */
    basePrefix: string;
}

/** Runs scripts/malwar-app.sh (its messages pass through to stderr); undefined with the reason when no Python 3.13 is found. */
function malwarApp(): Promise<MalwarApp | { missing: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [path.join(ROOT, "scripts/malwar-app.sh")], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => {
            err += d;
            process.stderr.write(d);
        });
        child.on("error", reject);
        child.on("close", (status) => {
            if (status === NO_PYTHON_313) return resolve({ missing: err.trim() });
            if (status !== 0) return reject(new Error(`scripts/malwar-app.sh failed (exit ${status}): ${err.trim()}`));
            const venv = path.join(out.trim(), "venv");
            const home = /^home\s*=\s*(.+)$/m.exec(fs.readFileSync(path.join(venv, "pyvenv.cfg"), "utf8"))?.[1].trim();
            if (!home) return reject(new Error(`${venv}/pyvenv.cfg names no home`));
            resolve({ venv, basePrefix: path.dirname(home) });
        });
    });
}

/** A container's environment as the kubelet builds it: envFrom (ConfigMaps, Secrets) first, then env (literal values and valueFrom), which wins. */
function resolvedEnv(run: MockRun, container: any): Record<string, string> {
    const secretData = (name: string): Record<string, string> => {
        const secret = objectOf(run, "Secret", name);
        return {
            ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, b]) => [k, Buffer.from(String(b), "base64").toString()])),
            ...(secret.stringData ?? {}),
        };
    };
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
        const data = from.configMapRef
            ? (objectOf(run, "ConfigMap", from.configMapRef.name).data ?? {})
            : from.secretRef
              ? secretData(from.secretRef.name)
              : undefined;
        assert.ok(data, `envFrom of a kind this test does not resolve: ${JSON.stringify(from)}`);
        for (const [k, v] of Object.entries<string>(data)) env[`${from.prefix ?? ""}${k}`] = v;
    }
    for (const e of container.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.configMapKeyRef) env[e.name] = objectOf(run, "ConfigMap", e.valueFrom.configMapKeyRef.name).data[e.valueFrom.configMapKeyRef.key];
        else if (e.valueFrom?.secretKeyRef) env[e.name] = secretData(e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key];
        else assert.fail(`env ${e.name} of a kind this test does not resolve: ${JSON.stringify(e)}`);
    }
    return env;
}

/** The volume mounted over `file` in a container, and where the file lies inside it. */
function volumeHolding(container: RenderedContainer, file: string): { volume: string; relative: string } {
    const mount = mountOver(container, file);
    assert.ok(mount, `no volume of ${container.name} is mounted over ${file}`);
    return { volume: mount.name, relative: path.relative(mount.mountPath, file) };
}

/** Runs Python (the venv's, as root) over a SQLite file: its tables, and whether a scan id is in `scans`. */
function sqliteFacts(python: string, file: string, scanId: string): { tables: string[]; scanFound: boolean; integrity: string } {
    const r = spawnSync(
        python,
        [
            "-c",
            [
                "import json, sqlite3, sys",
                "c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True)",
                "tables = sorted(r[0] for r in c.execute(\"select name from sqlite_schema where type = 'table' and name not like 'sqlite_%'\"))",
                "found = c.execute('select count(*) from scans where id = ?', (sys.argv[2],)).fetchone()[0] == 1 if 'scans' in tables else False",
                "print(json.dumps({'tables': tables, 'scanFound': found, 'integrity': c.execute('pragma integrity_check').fetchone()[0]}))",
            ].join("\n"),
            file,
            scanId,
        ],
        { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

export function describeMalwar(_scrapes: Scrapes): void {
    describe("Malwar: the API from the rendered Deployment, and the backup's snapshot of its live database", function () {
        this.timeout(120000);
        let run: MockRun;
        let app: MalwarApp;
        let pod: RenderedPod;
        let container: RenderedContainer & Record<string, any>;
        let env: Record<string, string>;
        let volumes: ImagePodVolumes;
        let backupVolumes: ImagePodVolumes | undefined;
        let malwar: RunningContainer | undefined;
        let port: number;
        let apiKeys: string[];
        let scanId: string;
        const url = (p: string) => `http://127.0.0.1:${port}${p}`;

        before(async function () {
            this.timeout(MALWAR_APP_TIMEOUT_MS);
            const noSandbox = sandboxAvailable();
            const found = noSandbox ? undefined : await malwarApp();
            const missing = noSandbox ?? (found && "missing" in found ? found.missing : undefined);
            if (missing) {
                if (process.env.CI) throw new Error(`cannot run Malwar from the rendered pod: ${missing}`);
                console.log(`      skipped: ${missing}`);
                this.skip();
            }
            app = found as MalwarApp;
            run = await runProgram("prod");
            pod = podOf(run, "Deployment", "malwar");
            container = containerOf(pod.spec, "malwar") as any;
            env = { ...IMAGE_ENV, ...resolvedEnv(run, container), PATH: `${app.venv}/bin:${IMAGE_PATH}` };
            volumes = new ImagePodVolumes(pod.volumes, pod.files);
            const workdir = path.join(volumes.root, "image-workdir");
            fs.mkdirSync(workdir, { mode: 0o755 });
            volumes.withImage({ imagePaths: [app.venv, app.basePrefix], workingDir: workdir });
            // The port the Service sends clients to, on this container.
            const service = objectOf(run, "Service", "malwar");
            assert.equal(service.spec.ports.length, 1, JSON.stringify(service.spec.ports));
            port = portOf(container, service.spec.ports[0].targetPort ?? service.spec.ports[0].port);
            const command = container.command || container.args ? [...(container.command ?? IMAGE_ENTRYPOINT), ...(container.args ?? [])] : IMAGE_ENTRYPOINT;
            malwar = volumes.start(container, { env, command });
            await waitForPort(port, 90000, () => malwar!.running()).catch((err) => {
                throw new Error(`${err.message}; Malwar's output:\n${malwar!.output()}`);
            });
        });
        after(async () => {
            await malwar?.stop();
            backupVolumes?.cleanup();
            volumes?.cleanup();
        });

        it("answers the rendered liveness and readiness probes on their port (the Service's target port), with the health and database status Malwar reports", async () => {
            const bodies: Record<string, any> = {};
            for (const kind of ["startupProbe", "livenessProbe", "readinessProbe"] as const) {
                const p = container[kind];
                if (!p) continue;
                assert.ok(p.httpGet, `${kind} is not an HTTP GET: ${JSON.stringify(p)}`);
                assert.equal(portOf(container, p.httpGet.port), port, `${kind} probes another port than the Service's`);
                const r = await httpGet(url(p.httpGet.path));
                assert.ok(r.status >= 200 && r.status < 400, `${kind} GET ${p.httpGet.path}: ${r.status} ${r.body}`);
                bodies[p.httpGet.path] = JSON.parse(r.body);
            }
            // Malwar's own answers (its health routes): the readiness route answers 200 even with
            // the database down, so its body says whether the database is connected.
            assert.deepEqual(Object.keys(bodies).sort(), ["/api/v1/health", "/api/v1/ready"]);
            assert.equal(bodies["/api/v1/health"].status, "ok");
            assert.deepEqual(bodies["/api/v1/ready"], { status: "ready", database: "connected" });
        });

        it("creates its SQLite database at the rendered MALWAR_DB_PATH on the data claim's folder, owned by the arbitrary UID, in WAL mode", () => {
            const dbPath = env.MALWAR_DB_PATH;
            assert.ok(dbPath, "no MALWAR_DB_PATH in the rendered env");
            const { volume, relative } = volumeHolding(container, dbPath);
            assert.ok(pod.volumes.find((v) => v.name === volume)?.persistentVolumeClaim, `${dbPath} is on volume ${volume}, not a claim`);
            const file = path.join(volumes.dir(volume), relative);
            assert.ok(fs.existsSync(file), `${file}: Malwar's output:\n${malwar!.output()}`);
            const stat = fs.statSync(file);
            assert.equal(stat.uid, OPENSHIFT_UID);
            // The claim's folder is setgid to the pod's fsGroup, as the kubelet prepares it.
            assert.equal(stat.gid, OPENSHIFT_FSGROUP);
            assert.ok(fs.existsSync(`${file}-wal`) && fs.existsSync(`${file}-shm`), "no -wal/-shm beside the database");
        });

        it("refuses a protected endpoint without the API key (401) or with another (403), and serves it with a configured key", async () => {
            assert.ok(env.MALWAR_API_KEYS, "the rendered env sets no MALWAR_API_KEYS");
            apiKeys = JSON.parse(env.MALWAR_API_KEYS);
            assert.ok(Array.isArray(apiKeys) && apiKeys.length > 0, env.MALWAR_API_KEYS);
            assert.equal((await httpGet(url("/api/v1/scans"))).status, 401);
            assert.equal((await httpGet(url("/api/v1/scans"), { "X-API-Key": `not-${apiKeys[0]}` })).status, 403);
            const listed = await httpGet(url("/api/v1/scans"), { "X-API-Key": apiKeys[0] });
            assert.equal(listed.status, 200, listed.body);
            // A scan (the rule engine only: no network, no LLM) written to the database.
            const skill = "---\nname: sscan-test\nauthor: sscan\n---\n# A skill\n\nRun `echo hello`.\n";
            const refused = await fetch(url("/api/v1/scan"), {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ content: skill }),
            });
            assert.equal(refused.status, 401);
            const res = await fetch(url("/api/v1/scan"), {
                method: "POST",
                headers: { "content-type": "application/json", "X-API-Key": apiKeys[0] },
                body: JSON.stringify({ content: skill, layers: ["rule_engine"], use_llm: false }),
                signal: AbortSignal.timeout(30000),
            });
            const scan = await res.json();
            assert.equal(res.status, 200, JSON.stringify(scan));
            scanId = scan.scan_id;
            assert.ok(scanId, JSON.stringify(scan));
            const after = JSON.parse((await httpGet(url("/api/v1/scans"), { "X-API-Key": apiKeys[0] })).body);
            assert.ok(
                after.some((s: any) => s.scan_id === scanId),
                JSON.stringify(after),
            );
        });

        it("serves no /metrics (Malwar 0.4.0 has no metrics route), so no scrape of Malwar is recorded", async () => {
            // Were that to change, this fails: record the scrape with scrapes.add("malwar", ...) and add a monitor.
            const r = await httpGet(url("/metrics"));
            assert.equal(r.status, 404, r.body.slice(0, 200));
        });

        it("the backup CronJob's snapshot container, run against the live database, writes a copy that opens and holds Malwar's tables and the scan just made", () => {
            assert.ok(scanId, "no scan was made (the previous test failed)");
            const backup = podOf(run, "CronJob", "malwar-backup");
            // The snapshot: the init container that mounts the claim Malwar's pod mounts.
            const claimOf = (p: RenderedPod, name: string) => p.volumes.find((v) => v.name === name)?.persistentVolumeClaim?.claimName;
            const malwarData = volumeHolding(container, env.MALWAR_DB_PATH).volume;
            const snapshotContainer: RenderedContainer | undefined = (backup.spec.initContainers ?? []).find((c: RenderedContainer) =>
                (c.volumeMounts ?? []).some((m) => claimOf(backup, m.name) === claimOf(pod, malwarData)),
            );
            assert.ok(snapshotContainer, `no init container of the backup mounts the claim ${claimOf(pod, malwarData)}`);
            const dataMount = snapshotContainer.volumeMounts!.find((m) => claimOf(backup, m.name) === claimOf(pod, malwarData))!;
            backupVolumes = new ImagePodVolumes(backup.volumes, backup.files).withImage({ imagePaths: [app.venv, app.basePrefix] });
            // One claim, one disk: the backup pod's claim folder is Malwar's.
            const claimDir = backupVolumes.dir(dataMount.name);
            fs.rmdirSync(claimDir);
            fs.symlinkSync(volumes.dir(malwarData), claimDir);
            const result = backupVolumes.run(snapshotContainer, { env: { ...IMAGE_ENV, PATH: `${app.venv}/bin:${IMAGE_PATH}` } });
            assert.equal(result.status, 0, result.output);
            // Malwar is still running and serving: the copy was taken from the live database.
            assert.ok(malwar!.running(), malwar!.output());
            const outDir = (() => {
                const args = [...(snapshotContainer.command ?? []), ...(snapshotContainer.args ?? [])];
                const i = args.indexOf("--out-dir");
                assert.ok(i >= 0, args.join(" "));
                return volumeHolding(snapshotContainer, path.join(args[i + 1], "x"));
            })();
            const written = fs.readdirSync(backupVolumes.dir(outDir.volume));
            assert.equal(written.length, 1, JSON.stringify(written));
            const copy = path.join(backupVolumes.dir(outDir.volume), written[0]);
            assert.equal(fs.statSync(copy).uid, OPENSHIFT_UID);
            const python = path.join(app.venv, "bin", "python3");
            const facts = sqliteFacts(python, copy, scanId);
            const live = sqliteFacts(python, path.join(volumes.dir(malwarData), volumeHolding(container, env.MALWAR_DB_PATH).relative), scanId);
            assert.equal(facts.integrity, "ok");
            assert.deepEqual(facts.tables, live.tables);
            for (const table of ["scans", "findings", "api_keys", "audit_log", "schema_migrations"])
                assert.ok(facts.tables.includes(table), `${table} not in ${facts.tables.join(", ")}`);
            assert.ok(facts.scanFound, `scan ${scanId} is not in the copy`);
        });
    });
}
