import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseCapacity } from "../../lib/capacity";
import { parameterGroupFamily } from "../../lib/rds";
import { maxConnectionsFor } from "../../policy/lib/rds";
import type { PostgresEndpoint } from "../postgres/endpoint";
import { generatedSecret } from "../shared/generated-secret";

/** Sizing, backups and protection of one RDS PostgreSQL instance. */
export interface RdsInstanceSettings {
    instanceClass: string;
    /** The class's memory, which max_connections is set from. */
    memoryGiB: number;
    /** PostgreSQL version, e.g. "16.4". */
    engineVersion: string;
    allocatedStorageGiB: number;
    /** Storage autoscaling ceiling; 0 turns autoscaling off. */
    maxAllocatedStorageGiB: number;
    backupRetentionDays: number;
    /** UTC, hh:mm-hh:mm. */
    backupWindow: string;
    /** UTC, ddd:hh:mm-ddd:hh:mm. */
    maintenanceWindow: string;
    multiAz: boolean;
    /**
     * RDS upgrades the engine to a new major version only with this flag; the change then applies
     * during the update instead of in the maintenance window, so the procedure's downtime is known.
     */
    allowMajorVersionUpgrade: boolean;
    /** Also decides the final snapshot on delete. */
    deletionProtection: boolean;
    /** Pulumi `protect`. */
    protect: boolean;
}

export interface RdsPostgresArgs {
    /** RDS instance identifier, e.g. "clair-indexer-prod". */
    identifier: string;
    /** Which part of the platform it serves ("clair", "malwar"), for the capacity summary. */
    app: string;
    /** Database created in the instance (RDS dbName), the one the clients connect to. */
    dbName: string;
    /** Master user name; its password is generated here (40 characters) and kept as a secret. */
    username: string;
    /** Instance class, storage, version, backups and protection of the instance. */
    settings: RdsInstanceSettings;
    /** DB subnet group the instance is placed in (DatabaseNetwork.subnetGroupName). */
    subnetGroupName: pulumi.Input<string>;
    /** The one VPC security group of the instance, admitting 5432 (DatabaseNetwork.securityGroupId). */
    securityGroupId: pulumi.Input<string>;
    /** AWS tags on the parameter group and the instance (copied to its snapshots). */
    tags: Record<string, string>;
}

/**
 * One PostgreSQL instance on RDS: encrypted, private, TLS enforced by its parameter group,
 * daily automated backups, and (where configured) deletion protection, a final snapshot and
 * Pulumi `protect`. The master password is generated and only ever travels as a secret.
 */
export class RdsPostgres extends pulumi.ComponentResource implements PostgresEndpoint {
    readonly identifier: string;
    readonly address: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly password: pulumi.Output<string>;
    readonly username: string;
    readonly dbName: string;
    /** max_connections set in the parameter group. */
    readonly maxConnections: number;
    readonly capacity: DatabaseCapacity;

    constructor(name: string, args: RdsPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:aws:RdsPostgres", name, {}, opts);
        const settings = args.settings;
        this.identifier = args.identifier;
        this.username = args.username;
        this.dbName = args.dbName;
        this.maxConnections = maxConnectionsFor(settings.instanceClass, settings.memoryGiB);
        this.capacity = { name: args.identifier, app: args.app, instanceClass: settings.instanceClass, allocatedStorageGiB: settings.allocatedStorageGiB };

        this.password = generatedSecret(`${name}-password`, { length: 40 }, { parent: this });

        const family = parameterGroupFamily(settings.engineVersion);
        // A group's family cannot change: a new major version replaces the group, and the new
        // one (created first, while the instance still uses the old) needs a name of its own.
        const parameterGroup = new aws.rds.ParameterGroup(
            name,
            {
                name: `${args.identifier}-${family}-params`,
                family,
                description: `TLS-only PostgreSQL for ${args.identifier}`,
                parameters: [
                    { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
                    { name: "max_connections", value: String(this.maxConnections), applyMethod: "pending-reboot" },
                ],
                tags: args.tags,
            },
            { parent: this },
        );

        const instance = new aws.rds.Instance(
            name,
            {
                identifier: args.identifier,
                engine: "postgres",
                engineVersion: settings.engineVersion,
                instanceClass: settings.instanceClass,
                dbName: args.dbName,
                username: args.username,
                password: this.password,
                allocatedStorage: settings.allocatedStorageGiB,
                maxAllocatedStorage: settings.maxAllocatedStorageGiB > 0 ? settings.maxAllocatedStorageGiB : undefined,
                storageType: "gp3",
                storageEncrypted: true,
                publiclyAccessible: false,
                dbSubnetGroupName: args.subnetGroupName,
                vpcSecurityGroupIds: [args.securityGroupId],
                parameterGroupName: parameterGroup.name,
                multiAz: settings.multiAz,
                backupRetentionPeriod: settings.backupRetentionDays,
                backupWindow: settings.backupWindow,
                maintenanceWindow: settings.maintenanceWindow,
                copyTagsToSnapshot: true,
                deletionProtection: settings.deletionProtection,
                skipFinalSnapshot: !settings.deletionProtection,
                finalSnapshotIdentifier: settings.deletionProtection ? `${args.identifier}-final` : undefined,
                autoMinorVersionUpgrade: true,
                allowMajorVersionUpgrade: settings.allowMajorVersionUpgrade,
                ...(settings.allowMajorVersionUpgrade ? { applyImmediately: true } : {}),
                performanceInsightsEnabled: true,
                tags: args.tags,
            },
            {
                parent: this,
                protect: settings.protect,
                // With storage autoscaling RDS grows allocatedStorage itself; setting it back to the
                // configured size would be a shrink, which RDS refuses, and every refresh would see drift.
                ignoreChanges: settings.maxAllocatedStorageGiB > 0 ? ["allocatedStorage"] : [],
            },
        );

        this.address = instance.address;
        this.port = instance.port;
        this.registerOutputs({ address: this.address, port: this.port, maxConnections: this.maxConnections });
    }
}
