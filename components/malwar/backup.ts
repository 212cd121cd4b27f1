import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import type { WorkloadCapacity } from "../../lib/capacity";
import { cronJobSpec } from "../shared/cron-job";
import type { Exemption } from "../shared/exemptions";
import { instanceSelector, labels } from "../shared/labels";
import { allowOnly, DNS } from "../shared/network-policy";
import type { GuaranteedResources } from "../../lib/resources";
import type { RunAs } from "../shared/security";
import { appServiceAccount } from "../shared/service-account";
import { placementWithAccount, podTemplate, podVolume, type AppPlacement } from "../shared/workload";

/** The backup program, shipped to the pod in a ConfigMap as committed (components/malwar/malwar_backup.py). */
export const BACKUP_PROGRAM_FILE = "malwar_backup.py";
export const BACKUP_PROGRAM = fs.readFileSync(path.join(__dirname, BACKUP_PROGRAM_FILE), "utf8");
/** Where the objects go in the bucket: malwar/malwar-<UTC time>.db. */
export const BACKUP_PREFIX = "malwar/";
/** The audience of the projected token that STS accepts (AssumeRoleWithWebIdentity). */
export const STS_AUDIENCE = "sts.amazonaws.com";
const TOKEN_DIR = "/var/run/secrets/sts.amazonaws.com/serviceaccount";
const PROGRAM_DIR = "/opt/malwar-backup";
const SNAPSHOT_DIR = "/backup";
/** A run has this long (snapshot and upload of at most the claim's size); the token outlives it. */
const RUN_SECONDS = 1800;
const TOKEN_SECONDS = 3600;

/** The app's placement, but for the ServiceAccount: this CronJob makes its own. */
export interface MalwarBackupArgs extends AppPlacement {
    /** CronJob, ServiceAccount and NetworkPolicy name. */
    name: string;
    /** When a backup runs: a Kubernetes CronJob schedule, e.g. "30 3 * * *"; no timeZone is set, so the controller manager's. */
    schedule: string;
    /** Days a backup object is kept; a replaced or deleted version is kept as long again. */
    retentionDays: number;
    /** The cluster's IAM OIDC provider, which signs the ServiceAccount's tokens. */
    oidc: { providerArn: string; issuer: string };
    /** Malwar's own image: Python 3 with sqlite3, and the uid that owns the database files. */
    snapshotImage: string;
    /** AWS CLI v2 image for the upload. */
    uploadImage: string;
    /** Each of the two containers': the snapshot (init) and the upload. */
    resources: GuaranteedResources;
    /** Malwar's uid and gid (and the pod's fsGroup): the snapshot opens the database files as their owner. */
    runAs: RunAs;
    /** Malwar's ReadWriteOnce claim and the database file on it. */
    claimName: pulumi.Input<string>;
    /** Absolute path of the SQLite file as Malwar's pod sees it (MALWAR_DB_PATH), e.g. /data/malwar.db; the claim is mounted at its directory. */
    databaseFile: string;
    /** Labels of Malwar's pod: the backup pod runs on its node, where the claim is attached. */
    malwarPodLabels: Record<string, string>;
    /** Size of the claim: the snapshot's scratch space is bounded by it. */
    storageSize: string;
    /** The AWS region the provider creates the bucket in (aws:region). */
    region: string;
    /** AWS tags of the bucket and the IAM role, with component malwar-backup added. */
    tags: Record<string, string>;
    /** Exemptions Malwar's uid causes, which the backup pod shares. */
    uidExemptions: Exemption[];
}

export const BACKUP_EXEMPTIONS: Exemption[] = [
    {
        checker: "polaris",
        check: "missingNetworkPolicy",
        reason: "the backup job accepts no connections: its NetworkPolicy lists no ingress rule, which denies all (Polaris wants at least one)",
    },
    { checker: "polaris", check: "sensitiveContainerEnvVar", reason: "AWS_WEB_IDENTITY_TOKEN_FILE holds the path of the projected token file, not the token" },
];

