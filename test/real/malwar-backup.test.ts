/**
 * Malwar's backups run for real: the CronJob's own commands, with the ConfigMap's program, against
 * a SQLite database that is being written to, uploaded through the AWS CLI to moto's S3 server (a
 * local stand-in for S3 and STS), downloaded and restored. (What the program registers, under
 * Pulumi's mocks: test/malwar-backup.test.ts.)
 */
import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { K8S, object, stackRun } from "../helpers";
import { pythonTools, PYTHON_TOOLS_TIMEOUT_MS, type PythonTools } from "./python-tools";
import { freePort } from "../host-tools";

async function waitFor(what: string, ready: () => boolean | Promise<boolean>, seconds: number): Promise<void> {
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
        if (await ready()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${seconds} s waiting for ${what}`);
}

/** A path of the pod, mapped to where the test keeps that volume. */
function localPath(value: string, mounts: Record<string, string>): string {
    for (const [podPath, local] of Object.entries(mounts)) {
        if (value === podPath || value.startsWith(`${podPath}/`)) return local + value.slice(podPath.length);
    }
    return value;
}

describe("Malwar backups: the CronJob's commands against a live SQLite database, moto's S3 and a restore", function () {
    let tools: PythonTools;
    let moto: ChildProcess | undefined;
    let writer: ChildProcess | undefined;
    let endpoint = "";
    let work = "";
    const workload = path.join(__dirname, "sqlite_workload.py");

    before(async function () {
        this.timeout(PYTHON_TOOLS_TIMEOUT_MS);
        tools = pythonTools();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "malwar-backup-"));
        const port = await freePort();
        endpoint = `http://127.0.0.1:${port}`;
        moto = spawn(tools.bin("moto_server"), ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
        let motoErr = "";
        moto.stderr!.on("data", (d) => (motoErr += d));
        await waitFor(
            `moto's server on ${endpoint} (${motoErr})`,
            () =>
                new Promise((resolve) => {
                    const socket = net.connect(port, "127.0.0.1", () => {
                        socket.end();
                        resolve(true);
                    });
                    socket.once("error", () => resolve(false));
                }),
            60,
        );
    });

    after(() => {
        writer?.kill("SIGKILL");
        moto?.kill("SIGTERM");
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("snapshots while Malwar's writer commits, uploads with the web identity, and the download restores intact", async function () {
        this.timeout(120_000);
        const run = await stackRun("prod");
        const pod = object(run, K8S.cronJob, "malwar-backup").spec.jobTemplate.spec.template.spec;
        const program = object(run, K8S.configMap, "malwar-backup-program").data;
        const [snapshot] = pod.initContainers;
        const [upload] = pod.containers;
        const mountPath = (container: any, volume: string) => container.volumeMounts.find((m: any) => m.name === volume).mountPath;

        // The pod's volumes, as directories here: the claim, the emptyDir, the ConfigMap, the token.
        const dirs = {
            data: path.join(work, "data"),
            snapshots: path.join(work, "snapshots"),
            program: path.join(work, "program"),
            token: path.join(work, "token"),
            tmp: path.join(work, "tmp"),
        };
        for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
        for (const [file, text] of Object.entries(program)) fs.writeFileSync(path.join(dirs.program, file), text as string);
        // A projected token is a JWT the cluster signs; moto's STS does not verify it.
        fs.writeFileSync(
            path.join(dirs.token, "token"),
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2xhaXItcHJvZHVjdGlvbjptYWx3YXItYmFja3VwIn0.c2lnbmF0dXJl",
        );
        const snapshotMounts = {
            [mountPath(snapshot, "data")]: dirs.data,
            [mountPath(snapshot, "snapshots")]: dirs.snapshots,
            [mountPath(snapshot, "program")]: dirs.program,
            [mountPath(snapshot, "tmp")]: dirs.tmp,
        };
        const uploadMounts = {
            [mountPath(upload, "snapshots")]: dirs.snapshots,
            [mountPath(upload, "aws-token")]: dirs.token,
            [mountPath(upload, "tmp")]: dirs.tmp,
        };

        // Malwar's database (MALWAR_DB_PATH), in WAL mode and being written to.
        const database = localPath(object(run, K8S.configMap, "malwar-settings").data.MALWAR_DB_PATH, snapshotMounts);
        writer = spawn("python3", [workload, "write", database, "4000"], { stdio: ["ignore", "pipe", "inherit"] });
        let writerOut = "";
        writer.stdout!.on("data", (d) => (writerOut += d));
        await waitFor("4,000 committed rows", () => writerOut.includes("ready"), 60);
        const rowsBefore = Number(execFileSync("python3", [workload, "count", database], { encoding: "utf8" }));
        // The case a file copy gets wrong: commits that live only in the WAL so far.
        const mainFileRows = Number(execFileSync("python3", [workload, "main-file-rows", database], { encoding: "utf8" }));
        assert.ok(mainFileRows < rowsBefore, `the WAL holds commits the main file does not have yet (${mainFileRows} < ${rowsBefore})`);

        // The init container's command, as the pod runs it (python3 from PATH, as in Malwar's image).
        const [interpreter, ...snapshotArgs] = snapshot.command;
        const snapshotReport = JSON.parse(
            execFileSync(
                interpreter,
                snapshotArgs.map((a: string) => localPath(a, snapshotMounts)),
                { encoding: "utf8" },
            ),
        );
        const rowsAfter = Number(execFileSync("python3", [workload, "count", database], { encoding: "utf8" }));
        assert.ok(rowsAfter > rowsBefore, `the writer kept committing during the backup (${rowsBefore} -> ${rowsAfter})`);
        const files = fs.readdirSync(dirs.snapshots);
        assert.equal(files.length, 1, `one snapshot, no leftovers: ${files}`);
        assert.match(files[0], /^malwar-\d{8}T\d{6}Z\.db$/);

        // The bucket the program creates, in moto; then the upload container's command with its
        // own environment: no static keys, so the CLI must assume the role with the token file.
        const bucket = "malwar-backup-bucket-0a1b2c3";
        const admin = {
            ...process.env,
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing",
            AWS_DEFAULT_REGION: "us-east-1",
            AWS_ENDPOINT_URL: endpoint,
        };
        execFileSync(tools.bin("aws"), ["s3api", "create-bucket", "--bucket", bucket], { env: admin });
        const podEnv = Object.fromEntries(upload.env.map((e: any) => [e.name, localPath(e.value, uploadMounts)]));
        assert.equal(podEnv.AWS_ACCESS_KEY_ID, undefined);
        const uploadEnv: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            ...podEnv,
            AWS_ENDPOINT_URL: endpoint,
            AWS_CONFIG_FILE: path.join(work, "no-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-credentials"),
        };
        const [cli, ...uploadArgs] = upload.command;
        assert.equal(cli, "aws");
        // --debug only adds a log on stderr, to see which credentials the CLI used.
        const uploaded = spawnSync(tools.bin("aws"), [...uploadArgs.map((a: string) => localPath(a, uploadMounts)), "--debug"], {
            env: uploadEnv,
            encoding: "utf8",
        });
        assert.equal(uploaded.status, 0, uploaded.stderr.slice(-2000));
        assert.ok(uploaded.stderr.includes("'Action': 'AssumeRoleWithWebIdentity'"), "credentials from STS, through the token file");
        assert.ok(uploaded.stderr.includes(`'RoleArn': '${podEnv.AWS_ROLE_ARN}'`), "for the program's role");
        assert.ok(uploaded.stderr.includes(`assumed-role/${podEnv.AWS_ROLE_ARN.split("/").pop()}/malwar-backup`), "STS answered for that role");
        const listed = JSON.parse(execFileSync(tools.bin("aws"), ["s3api", "list-objects-v2", "--bucket", bucket], { env: admin, encoding: "utf8" }));
        assert.deepEqual(
            listed.Contents.map((o: any) => o.Key),
            [`malwar/${files[0]}`],
        );

        // Restore as docs/operations.md says: download, check, put it in place of the database with no -wal/-shm.
        const restoredDir = path.join(work, "restored");
        fs.mkdirSync(restoredDir);
        const restored = path.join(restoredDir, "malwar.db");
        execFileSync(tools.bin("aws"), ["s3", "cp", `s3://${bucket}/malwar/${files[0]}`, restored, "--only-show-errors"], { env: admin });
        const check = JSON.parse(execFileSync("python3", [workload, "check", restored], { encoding: "utf8" }));
        assert.deepEqual(check.integrity, ["ok"]);
        assert.equal(check.journal_mode, "delete", "one self-contained file");
        assert.ok(
            check.rows >= rowsBefore && check.rows <= rowsAfter,
            `a consistent version from the backup's time: ${rowsBefore} <= ${check.rows} <= ${rowsAfter}`,
        );
        assert.ok(check.rows % 25 === 0, `whole transactions only (25 rows each): ${check.rows}`);
        assert.equal(check.ids_contiguous, true);
        assert.equal(check.payloads_as_written, true);
        assert.equal(check.digests_match, true);
        assert.equal(
            snapshotReport.sha256,
            execFileSync("sha256sum", [restored], { encoding: "utf8" }).split(" ")[0],
            "the object is the snapshot, byte for byte",
        );
    });
});
