import type { ResourceValidationPolicy } from "@pulumi/policy";

const RDS_TYPES = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"];

/**
 * Losing the Clair indexer database means months of re-indexing: automated backups must be
 * kept at least `minimumDays` (the program's: daily, 30 days), in a set window.
 */
export const rdsBackupRetention: ResourceValidationPolicy = {
    name: "rds-backup-retention",
    description:
        "RDS instances and clusters keep automated backups at least `minimumDays` (default 30) and set a backup window; unset fails, since the provider's default keeps fewer days.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { minimumDays: { type: "integer", minimum: 1, maximum: 35, default: 30 } },
    },
    validateResource: (args, reportViolation) => {
        if (!RDS_TYPES.includes(args.type)) return;
        const { minimumDays } = args.getConfig<{ minimumDays: number }>();
        const kind = args.type.endsWith("Cluster") ? "RDS cluster" : "RDS instance";
        const name = args.props.identifier ?? args.props.clusterIdentifier ?? args.name;
        const days = args.props.backupRetentionPeriod;
        if (days === undefined || days === null) {
            reportViolation(`${kind} ${name}: backupRetentionPeriod is unset (the default keeps fewer than ${minimumDays} days); set at least ${minimumDays}`);
        } else if (typeof days !== "number" || days < minimumDays) {
            reportViolation(`${kind} ${name}: backupRetentionPeriod ${JSON.stringify(days)} is below the minimum of ${minimumDays} days`);
        }
        const window = args.type.endsWith("Cluster") ? args.props.preferredBackupWindow : args.props.backupWindow;
        if (!window) reportViolation(`${kind} ${name}: no backup window is set; choose one outside peak hours (e.g. 03:00-04:00)`);
    },
};