/**
 * Scheduled, consistent backups of Malwar's SQLite database to an S3 bucket of its own.
 *
 * The pod runs on Malwar's node (the claim is ReadWriteOnce: attached to one node, which may
 * mount it into several pods). An init container runs malwar_backup.py from Malwar's image:
 * SQLite's online backup API into an emptyDir, checked with PRAGMA integrity_check. The main
 * container, AWS CLI, uploads the snapshot with the credentials of an IAM role that only this
 * ServiceAccount can assume (IRSA: a projected token for sts.amazonaws.com, exchanged with
 * AssumeRoleWithWebIdentity); the role may put objects under malwar/ and nothing else.
 */
export class MalwarBackup extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    readonly roleArn: pulumi.Output<string>;
    readonly cronJobName: pulumi.Output<string>;
    /** One run's pod, as the capacity summary counts a CronJob. */
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: MalwarBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:malwar:Backup", name, {}, opts);
        const id = { name: "malwar", component: "backup", partOf: "malwar" };
        const childOpts = { parent: this };
        // The bucket and its settings outlive the stack: deleting them would delete the backups
        // (or leave a bucket without its encryption, versioning and public access block).
        const keptOpts = { parent: this, retainOnDelete: true };
        const tags = { ...args.tags, component: "malwar-backup" };

        const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: false, tags }, keptOpts);
        const bucketRef = { bucket: bucket.id };
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { ...bucketRef, rule: { objectOwnership: "BucketOwnerEnforced" } }, keptOpts);
        new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                ...bucketRef,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            keptOpts,
        );
        new aws.s3.BucketVersioning(`${name}-versioning`, { ...bucketRef, versioningConfiguration: { status: "Enabled" } }, keptOpts);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                ...bucketRef,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            },
            keptOpts,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                ...bucketRef,
                rules: [
                    {
                        id: "expire-malwar-backups",
                        status: "Enabled",
                        filter: { prefix: BACKUP_PREFIX },
                        expiration: { days: args.retentionDays },
                        // A version that was overwritten or deleted is kept as long again, then removed.
                        noncurrentVersionExpiration: { noncurrentDays: args.retentionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    },
                ],
            },
            keptOpts,
        );
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                ...bucketRef,
                policy: bucket.arn.apply((arn) =>
                    JSON.stringify({
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
                    }),
                ),
            },
            keptOpts,
        );

        const account = appServiceAccount(`${name}-sa`, { objectName: args.name, namespace: args.namespace, identity: id }, childOpts);
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: "Malwar's backup CronJob: puts SQLite snapshots into its bucket",
                assumeRolePolicy: pulumi.output(args.namespace).apply((namespace) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Federated: args.oidc.providerArn },
                                Action: "sts:AssumeRoleWithWebIdentity",
                                Condition: {
                                    StringEquals: {
                                        [`${args.oidc.issuer}:sub`]: `system:serviceaccount:${namespace}:${args.name}`,
                                        [`${args.oidc.issuer}:aud`]: STS_AUDIENCE,
                                    },
                                },
                            },
                        ],
                    }),
                ),
                maxSessionDuration: 3600,
                tags,
            },
            childOpts,
        );
        new aws.iam.RolePolicy(
            `${name}-put`,
            {
                role: role.name,
                policy: bucket.arn.apply((arn) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "PutMalwarBackups",
                                Effect: "Allow",
                                // No read, list or delete: a leaked token can add objects, never take or remove them.
                                Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                                Resource: `${arn}/${BACKUP_PREFIX}*`,
                            },
                        ],
                    }),
                ),
            },
            childOpts,
        );

        const program = new k8s.core.v1.ConfigMap(
            `${name}-program`,
            {
                metadata: { name: `${args.name}-program`, namespace: args.namespace, labels: labels(id) },
                data: { [BACKUP_PROGRAM_FILE]: BACKUP_PROGRAM },
            },
            childOpts,
        );

        // HTTPS to S3 and STS; nothing comes in.
        allowOnly(
            `${name}-network`,
            id,
            args.namespace,
            { podSelector: instanceSelector(args.name), ingress: [], egress: [...DNS, { ports: [443] }] },
            childOpts,
            args.name,
        );

        const data = podVolume("data", { persistentVolumeClaim: { claimName: args.claimName } });
        const snapshots = podVolume("snapshots", { emptyDir: { sizeLimit: args.storageSize } });
        const programVolume = podVolume("program", { configMap: { name: program.metadata.name } });
        const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "64Mi" } });
        const token = podVolume("aws-token", {
            projected: { sources: [{ serviceAccountToken: { path: "token", audience: STS_AUDIENCE, expirationSeconds: TOKEN_SECONDS } }] },
        });
        const pod = podTemplate({
            placement: placementWithAccount(args, account.metadata.name),
            restartPolicy: "Never",
            runAs: args.runAs,
            fsGroup: args.runAs.group,
            colocateWith: args.malwarPodLabels,
            uidExemptions: args.uidExemptions,
            exemptions: BACKUP_EXEMPTIONS,
            initContainers: [
                {
                    name: "snapshot",
                    image: args.snapshotImage,
                    command: ["python3", `${PROGRAM_DIR}/${BACKUP_PROGRAM_FILE}`, "--database", args.databaseFile, "--out-dir", SNAPSHOT_DIR],
                    // Read-write: a reader of a WAL database takes locks in its -shm file.
                    mounts: [
                        data.mount(path.posix.dirname(args.databaseFile)),
                        snapshots.mount(SNAPSHOT_DIR),
                        programVolume.mount(PROGRAM_DIR, { readOnly: true }),
                        tmp.mount("/tmp"),
                    ],
                    resources: args.resources,
                    ephemeralStorage: "64Mi",
                },
            ],
            containers: [
                {
                    name: "upload",
                    image: args.uploadImage,
                    command: [
                        "aws",
                        "s3",
                        "cp",
                        "--recursive",
                        "--only-show-errors",
                        `${SNAPSHOT_DIR}/`,
                        pulumi.interpolate`s3://${bucket.id}/${BACKUP_PREFIX}`,
                    ],
                    env: [
                        { name: "AWS_ROLE_ARN", value: role.arn },
                        { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: `${TOKEN_DIR}/token` },
                        { name: "AWS_ROLE_SESSION_NAME", value: args.name },
                        { name: "AWS_REGION", value: args.region },
                        { name: "AWS_STS_REGIONAL_ENDPOINTS", value: "regional" },
                        // The CLI caches credentials under $HOME: keep it off the read-only root.
                        { name: "HOME", value: "/tmp" },
                    ],
                    mounts: [snapshots.mount(SNAPSHOT_DIR, { readOnly: true }), token.mount(TOKEN_DIR, { readOnly: true }), tmp.mount("/tmp")],
                    resources: args.resources,
                    ephemeralStorage: "64Mi",
                },
            ],
            volumes: [data, snapshots, programVolume, tmp, token],
        });

        const cronJob = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: { name: args.name, namespace: args.namespace, labels: labels(id, args.name), annotations: pod.annotations() },
                spec: cronJobSpec(args.schedule, labels(id), {
                    backoffLimit: 2,
                    activeDeadlineSeconds: RUN_SECONDS,
                    template: { metadata: pod.metadata(labels(id, args.name)), spec: pod.spec },
                }),
            },
            childOpts,
        );

        this.capacity = [pod.capacity({ name: args.name, app: "malwar", kind: "CronJob", replicas: 1 })];
        this.bucketName = bucket.id;
        this.roleArn = role.arn;
        this.cronJobName = cronJob.metadata.name;
        this.registerOutputs({ bucketName: this.bucketName, roleArn: this.roleArn, cronJobName: this.cronJobName });
    }
}
