import { rdsFlagPolicy } from "./lib/rds-flag";

/** The indexer and notifier databases hold what customers pushed and who to notify. */
export const rdsStorageEncrypted = rdsFlagPolicy({
    name: "rds-storage-encrypted",
    description: "RDS instances encrypt their storage (and so their snapshots): the databases hold customer manifests and notification targets.",
    property: "storageEncrypted",
    required: true,
    advice: "set it to true (it cannot be changed later without a restore)",
});
