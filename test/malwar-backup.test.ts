/**
 * Malwar's backups: the bucket, the role and the CronJob as the real program registers them
 * (under Pulumi's mocks). The backup itself, run for real (the CronJob's own commands against a
 * SQLite database being written to, moto's S3, a restore), is in test/real/malwar-backup.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runProgram, unwrapSecrets, type MockRun } from "../tools/mock-run";
import { K8S, object, ofType, stackRun } from "./helpers";

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
        assert.deepEqual(one(run, S3.publicAccess), {
            bucket: name,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        assert.deepEqual(one(run, S3.ownership), { bucket: name, rule: { objectOwnership: "BucketOwnerEnforced" } });
        // 30 days, as long as the RDS backups (rds-backup-retention's minimumDays).
        assert.deepEqual(one(run, S3.lifecycle), {
            bucket: name,
            rules: [
                {
                    id: "expire-malwar-backups",
                    status: "Enabled",
                    filter: { prefix: "malwar/" },
                    expiration: { days: 30 },
                    noncurrentVersionExpiration: { noncurrentDays: 30 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ],
        });
        const policy = one(run, S3.policy);
        assert.equal(policy.bucket, name);
        assert.deepEqual(JSON.parse(policy.policy), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [arn, `${arn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
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
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: PROD_OIDC_ARN },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            [`${PROD_ISSUER}:sub`]: "system:serviceaccount:clair-production:malwar-backup",
                            [`${PROD_ISSUER}:aud`]: "sts.amazonaws.com",
                        },
                    },
                },
            ],
        });
        const policy = one(run, IAM.rolePolicy);
        assert.deepEqual(JSON.parse(policy.policy).Statement, [
            {
                Sid: "PutMalwarBackups",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                Resource: "arn:aws:s3:::malwar-backup-bucket-0a1b2c3/malwar/*",
            },
        ]);
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
        assert.deepEqual(pod.volumes.find((v: any) => v.name === "aws-token").projected.sources, [
            { serviceAccountToken: { path: "token", audience: "sts.amazonaws.com", expirationSeconds: 3600 } },
        ]);
        const env = Object.fromEntries(upload.env.map((e: any) => [e.name, e.value]));
        assert.equal(env.AWS_ROLE_ARN, "arn:aws:iam::123456789012:role/malwar-backup-role-0a1b2c3");
        assert.equal(env.AWS_WEB_IDENTITY_TOKEN_FILE, "/var/run/secrets/sts.amazonaws.com/serviceaccount/token");
        assert.equal(env.AWS_REGION, "us-east-1");
        for (const c of [snapshot, upload]) {
            assert.deepEqual(c.resources.requests, c.resources.limits);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            assert.equal(c.securityContext.allowPrivilegeEscalation, false);
            // An OpenShift stack: restricted-v2 assigns the uid (test/openshift.test.ts has the platform kubernetes case).
            assert.equal(c.securityContext.runAsUser, undefined);
            assert.equal(c.securityContext.runAsNonRoot, true);
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
        await assert.rejects(
            runProgram("prod", { sets: { "malwar.backup.oidcProviderArn": "arn:aws:iam::123:oidc-provider/x" } }),
            (err: Error & { resourcesRegistered?: number }) => {
                assert.match(
                    err.message,
                    /--set malwar\.backup\.oidcProviderArn: scanning-platform:malwar\.backup\.oidcProviderArn = "arn:aws:iam::123:oidc-provider\/x": must be an IAM OIDC provider ARN: arn:aws:iam::<12-digit account>:oidc-provider\/<issuer host and path>/,
                );
                assert.equal(err.resourcesRegistered, 0);
                return true;
            },
        );
        const config = { "scanning-platform:malwar": JSON.stringify({ storageClass: "gp2", backup: { enabled: true } }) };
        await assert.rejects(
            runProgram("local", { config }),
            /Pulumi\.local\.yaml: scanning-platform:malwar\.backup\.oidcProviderArn = \(unset\): is required when malwar\.backup\.enabled is true/,
        );
    });
});
