/**
 * ClamAV as the prod stack renders it, run here as OpenShift runs the pod (test/real/pod-sandbox.ts:
 * uid 1000680000, group 0, read-only root, only the pod's volumes writable): Debian's clamd (ClamAV
 * 1.4, /usr/sbin/clamd) with the rendered command and clamd.conf, on a test database, then the
 * exporter sidecar as rendered, from the exporter built by scripts/app-tools.sh. What each check
 * expects comes from the rendered objects (probes, the Service, the PodMonitor, clamd.conf read by
 * ClamAV's own clamconf) or from ClamAV's protocol, never from the program's constants.
 *
 * Substitutions, each because this machine is not the image:
 *  - the exporter image's entry point /bin/clamav_exporter -> the binary scripts/app-tools.sh built
 *    from the same release's source, copied under the pod's folder (the cache is root's, 0700);
 *  - the signatures the init container fetches -> one unsigned database, daily.cud, holding a
 *    signature for the EICAR test string (apps/clamav-db.ts), with a version and build time so
 *    clamd reports them as it does for the real daily database;
 *  - the clamd, clamdscan and clamconf of the image (ClamAV 1.4.3) -> Debian's (1.4.x).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runProgram, type MockRun } from "../../../tools/mock-run";
import { has, skipOutsideCi } from "../../host-tools";
import { PodVolumes, sandboxAvailable, type RenderedContainer, type RunningContainer } from "../pod-sandbox";
import { eicar, hashSignature, writeUnsignedDatabase } from "./clamav-db";
import { objectOf, podOf, type RenderedPod, portOf } from "./rendered";
import { httpGet, type Scrapes } from "./scrapes";
import { clamdInstream, clamdSay, waitForPort } from "./sockets";
import { appTools, AppToolUnavailable, APP_TOOLS_TIMEOUT_MS, runnableCopy } from "./tools";

const CLAMD = "/usr/sbin/clamd";
/** The test database's version and build time (whole minutes: the header keeps no seconds). */
const DB_VERSION = 27999;
const DB_BUILT_AT = Math.floor(Date.now() / 60000) * 60 - 3600;
const SIGNATURE = "Sscan.Test.Eicar";

/** The file a container's `--config-file=PATH` argument names, from the volume mounted there. */
function configFileOf(pod: RenderedPod, container: RenderedContainer): { path: string; text: string } {
    const arg = [...(container.command ?? []), ...(container.args ?? [])].find((a) => a.startsWith("--config-file="));
    assert.ok(arg, `${container.name} is not given --config-file`);
    const file = arg.slice("--config-file=".length);
    const mount = (container.volumeMounts ?? []).find((m) => path.dirname(file) === m.mountPath);
    assert.ok(mount, `no volume is mounted at ${path.dirname(file)} for ${file}`);
    const text = pod.files[mount.name]?.[path.basename(file)];
    assert.ok(text !== undefined, `volume ${mount.name} has no ${path.basename(file)}`);
    return { path: file, text };
}

/** One option of a clamd.conf as written ("Key value" lines), or undefined. */
function confValue(text: string, key: string): string | undefined {
    return text
        .split("\n")
        .map((l) => l.trim().split(/\s+/))
        .find(([k]) => k === key)
        ?.slice(1)
        .join(" ");
}

/** A size as clamd.conf takes it: bytes, or a number with k/K or m/M (ClamAV's docs: no G). */
function confSize(value: string): number {
    const m = /^(\d+)([kKmM]?)$/.exec(value);
    assert.ok(m, `not a clamd.conf size: ${value}`);
    return Number(m[1]) * ({ "": 1, k: 1024, K: 1024, m: 1 << 20, M: 1 << 20 } as Record<string, number>)[m[2]];
}

