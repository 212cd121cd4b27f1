/**
 * On OpenShift the images run as an arbitrary UID with group 0 and their root filesystem
 * read-only: every path they write must be a volume the program mounts. The rendered containers of
 * the stage stack (platform openshift) run here with their own commands, the program's rendered
 * config files and mounts, as UID 1000680000 (test/real/pod-sandbox.ts): ClamAV's freshclam init
 * container and clamd (Debian's ClamAV 1.4), the mirror's nginx (Debian's nginx), and Malwar's
 * backup snapshot (python3). The apps' own servers from the prod stack's rendered pods, Clair and
 * Malwar's API included: test/real/apps.test.ts.
 *
 * Each app is also run once with one of its writable mounts taken away, and must then fail with
 * a write error: the sandbox does catch a path the program forgot to mount.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { runProgram, type MockRun } from "../../tools/mock-run";
import { containerOf, podOf } from "./apps/rendered";
import { eicar, hashSignature } from "./apps/clamav-db";
import { clamdSay, waitForPort } from "./apps/sockets";
import { has } from "../host-tools";
import {
    OPENSHIFT_FSGROUP,
    OPENSHIFT_UID,
    PodVolumes,
    sandboxAvailable,
    type RenderedContainer,
    type RunningContainer,
    type RenderedVolume,
} from "./pod-sandbox";

/** python3 for the backup snapshot as the arbitrary UID: the system's, which any user may run. */
const SYSTEM_PYTHON = "/usr/bin/python3";
const WRITE_ERROR = /Read-only file system|Permission denied|[Cc]an't (create|open|write)|not writable|EROFS|EACCES/;

const withoutMount = (c: RenderedContainer, mountPath: string): RenderedContainer => ({
    ...c,
    volumeMounts: (c.volumeMounts ?? []).filter((m) => m.mountPath !== mountPath),
});

/** Files each volume folder holds, with their owners, for "written where the pod mounts". */
function ownedFiles(dir: string): { file: string; uid: number }[] {
    return fs
        .readdirSync(dir, { recursive: true })
        .map((f) => String(f))
        .map((file) => ({ file, uid: fs.statSync(path.join(dir, file)).uid }));
}

