import * as pulumi from "@pulumi/pulumi";
import { placementOf, type WorkloadPlacement } from "../shared/workload";
import type { DatabaseCapacity, WorkloadCapacity } from "../../lib/capacity";
import { RdsPostgres, type RdsInstanceSettings } from "../aws/postgres";
import type { PostgresEndpoint } from "../postgres/endpoint";
import { InClusterPostgres } from "../postgres/in-cluster";
import { selectorLabels } from "../shared/labels";
import { clairctlIdentity } from "./clairctl";
import { CLAIR_MODES, type ClairMode } from "../../lib/clair-pools";
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

/** The placement (WorkloadPlacement) is for in-cluster PostgreSQL pods, like every other Clair workload's. */
export interface ClairDatabasesArgs extends WorkloadPlacement {
    /** Suffix of RDS identifiers, e.g. "prod" -> clair-indexer-prod. */
    stack: string;
    /** Where the three databases run: three RDS instances, or three in-cluster PostgreSQL StatefulSets. */
    database: ClairDatabaseBackend;
    /** AWS tags of the RDS resources, with component clair-<node type> added per instance; unused in-cluster. */
    tags: Record<string, string>;
    /** The dedicated updater's pods write into the matcher database. */
    dedicatedUpdater?: boolean;
}

/** Each RDS instance holds one database, named "clair". */
export const CLAIR_DB_NAME = "clair";

/** One PostgreSQL per Clair node type: they never share tables, only APIs. */
export class ClairDatabases extends pulumi.ComponentResource {
    readonly endpoints: Record<ClairMode, PostgresEndpoint>;
    readonly capacity: WorkloadCapacity[] = [];
    readonly databases: DatabaseCapacity[] = [];

    constructor(name: string, args: ClairDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:Databases", name, {}, opts);
        const database = args.database;
        const endpoints: Partial<Record<ClairMode, PostgresEndpoint>> = {};
        for (const mode of CLAIR_MODES) {
            if (database.backend === "rds") {
                const identifier = `clair-${mode}-${args.stack}`;
                const db = new RdsPostgres(
                    `${name}-${mode}-db`,
                    {
                        identifier,
                        app: "clair",
                        dbName: CLAIR_DB_NAME,
                        username: "clair",
                        settings: database.rds,
                        subnetGroupName: database.network.subnetGroupName,
                        securityGroupId: database.network.securityGroupId,
                        tags: { ...args.tags, component: `clair-${mode}` },
                    },
                    { parent: this },
                );
                endpoints[mode] = db;
                this.databases.push(db.capacity);
            } else {
                const db = new InClusterPostgres(
                    `${name}-${mode}-db`,
                    {
                        ...placementOf(args),
                        name: `clair-${mode}-db`,
                        dbName: CLAIR_DB_NAME,
                        username: "clair",
                        image: database.image,
                        storageSize: database.storageSize,
                        maxConnections: database.maxConnections,
                        resources: { cpu: "500m", memory: "512Mi" },
                        clients: [
                            selectorLabels(clairIdentity(mode)),
                            // clairctl's admin tasks touch the indexer and matcher databases, the import the matcher's.
                            ...(mode === "notifier" ? [] : [selectorLabels(clairctlIdentity("upgrade"))]),
                            ...(mode === "matcher" ? [selectorLabels(clairctlIdentity("import"))] : []),
                            ...(mode === "matcher" && args.dedicatedUpdater ? [selectorLabels(updaterIdentity)] : []),
                        ],
                    },
                    { parent: this },
                );
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