/** Every setting clamd takes from a clamd.conf, defaults included, as ClamAV's clamconf reports them. */
function clamconf(confText: string): Record<string, string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sscan-clamconf-"));
    try {
        fs.writeFileSync(path.join(dir, "clamd.conf"), confText);
        const r = spawnSync("clamconf", ["-c", dir], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        const section = r.stdout.split(/^Config file: /m).find((s) => s.startsWith("clamd.conf"));
        assert.ok(section, r.stdout);
        return Object.fromEntries([...section.matchAll(/^(\w+) = "(.*)"$/gm)].map((m) => [m[1], m[2]]));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A probe run the way the kubelet runs it against this machine: exec in the container's sandbox, or a socket or GET on loopback. */
async function probe(
    volumes: PodVolumes,
    container: RenderedContainer & Record<string, any>,
    kind: "readinessProbe" | "startupProbe" | "livenessProbe",
): Promise<{ ok: boolean; detail: string }> {
    const p = container[kind];
    assert.ok(p, `${container.name} has no ${kind}`);
    if (p.exec) {
        const r = volumes.run({ ...container, command: p.exec.command, args: undefined }, { timeoutMs: (p.timeoutSeconds ?? 1) * 1000 + 5000 });
        return { ok: r.status === 0, detail: `${p.exec.command.join(" ")} -> exit ${r.status}: ${r.output.trim()}` };
    }
    if (p.tcpSocket) {
        const port = portOf(container, p.tcpSocket.port);
        const ok = await waitForPort(port, 0, () => true).then(
            () => true,
            () => false,
        );
        return { ok, detail: `tcp ${port}` };
    }
    if (p.httpGet) {
        const port = portOf(container, p.httpGet.port);
        const r = await httpGet(`http://127.0.0.1:${port}${p.httpGet.path ?? "/"}`).catch((e) => ({ status: 0, body: String(e) }));
        return { ok: r.status >= 200 && r.status < 400, detail: `GET :${port}${p.httpGet.path} -> ${r.status}` };
    }
    throw new Error(`${container.name}'s ${kind} is of a kind this test does not run: ${JSON.stringify(p)}`);
}

export function describeClamav(scrapes: Scrapes): void {
    describe("ClamAV: clamd and its exporter from the rendered Deployment", function () {
        this.timeout(120000);
        let run: MockRun;
        let pod: RenderedPod;
        let volumes: PodVolumes;
        let clamdContainer: RenderedContainer & Record<string, any>;
        let conf: { path: string; text: string };
        let port: number;
        let clamd: RunningContainer | undefined;
        let probeBeforeStart: { ok: boolean; detail: string };

        before(async function () {
            const missing =
                sandboxAvailable() ??
                (fs.existsSync(CLAMD) ? undefined : `${CLAMD} (Debian's clamav-daemon)`) ??
                ["clamdscan", "clamconf", "tar"].find((t) => !has(t));
            if (missing) {
                if (process.env.CI)
                    throw new Error(
                        `cannot run clamd from the rendered pod: ${missing} (CI installs clamav, clamav-daemon and clamdscan with apt, and runs as root)`,
                    );
                console.log(`      skipped: ${missing}`);
                this.skip();
            }
            run = await runProgram("prod");
            pod = podOf(run, "Deployment", "clamav");
            volumes = new PodVolumes(pod.volumes, pod.files);
            clamdContainer = pod.spec.containers.find((c: any) => [...(c.command ?? []), ...(c.args ?? [])].some((a: string) => /(^|\/)clamd$/.test(a)));
            assert.ok(clamdContainer, "no container of the clamav Deployment runs clamd");
            conf = configFileOf(pod, clamdContainer);
            // The port clients reach: the Service's target port, resolved on the clamd container.
            const service = objectOf(run, "Service", "clamav");
            assert.equal(service.spec.ports.length, 1, JSON.stringify(service.spec.ports));
            port = portOf(clamdContainer, service.spec.ports[0].targetPort ?? service.spec.ports[0].port);
            // The database clamd loads: in the volume mounted at clamd.conf's DatabaseDirectory.
            const dbDir = confValue(conf.text, "DatabaseDirectory");
            assert.ok(dbDir, "clamd.conf sets no DatabaseDirectory");
            const dbMount = (clamdContainer.volumeMounts ?? []).find((m) => m.mountPath === dbDir);
            assert.ok(dbMount, `nothing is mounted at clamd.conf's DatabaseDirectory ${dbDir}`);
            writeUnsignedDatabase(volumes.dir(dbMount.name), {
                name: "daily",
                version: DB_VERSION,
                builtAt: DB_BUILT_AT,
                members: { "daily.hdb": hashSignature(eicar(), SIGNATURE) },
            });
            probeBeforeStart = await probe(volumes, clamdContainer, "readinessProbe");
            clamd = volumes.start(clamdContainer);
            await waitForPort(port, 60000, () => clamd!.running()).catch((err) => {
                throw new Error(`${err.message}; clamd's output:\n${clamd!.output()}`);
            });
        });
        after(async () => {
            await clamd?.stop();
            volumes?.cleanup();
        });

        it("clamd.conf listens where the Service sends clients (TCPSocket = the Service's target port)", () => {
            assert.equal(Number(confValue(conf.text, "TCPSocket")), port);
        });

        it("passes the rendered readiness and startup probes once up (and fails the readiness probe before), and answers PING with PONG on the Service's port", async () => {
            assert.equal(probeBeforeStart.ok, false, `the probe passed with no clamd running: ${probeBeforeStart.detail}`);
            for (const kind of ["readinessProbe", "startupProbe"] as const) {
                if (!clamdContainer[kind]) continue;
                const result = await probe(volumes, clamdContainer, kind);
                assert.ok(result.ok, `${kind}: ${result.detail}`);
            }
            assert.equal(await clamdSay(port, "PING"), "PONG");
        });

        it("INSTREAM on the Service's port reports the EICAR test string FOUND and a clean stream OK", async () => {
            assert.match(await clamdSay(port, "INSTREAM", eicar()), new RegExp(`^stream: ${SIGNATURE.replace(/\./g, "\\.")}(\\.UNOFFICIAL)? FOUND$`));
            assert.equal(await clamdSay(port, "INSTREAM", Buffer.from("clean content")), "stream: OK");
        });

        it("refuses a stream one byte longer than the rendered clamd.conf's StreamMaxLength, as clamd refuses it, and scans one of exactly that length", async () => {
            // clamd's own reading of the rendered file, its defaults included (ClamAV's clamconf).
            const effective = clamconf(conf.text);
            assert.ok(effective.StreamMaxLength, "clamconf reports no StreamMaxLength");
            const limit = Number(effective.StreamMaxLength);
            const written = confValue(conf.text, "StreamMaxLength");
            if (written !== undefined) assert.equal(confSize(written), limit, `clamd.conf says StreamMaxLength ${written}`);
            assert.ok(limit > 0 && limit <= 512 * 1024 * 1024, `StreamMaxLength ${limit}: this test streams that much`);
            const over = await clamdInstream(port, limit + 1);
            assert.equal(over.reply, "INSTREAM size limit exceeded. ERROR");
            const exact = await clamdInstream(port, limit);
            assert.equal(exact.reply, "stream: OK");
            assert.equal(exact.sent, limit);
        });

        describe("the exporter sidecar", () => {
            let exporterContainer: RenderedContainer & Record<string, any>;
            let exporter: RunningContainer | undefined;
            let metricsPort: number;
            let metricsPath: string;

            before(async function () {
                this.timeout(APP_TOOLS_TIMEOUT_MS);
                exporterContainer = pod.spec.containers.find((c: any) => /(^|\/)clamav_exporter(:|@|$)/.test(c.image));
                assert.ok(exporterContainer, "the prod stack's clamav pod has no clamav_exporter container (monitoring is on in prod)");
                // The image's entry point runs when the container gives no command.
                assert.equal(exporterContainer.command, undefined, "the exporter container overrides the image's entry point");
                // Where Prometheus scrapes it: the PodMonitor's endpoint.
                const monitor = objectOf(run, "PodMonitor", "clamav");
                const endpoint = monitor.spec.podMetricsEndpoints.find((e: any) =>
                    (exporterContainer.ports ?? []).some((p: any) => p.name === e.port || p.containerPort === e.targetPort),
                );
                assert.ok(endpoint, `the PodMonitor scrapes no port of the exporter: ${JSON.stringify(monitor.spec.podMetricsEndpoints)}`);
                metricsPort = portOf(exporterContainer, endpoint.port);
                metricsPath = endpoint.path ?? "/metrics";
                let built: string;
                try {
                    built = (await appTools(["clamav_exporter"])).clamav_exporter;
                } catch (err) {
                    if (err instanceof AppToolUnavailable) skipOutsideCi(this, err.message);
                    throw err;
                }
                const binary = runnableCopy(built, path.join(volumes.root, "exporter-image", "bin"));
                exporter = volumes.start(exporterContainer, { command: [binary, ...(exporterContainer.args ?? [])] });
                await waitForPort(metricsPort, 30000, () => exporter!.running()).catch((err) => {
                    throw new Error(`${err.message}; the exporter's output:\n${exporter!.output()}`);
                });
            });
            after(async () => {
                await exporter?.stop();
            });

            it("is pointed at clamd as the pod wires it (its --clamav.address is clamd's port on the pod's loopback)", () => {
                const address = (exporterContainer.args ?? []).find((a) => a.startsWith("--clamav.address="));
                assert.ok(address, JSON.stringify(exporterContainer.args));
                const url = new URL(address.slice("--clamav.address=".length));
                assert.equal(url.protocol, "tcp:");
                assert.ok(["127.0.0.1", "localhost"].includes(url.hostname), url.hostname);
                assert.equal(Number(url.port), port);
            });

            it("passes its rendered readiness and liveness probes", async () => {
                for (const kind of ["readinessProbe", "livenessProbe"] as const) {
                    if (!exporterContainer[kind]) continue;
                    const result = await probe(volumes, exporterContainer, kind);
                    assert.ok(result.ok, `${kind}: ${result.detail}`);
                }
            });

            it("serves on the PodMonitor's port and path clamav_up 1, clamd's version and the database's version and build time", async () => {
                // The exporter (v2.1.4, exporter.go scrapeSocket) can lose a scrape to a race of its
                // own: its reader goroutine may take the connection's mutex and read to EOF before
                // END is sent, and then waits out --clamav.timeout (5 s) and reports clamav_up 0.
                // Seen here about once in ten runs; Prometheus scrapes again 30 s later, so this
                // scrapes up to SCRAPES times as Prometheus would, and says how many were lost.
                const SCRAPES = 4;
                const value = (body: string, series: string) =>
                    body
                        .split("\n")
                        .find((l) => l.startsWith(`${series} `) || l.startsWith(`${series}{`))
                        ?.split(" ")
                        .pop();
                let body = "";
                let lost = 0;
                for (let i = 0; i < SCRAPES; i++) {
                    const scrape = await httpGet(`http://127.0.0.1:${metricsPort}${metricsPath}`);
                    assert.equal(scrape.status, 200, scrape.body);
                    body = scrape.body;
                    if (value(body, "clamav_up") === "1") break;
                    lost++;
                }
                if (lost > 0) console.log(`      (${lost} scrape(s) reported clamav_up 0 before one reported 1: the exporter's own race, see the comment)`);
                assert.equal(
                    value(body, "clamav_up"),
                    "1",
                    `${SCRAPES} scrapes, all clamav_up 0. exporter:\n${exporter!.output()}\nclamd:\n${clamd!.output()}`,
                );
                scrapes.add("clamav", `clamav_exporter :${metricsPort}${metricsPath}`, body);
                assert.match(body, /^clamav_version\{version="1\.4\.\d+"\} 1$/m);
                assert.equal(Number(value(body, "clamav_db_version")), DB_VERSION);
                assert.equal(Number(value(body, "clamav_db_timestamp_seconds")), DB_BUILT_AT);
                assert.ok(value(body, "clamav_pool_queue_length") !== undefined, body);
            });
        });
    });
}
