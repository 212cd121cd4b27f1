import * as pulumi from "@pulumi/pulumi";
import type { PodSettings } from "../shared/workload";
import type { DatabaseCapacity, WorkloadCapacity } from "../../lib/capacity";
import { RdsPostgres, type RdsInstanceSettings } from "../aws/postgres";
import type { PostgresEndpoint } from "../postgres/endpoint";
import { InClusterPostgres } from "../postgres/in-cluster";
import { selectorLabels } from "../shared/labels";
import { clairctlIdentity } from "./clairctl";
import type { ClairMode } from "../../lib/clair-pools";
import { clairIdentity } from "./pod";
import { updaterIdentity } from "./updater";

/** Where Clair's three databases run. */
export type ClairDatabaseBackend =
    | {
          backend: "rds";
          rds: RdsInstanceSettings;
          /** The subnet group and security group the instances join. */
          network: { subnetGroupName: pulumi.Input<string>; securityGroupId: pulumi.Input<string> };
      }
    | {
          /** A PostgreSQL StatefulSet per node type (the local stack). */
          backend: "in-cluster";
          image: string;
          storageSize: string;
          maxConnections: number;
      };

export interface ClairDatabasesArgs {
    /** Suffix of RDS identifiers, e.g. "prod" -> clair-indexer-prod. */
    stack: string;
    database: ClairDatabaseBackend;
    namespace: pulumi.Input<string>;
    tags: Record<string, string>;
    /** For in-cluster PostgreSQL pods, like every other workload's. */
    priorityClassName?: string;
    /** The app's cluster-fit settings (config `<app>.pod`): on every pod it creates. */
    podSettings?: PodSettings;
    /** The app's ServiceAccount (no token mounted); the default account when absent. */
    serviceAccountName?: pulumi.Input<string>;
    /** The dedicated updater's pods write into the matcher database. */
    dedicatedUpdater?: boolean;
}

const MODES: ClairMode[] = ["indexer", "matcher", "notifier"];
/** Each RDS instance holds one database, named "clair". */
export const CLAIR_DB_NAME = "clair";

/** One PostgreSQL per Clair node type: they never share tables, only APIs. */
export class ClairDatabases extends pulumi.ComponentResource {
    readonly endpoints: Record<ClairMode, PostgresEndpoint>;
    readonly capacity: WorkloadCapacity[] = [];
    readonly databases: DatabaseCapacity[] = [];

    constructor(name: string, args: ClairDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:Databases", name, {}, opts);
        const s = args.database;
        const endpoints: Partial<Record<ClairMode, PostgresEndpoint>> = {};
        for (const mode of MODES) {
            if (s.backend === "rds") {
                const identifier = `clair-${mode}-${args.stack}`;
                const db = new RdsPostgres(`${name}-${mode}-db`, {
                    identifier,
                    app: "clair",
                    dbName: CLAIR_DB_NAME,
                    username: "clair",
                    settings: s.rds,
                    subnetGroupName: s.network.subnetGroupName,
                    securityGroupId: s.network.securityGroupId,
                    tags: { ...args.tags, component: `clair-${mode}` },
                }, { parent: this });
                endpoints[mode] = db;
                this.databases.push(db.capacity);
            } else {
                const db = new InClusterPostgres(`${name}-${mode}-db`, {
                    namespace: args.namespace,
                    name: `clair-${mode}-db`,
                    dbName: CLAIR_DB_NAME,
                    username: "clair",
                    image: s.image,
                    storageSize: s.storageSize,
                    maxConnections: s.maxConnections,
                    resources: { cpu: "500m", memory: "512Mi" },
                    clients: [
                        selectorLabels(clairIdentity(mode)),
                        // clairctl's admin tasks touch the indexer and matcher databases, the import the matcher's.
                        ...(mode === "notifier" ? [] : [selectorLabels(clairctlIdentity("upgrade"))]),
                        ...(mode === "matcher" ? [selectorLabels(clairctlIdentity("import"))] : []),
                        ...(mode === "matcher" && args.dedicatedUpdater ? [selectorLabels(updaterIdentity)] : []),
                    ],
                    priorityClassName: args.priorityClassName,
                    podSettings: args.podSettings,
                    serviceAccountName: args.serviceAccountName,
                        }, { parent: this });
                endpoints[mode] = db;
                this.capacity.push(...db.capacity);
            }
        }
        this.endpoints = endpoints as Record<ClairMode, PostgresEndpoint>;
        this.registerOutputs({
            addresses: { indexer: this.endpoints.indexer.address, matcher: this.endpoints.matcher.address, notifier: this.endpoints.notifier.address },
        });
    }
}
