import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { vendorUid, type Exemption } from "../shared/exemptions";
import { generatedSecret } from "../shared/generated-secret";
import { instanceSelector, labels, selectorLabels } from "../shared/labels";
import { allowOnly, DNS } from "../shared/network-policy";
import { execProbe } from "../shared/probes";
import type { GuaranteedResources } from "../../lib/resources";
import { perPodClaimVolume, podTemplate, podVolume, type WorkloadPlacement } from "../shared/workload";
import type { PostgresEndpoint } from "./endpoint";

/** The placement (namespace, priority class, pod settings, ServiceAccount) is the app's that uses the database. */
export interface InClusterPostgresArgs extends WorkloadPlacement {
    /** Service and StatefulSet name, e.g. "clair-indexer-db". */
    name: string;
    /** Database the image creates at first start (POSTGRES_DB), the one the clients connect to. */
    dbName: string;
    /** The user the image creates as superuser (POSTGRES_USER), whom the clients log in as; its password is generated here (32 characters) and kept as a secret. */
    username: string;
    /** A pinned official postgres image, e.g. postgres:16.4: it reads the POSTGRES_* variables, its postgres user is uid 999 (the pod runs as it), and it has pg_isready. */
    image: string;
    /** Size of the pod's data claim, a quantity with a byte unit, e.g. "5Gi". */
    storageSize: string;
    /** StorageClass of the data claim; the cluster's default class when unset. */
    storageClass?: string;
    /** PostgreSQL max_connections (the server's -c flag), which the clients' pools must fit in. */
    maxConnections: number;
    /** The postgres container's. */
    resources: GuaranteedResources;
    /** Pods that may connect (NetworkPolicy), one label selector each. */
    clients: Record<string, string>[];
}

const POSTGRES_UID = 999; // the "postgres" user of the official image
const PORT = 5432;
export const POSTGRES_UID_EXEMPTIONS = vendorUid("runs as the postgres image's own user (uid/gid 999), which owns its data directory layout");
export const PASSWORD_FILE_EXEMPTIONS: Exemption[] = [
    { checker: "polaris", check: "sensitiveContainerEnvVar", reason: "POSTGRES_PASSWORD_FILE holds the path of the mounted Secret file, not the password" },
];

/**
 * PostgreSQL as a one-pod StatefulSet, for stacks without RDS (the local stack). Same
 * endpoint shape as RdsPostgres so the Clair config does not care which it gets.
 */
export class InClusterPostgres extends pulumi.ComponentResource implements PostgresEndpoint {
    readonly identifier: string;
    readonly address: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly dbName: string;
    readonly username: string;
    readonly password: pulumi.Output<string>;
    readonly maxConnections: number;
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: InClusterPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:postgres:InClusterPostgres", name, {}, opts);
        const id = { name: "postgres", component: args.name };
        const childOpts = { parent: this };
        this.identifier = args.name;
        this.dbName = args.dbName;
        this.username = args.username;
        this.maxConnections = args.maxConnections;
        this.password = generatedSecret(`${name}-password`, { length: 32 }, { parent: this });

        const credentials = new k8s.core.v1.Secret(
            name,
            {
                metadata: { name: `${args.name}-credentials`, namespace: args.namespace, labels: labels(id) },
                type: "Opaque",
                stringData: { POSTGRES_PASSWORD: this.password },
            },
            childOpts,
        );

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: args.name, namespace: args.namespace, labels: labels(id) },
                // Headless: the StatefulSet's governing Service; one pod, so clients resolve straight to it.
                spec: { clusterIP: "None", selector: selectorLabels(id), ports: [{ name: "postgres", port: PORT, targetPort: "postgres" }] },
            },
            childOpts,
        );

        // Only its clients reach it; out, it needs name resolution at most.
        allowOnly(
            args.name,
            id,
            args.namespace,
            {
                podSelector: instanceSelector(args.name),
                ingress: [{ ports: [PORT], peers: args.clients.map((matchLabels) => ({ podSelector: { matchLabels } })) }],
                egress: DNS,
            },
            childOpts,
        );
        const data = perPodClaimVolume("data", args.storageSize);
        const run = podVolume("run", { emptyDir: { sizeLimit: "16Mi" } });
        const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "256Mi" } });
        const secretFiles = podVolume("credentials", { secret: { secretName: credentials.metadata.name } });
        const ready = execProbe(["pg_isready", "-U", args.username, "-d", args.dbName, "-h", "127.0.0.1"], {
            periodSeconds: 10,
            timeoutSeconds: 5,
            failureThreshold: 3,
        });
        const pod = podTemplate({
            runAs: { user: POSTGRES_UID, group: POSTGRES_UID },
            fsGroup: POSTGRES_UID,
            placement: args,
            // One pod: nothing to spread, but the same preferences as every workload.
            spread: id,
            uidExemptions: POSTGRES_UID_EXEMPTIONS,
            exemptions: PASSWORD_FILE_EXEMPTIONS,
            containers: [
                {
                    name: "postgres",
                    image: args.image,
                    args: ["-c", `max_connections=${args.maxConnections}`],
                    ports: [{ name: "postgres", containerPort: PORT }],
                    env: [
                        { name: "POSTGRES_DB", value: args.dbName },
                        { name: "POSTGRES_USER", value: args.username },
                        // The image reads the password from a file: it stays out of the environment.
                        { name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/postgres/POSTGRES_PASSWORD" },
                        { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                    ],
                    readinessProbe: ready,
                    livenessProbe: execProbe(["pg_isready", "-h", "127.0.0.1"], { periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
                    mounts: [
                        data.mount("/var/lib/postgresql/data"),
                        run.mount("/var/run/postgresql"),
                        tmp.mount("/tmp"),
                        secretFiles.mount("/run/secrets/postgres", { readOnly: true }),
                    ],
                    resources: args.resources,
                    ephemeralStorage: "1Gi",
                },
            ],
            volumes: [data, run, tmp, secretFiles],
        });

        new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: { name: args.name, namespace: args.namespace, labels: labels(id, args.name), annotations: pod.annotations() },
                spec: {
                    serviceName: args.name,
                    replicas: 1,
                    selector: { matchLabels: selectorLabels(id) },
                    template: {
                        metadata: pod.metadata(labels(id, args.name)),
                        spec: pod.spec,
                    },
                    volumeClaimTemplates: pod.claimTemplates({ labels: labels(id), storageClass: args.storageClass }),
                    // Its password lives in the stack state and is gone after `pulumi destroy`; a data
                    // directory kept past that could never be opened with the next password. So the
                    // claim goes with the StatefulSet (the database is rebuilt: the matcher refetches
                    // its vulnerabilities, the indexer re-indexes on demand).
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
                },
            },
            childOpts,
        );

        this.capacity = [pod.capacity({ name: args.name, app: "postgres", kind: "StatefulSet", replicas: 1 })];
        this.address = pulumi.interpolate`${service.metadata.name}.${args.namespace}.svc`;
        this.port = pulumi.output(PORT);
        this.registerOutputs({ address: this.address, port: this.port });
    }
}
