/**
 * Malwar's backups: the bucket, the role and the CronJob as the real program registers them
 * (under Pulumi's mocks), and the backup itself run for real: the CronJob's own commands, with
 * the ConfigMap's program, against a SQLite database that is being written to, uploaded through
 * the AWS CLI to moto's S3 server (a local stand-in for S3 and STS), downloaded and restored.
 */
import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { runProgram, unwrapSecrets, type MockRun } from "../tools/mock-run";
import { K8S, object, ofType, stackRun } from "./helpers";
import { pythonTools, PYTHON_TOOLS_TIMEOUT_MS, type PythonTools } from "./python-tools";
import { freePort } from "./host-tools";

const S3 = {
    bucket: "aws:s3/bucket:Bucket",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
};
const IAM = { role: "aws:iam/role:Role", rolePolicy: "aws:iam/rolePolicy:RolePolicy" };
const PROD_OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/PROD0A1B2C3D4E5F60718293A4B5C6D";
const PROD_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/PROD0A1B2C3D4E5F60718293A4B5C6D";

function one(run: MockRun, type: string): any {
    const found = ofType(run, type);
    assert.equal(found.length, 1, `one ${type}`);
    return unwrapSecrets(found[0].inputs);
}

describe("Malwar backups: what the program registers", () => {
    it("a private, versioned, encrypted bucket with a lifecycle, TLS only, kept on destroy", async () => {
        const run = await stackRun("prod");
        const bucket = ofType(run, S3.bucket);
        assert.equal(bucket.length, 1);
        assert.equal(bucket[0].retainOnDelete, true);
        assert.equal(bucket[0].inputs.forceDestroy, false);
        const name = "malwar-backup-bucket-0a1b2c3"; // the mock's autoname of the resource
        const arn = `arn:aws:s3:::${name}`;
        assert.deepEqual(one(run, S3.versioning), { bucket: name, versioningConfiguration: { status: "Enabled" } });
        assert.deepEqual(one(run, S3.encryption), { bucket: name, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] });
        assert.deepEqual(one(run, S3.publicAccess), { bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        assert.deepEqual(one(run, S3.ownership), { bucket: name, rule: { objectOwnership: "BucketOwnerEnforced" } });
        // 30 days, as long as the RDS backups (rds-backup-retention's minimumDays).
        assert.deepEqual(one(run, S3.lifecycle), {
            bucket: name,
            rules: [{
                id: "expire-malwar-backups",
                status: "Enabled",
                filter: { prefix: "malwar/" },
                expiration: { days: 30 },
                noncurrentVersionExpiration: { noncurrentDays: 30 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            }],
        });
        const policy = one(run, S3.policy);
        assert.equal(policy.bucket, name);
        assert.deepEqual(JSON.parse(policy.policy), {
            Version: "2012-10-17",
            Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
        });
        for (const type of Object.values(S3)) {
            for (const r of ofType(run, type)) assert.equal(r.retainOnDelete, true, `${type} kept on destroy with the bucket`);
        }
    });

    it("a role only the backup ServiceAccount can assume, through the cluster's OIDC provider, that may only put backups", async () => {
        const run = await stackRun("prod");
        const role = one(run, IAM.role);
        assert.deepEqual(JSON.parse(role.assumeRolePolicy), {
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: PROD_OIDC_ARN },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${PROD_ISSUER}:sub`]: "system:serviceaccount:clair-production:malwar-backup", [`${PROD_ISSUER}:aud`]: "sts.amazonaws.com" } },
            }],
        });
        const policy = one(run, IAM.rolePolicy);
        assert.deepEqual(JSON.parse(policy.policy).Statement, [{
            Sid: "PutMalwarBackups", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: "arn:aws:s3:::malwar-backup-bucket-0a1b2c3/malwar/*",
        }]);
        // No static keys anywhere.
        assert.equal(ofType(run, "aws:iam/accessKey:AccessKey").length, 0);
        assert.ok(!JSON.stringify(run.resources.map((r) => unwrapSecrets(r.inputs))).includes("AWS_SECRET_ACCESS_KEY"));
    });

    it("a CronJob on Malwar's node, its pod declared once: the snapshot from Malwar's image, the upload with the role's web identity", async () => {
        const run = await stackRun("prod");
        const cronJob = object(run, K8S.cronJob, "malwar-backup");
        assert.equal(cronJob.spec.concurrencyPolicy, "Forbid");
        assert.equal(cronJob.spec.schedule, "30 */6 * * *");
        const pod = cronJob.spec.jobTemplate.spec.template.spec;
        const malwarPod = object(run, K8S.deployment, "malwar").spec.template;
        // The claim is ReadWriteOnce: attached to Malwar's node only, so the pod must run there.
        const term = pod.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
        assert.equal(term.topologyKey, "kubernetes.io/hostname");
        for (const [k, v] of Object.entries(term.labelSelector.matchLabels)) assert.equal(malwarPod.metadata.labels[k], v);
        assert.deepEqual(pod.volumes.find((v: any) => v.name === "data").persistentVolumeClaim, { claimName: "malwar-data" });
        const [snapshot] = pod.initContainers;
        const [upload] = pod.containers;
        assert.equal(snapshot.image, "ghcr.io/ap6pack/malwar:0.4.0");
        assert.equal(upload.image, "amazon/aws-cli:2.32.2");
        assert.equal(pod.serviceAccountName, "malwar-backup");
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.volumes.find((v: any) => v.name === "aws-token").projected.sources, [{ serviceAccountToken: { path: "token", audience: "sts.amazonaws.com", expirationSeconds: 3600 } }]);
        const env = Object.fromEntries(upload.env.map((e: any) => [e.name, e.value]));
        assert.equal(env.AWS_ROLE_ARN, "arn:aws:iam::123456789012:role/malwar-backup-role-0a1b2c3");
        assert.equal(env.AWS_WEB_IDENTITY_TOKEN_FILE, "/var/run/secrets/sts.amazonaws.com/serviceaccount/token");
        assert.equal(env.AWS_REGION, "us-east-1");
        for (const c of [snapshot, upload]) {
            assert.deepEqual(c.resources.requests, c.resources.limits);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            assert.equal(c.securityContext.allowPrivilegeEscalation, false);
            assert.equal(c.securityContext.runAsUser, 1000);
        }
        // The program is the committed file, shipped as it is.
        const program = object(run, K8S.configMap, "malwar-backup-program").data["malwar_backup.py"];
        assert.equal(program, fs.readFileSync(path.join(__dirname, "../components/malwar/malwar_backup.py"), "utf8"));
        assert.equal(object(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "malwar-backup").spec.ingress, undefined, "nothing comes in");
    });

    it("is off on the local stack (no AWS provider there), and needs the OIDC provider when on", async () => {
        const local = await stackRun("local");
        assert.equal(ofType(local, S3.bucket).length, 0);
        assert.throws(() => object(local, K8S.cronJob, "malwar-backup"));
        await assert.rejects(runProgram("prod", { sets: { "malwar.backup.oidcProviderArn": "arn:aws:iam::123:oidc-provider/x" } }), (err: Error & { resourcesRegistered?: number }) => {
            assert.match(err.message, /--set malwar\.backup\.oidcProviderArn: scanning-platform:malwar\.backup\.oidcProviderArn = "arn:aws:iam::123:oidc-provider\/x": must be an IAM OIDC provider ARN: arn:aws:iam::<12-digit account>:oidc-provider\/<issuer host and path>/);
            assert.equal(err.resourcesRegistered, 0);
            return true;
        });
        const config = { "scanning-platform:malwar": JSON.stringify({ storageClass: "gp2", backup: { enabled: true } }) };
        await assert.rejects(runProgram("local", { config }), /Pulumi\.local\.yaml: scanning-platform:malwar\.backup\.oidcProviderArn = \(unset\): is required when malwar\.backup\.enabled is true/);
    });
});


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
        await waitFor(`moto's server on ${endpoint} (${motoErr})`, () => new Promise((resolve) => {
            const socket = net.connect(port, "127.0.0.1", () => { socket.end(); resolve(true); });
            socket.once("error", () => resolve(false));
        }), 60);
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
        const dirs = { data: path.join(work, "data"), snapshots: path.join(work, "snapshots"), program: path.join(work, "program"), token: path.join(work, "token"), tmp: path.join(work, "tmp") };
        for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
        for (const [file, text] of Object.entries(program)) fs.writeFileSync(path.join(dirs.program, file), text as string);
        // A projected token is a JWT the cluster signs; moto's STS does not verify it.
        fs.writeFileSync(path.join(dirs.token, "token"), "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2xhaXItcHJvZHVjdGlvbjptYWx3YXItYmFja3VwIn0.c2lnbmF0dXJl");
        const snapshotMounts = { [mountPath(snapshot, "data")]: dirs.data, [mountPath(snapshot, "snapshots")]: dirs.snapshots, [mountPath(snapshot, "program")]: dirs.program, [mountPath(snapshot, "tmp")]: dirs.tmp };
        const uploadMounts = { [mountPath(upload, "snapshots")]: dirs.snapshots, [mountPath(upload, "aws-token")]: dirs.token, [mountPath(upload, "tmp")]: dirs.tmp };

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
        const snapshotReport = JSON.parse(execFileSync(interpreter, snapshotArgs.map((a: string) => localPath(a, snapshotMounts)), { encoding: "utf8" }));
        const rowsAfter = Number(execFileSync("python3", [workload, "count", database], { encoding: "utf8" }));
        assert.ok(rowsAfter > rowsBefore, `the writer kept committing during the backup (${rowsBefore} -> ${rowsAfter})`);
        const files = fs.readdirSync(dirs.snapshots);
        assert.equal(files.length, 1, `one snapshot, no leftovers: ${files}`);
        assert.match(files[0], /^malwar-\d{8}T\d{6}Z\.db$/);

        // The bucket the program creates, in moto; then the upload container's command with its
        // own environment: no static keys, so the CLI must assume the role with the token file.
        const bucket = "malwar-backup-bucket-0a1b2c3";
        const admin = { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_DEFAULT_REGION: "us-east-1", AWS_ENDPOINT_URL: endpoint };
        execFileSync(tools.bin("aws"), ["s3api", "create-bucket", "--bucket", bucket], { env: admin });
        const podEnv = Object.fromEntries(upload.env.map((e: any) => [e.name, localPath(e.value, uploadMounts)]));
        assert.equal(podEnv.AWS_ACCESS_KEY_ID, undefined);
        const uploadEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...podEnv, AWS_ENDPOINT_URL: endpoint, AWS_CONFIG_FILE: path.join(work, "no-config"), AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-credentials") };
        const [cli, ...uploadArgs] = upload.command;
        assert.equal(cli, "aws");
        // --debug only adds a log on stderr, to see which credentials the CLI used.
        const uploaded = spawnSync(tools.bin("aws"), [...uploadArgs.map((a: string) => localPath(a, uploadMounts)), "--debug"], { env: uploadEnv, encoding: "utf8" });
        assert.equal(uploaded.status, 0, uploaded.stderr.slice(-2000));
        assert.ok(uploaded.stderr.includes("'Action': 'AssumeRoleWithWebIdentity'"), "credentials from STS, through the token file");
        assert.ok(uploaded.stderr.includes(`'RoleArn': '${podEnv.AWS_ROLE_ARN}'`), "for the program's role");
        assert.ok(uploaded.stderr.includes(`assumed-role/${podEnv.AWS_ROLE_ARN.split("/").pop()}/malwar-backup`), "STS answered for that role");
        const listed = JSON.parse(execFileSync(tools.bin("aws"), ["s3api", "list-objects-v2", "--bucket", bucket], { env: admin, encoding: "utf8" }));
        assert.deepEqual(listed.Contents.map((o: any) => o.Key), [`malwar/${files[0]}`]);

        // Restore as the README says: download, check, put it in place of the database with no -wal/-shm.
        const restoredDir = path.join(work, "restored");
        fs.mkdirSync(restoredDir);
        const restored = path.join(restoredDir, "malwar.db");
        execFileSync(tools.bin("aws"), ["s3", "cp", `s3://${bucket}/malwar/${files[0]}`, restored, "--only-show-errors"], { env: admin });
        const check = JSON.parse(execFileSync("python3", [workload, "check", restored], { encoding: "utf8" }));
        assert.deepEqual(check.integrity, ["ok"]);
        assert.equal(check.journal_mode, "delete", "one self-contained file");
        assert.ok(check.rows >= rowsBefore && check.rows <= rowsAfter, `a consistent version from the backup's time: ${rowsBefore} <= ${check.rows} <= ${rowsAfter}`);
        assert.ok(check.rows % 25 === 0, `whole transactions only (25 rows each): ${check.rows}`);
        assert.equal(check.ids_contiguous, true);
        assert.equal(check.payloads_as_written, true);
        assert.equal(check.digests_match, true);
        assert.equal(snapshotReport.sha256, execFileSync("sha256sum", [restored], { encoding: "utf8" }).split(" ")[0], "the object is the snapshot, byte for byte");
    });
});
