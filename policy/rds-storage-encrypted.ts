import type { ResourceValidationPolicy } from "@pulumi/policy";

/** The indexer and notifier databases hold what customers pushed and who to notify. */
export const rdsStorageEncrypted: ResourceValidationPolicy = {
    name: "rds-storage-encrypted",
    description: "RDS instances encrypt their storage (and so their snapshots): the databases hold customer manifests and notification targets.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:rds/instance:Instance") return;
        if (args.props.storageEncrypted !== true) {
            reportViolation(`RDS instance ${args.props.identifier ?? args.name}: storageEncrypted is ${JSON.stringify(args.props.storageEncrypted ?? "unset")}; set it to true (it cannot be changed later without a restore)`);
        }
    },
};