describe("the images' programs as an arbitrary UID in group 0, root filesystem read-only (OpenShift restricted-v2)", function () {
    this.timeout(300000);
    let run: MockRun;
    const volumesToClean: PodVolumes[] = [];
    const podVolumes = (volumes: RenderedVolume[], files: Record<string, Record<string, string>>) => {
        const v = new PodVolumes(volumes, files);
        volumesToClean.push(v);
        return v;
    };

    before(async function () {
        const missing =
            sandboxAvailable() ??
            ["clamd", "freshclam", "nginx"].find((t) => !has(t)) ??
            (fs.existsSync(SYSTEM_PYTHON) ? undefined : `${SYSTEM_PYTHON} (Debian's python3)`);
        if (missing) {
            if (process.env.CI)
                throw new Error(
                    `cannot run the arbitrary-UID tests: ${missing} (CI installs clamav, clamav-daemon, clamav-freshclam and nginx-light, and runs as root)`,
                );
            console.log(`      skipped: ${missing}`);
            this.skip();
        }
        run = await runProgram("stage");
    });
    after(() => {
        for (const v of volumesToClean) v.cleanup();
    });

    describe("ClamAV's Deployment: freshclam's init container, then clamd", () => {
        let pod: ReturnType<typeof podOf>;
        let volumes: PodVolumes;
        let mirror: RunningContainer | undefined;
        // The stage stack's freshclam asks the in-cluster mirror (its Service clamav-mirror:8080):
        // the mirror's own nginx serves it here, from its database claim, to a pod /etc/hosts that
        // names the Service. The CDN is out of reach, so the database is not ClamAV-signed and
        // freshclam gets as far as verifying it.
        before(async () => {
            const mirrorPod = podOf(run, "StatefulSet", "clamav-mirror");
            const mirrorVolumes = podVolumes(mirrorPod.volumes, mirrorPod.files);
            for (const db of ["main", "daily", "bytecode"]) {
                const header = Buffer.from(
                    `ClamAV-VDB:14 Nov 2026 08-24 +0000:62:6647427:90:0123456789abcdef0123456789abcdef:signature:builder:1763108640`.padEnd(512, " "),
                );
                fs.writeFileSync(path.join(mirrorVolumes.dir("database"), `${db}.cvd`), Buffer.concat([header, Buffer.alloc(8192, 1)]), { mode: 0o644 });
            }
            mirror = mirrorVolumes.start(containerOf(mirrorPod.spec, "nginx"));
            await waitForPort(8080, 30000, () => mirror!.running());
            pod = podOf(run, "Deployment", "clamav");
            volumes = podVolumes(pod.volumes, pod.files);
        });
        after(async () => {
            await mirror?.stop();
        });
        const mirrorHost = { "clamav-mirror": "127.0.0.1" };

        it("the pod is rendered without IDs (restricted-v2 assigns them)", () => {
            assert.equal(pod.spec.securityContext.runAsUser, undefined);
            assert.equal(pod.spec.securityContext.fsGroup, undefined);
        });

        it("freshclam (the init container's own script) runs to the database check: every file it writes is on the signatures, tmp or logs volume", () => {
            const result = volumes.run(containerOf(pod.spec, "initfreshclam"), { hosts: mirrorHost });
            // It must fail, and only at the signature check of a database ClamAV did not sign.
            assert.notEqual(result.status, 0);
            assert.doesNotMatch(result.output, WRITE_ERROR, result.output);
            assert.match(result.output, /[Vv]erif|[Ii]ntegrity|[Dd]igital signature|[Bb]roken|[Cc]orrupt/, result.output);
        });

        it("control: without the signatures volume, freshclam cannot write its database directory", () => {
            const result = volumes.run(withoutMount(containerOf(pod.spec, "initfreshclam"), "/var/lib/clamav"), { hosts: mirrorHost });
            assert.notEqual(result.status, 0);
            assert.match(result.output, WRITE_ERROR, result.output);
        });

        it("clamd starts with the rendered clamd.conf, answers PING and finds a signature in a stream, writing only to its volumes", async () => {
            const signatures = volumes.dir("signatures");
            for (const f of fs.readdirSync(signatures)) fs.rmSync(path.join(signatures, f), { recursive: true, force: true });
            // A hash signature database (.hdb: md5:size:name), loaded as clamd loads any database;
            // the sample is ClamAV's own test string (EICAR), put together in apps/clamav-db.ts.
            const sample = eicar();
            fs.writeFileSync(path.join(signatures, "test.hdb"), hashSignature(sample, "Sscan.Test.Sample"), { mode: 0o644 });
            const clamd = volumes.start(containerOf(pod.spec, "clamd"));
            try {
                await waitForPort(3310, 60000, () => clamd.running());
                assert.equal(await clamdSay(3310, "PING"), "PONG");
                assert.match(await clamdSay(3310, "INSTREAM", sample), /^stream: Sscan\.Test\.Sample(\.UNOFFICIAL)? FOUND$/);
                assert.equal(await clamdSay(3310, "INSTREAM", Buffer.from("clean content")), "stream: OK");
                // Its pid file and local socket are on the tmp volume, made by the arbitrary UID (clamd removes them when it stops).
                const written = ownedFiles(volumes.dir("tmp"));
                for (const file of ["clamd.pid", "clamd.sock"])
                    assert.ok(
                        written.some((f) => f.file === file && f.uid === OPENSHIFT_UID),
                        `${file}: ${JSON.stringify(written)}`,
                    );
            } finally {
                await clamd.stop();
            }
            assert.doesNotMatch(clamd.output(), WRITE_ERROR, clamd.output());
        });

        it("control: without the tmp volume, clamd cannot write its pid file and stops", () => {
            const result = volumes.run(withoutMount(containerOf(pod.spec, "clamd"), "/tmp"), { timeoutMs: 60000 });
            assert.notEqual(result.status, 0);
            assert.match(result.output, WRITE_ERROR, result.output);
        });
    });

    describe("the mirror's nginx", () => {
        it("serves the database claim read-only with the rendered nginx.conf, its pid and temporary files on the tmp volume", async () => {
            const pod = podOf(run, "StatefulSet", "clamav-mirror");
            const volumes = podVolumes(pod.volumes, pod.files);
            fs.writeFileSync(
                path.join(volumes.dir("database"), "main.cvd"),
                Buffer.concat([Buffer.from("ClamAV-VDB:x:62:".padEnd(512, " ")), Buffer.alloc(1024)]),
                { mode: 0o644 },
            );
            const nginx = volumes.start(containerOf(pod.spec, "nginx"));
            const port = 8080;
            try {
                await waitForPort(port, 30000, () => nginx.running());
                const status = await new Promise<number>((resolve, reject) =>
                    http
                        .get({ host: "127.0.0.1", port, path: "/main.cvd" }, (res) => {
                            res.resume();
                            resolve(res.statusCode!);
                        })
                        .on("error", reject),
                );
                assert.equal(status, 200);
                // nginx removes its pid file when it stops.
                assert.ok(
                    ownedFiles(volumes.dir("tmp")).some((f) => f.file === "nginx.pid" && f.uid === OPENSHIFT_UID),
                    "pid file on the tmp volume",
                );
            } finally {
                await nginx.stop();
            }
            assert.doesNotMatch(nginx.output(), /emerg|crit/, nginx.output());
        });
    });

    describe("Malwar's backup snapshot", () => {
        it("snapshots the SQLite database Malwar's UID wrote on the claim into the snapshots volume", () => {
            const pod = podOf(run, "CronJob", "malwar-backup");
            const volumes = podVolumes(pod.volumes, pod.files);
            // The database as Malwar's pod left it: written by the same namespace UID, WAL mode.
            const made = spawnSync(
                "setpriv",
                [
                    `--reuid=${OPENSHIFT_UID}`,
                    "--regid=0",
                    `--groups=${OPENSHIFT_FSGROUP}`,
                    SYSTEM_PYTHON,
                    "-c",
                    "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=wal'); c.execute('create table scans(id integer primary key, verdict text)'); c.executemany('insert into scans(verdict) values (?)', [('clean',)]*500); c.commit()",
                    path.join(volumes.dir("data"), "malwar.db"),
                ],
                { encoding: "utf8" },
            );
            assert.equal(made.status, 0, made.stderr);
            // The image's python3 is first on its PATH; here it is the system's.
            const snapshot = containerOf(pod.spec, "snapshot");
            const result = volumes.run(snapshot, { command: [SYSTEM_PYTHON, ...(snapshot.command ?? []).slice(1)] });
            assert.equal(result.status, 0, result.output);
            const snapshots = ownedFiles(volumes.dir("snapshots"));
            assert.equal(snapshots.length, 1, JSON.stringify(snapshots));
            assert.equal(snapshots[0].uid, OPENSHIFT_UID);
            const rows = spawnSync(
                SYSTEM_PYTHON,
                [
                    "-c",
                    "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from scans').fetchone()[0])",
                    path.join(volumes.dir("snapshots"), snapshots[0].file),
                ],
                { encoding: "utf8" },
            );
            assert.equal(rows.stdout.trim(), "500");
        });
    });
});
