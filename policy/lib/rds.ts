/**
 * RDS PostgreSQL sizing facts, offline: instance memory and the max_connections it implies.
 * The clair-connection-pools policy falls back to them when no parameter group sets
 * max_connections; the program sets that parameter from the same function.
 */

import { RDS_POSTGRESQL_INSTANCE_CLASSES } from "./rds-instance-classes";

export {
    RDS_CLASS_TABLE_EDITION,
    RDS_POSTGRESQL_FAMILY_LIMITS,
    RDS_POSTGRESQL_FAMILY_MINIMUMS,
    RDS_POSTGRESQL_INSTANCE_CLASSES,
    type RdsInstanceClass,
} from "./rds-instance-classes";

/** Memory in GiB of every class RDS lists for PostgreSQL (rds-instance-classes.ts names the source). */
export const knownInstanceClasses: Record<string, number> = Object.fromEntries(
    Object.entries(RDS_POSTGRESQL_INSTANCE_CLASSES).map(([name, c]) => [name, c.memoryGiB]),
);

/**
 * RDS's default is LEAST(DBInstanceClassMemory/9531392, 5000), where DBInstanceClassMemory is
 * the class memory less what the OS and RDS processes keep (roughly 10%). The program sets the
 * parameter explicitly to that estimate, so the value the pools are sized against is the one in force.
 * `memoryGiB` is the class's memory where the table lacks the class (the stack config states it).
 */
export function maxConnectionsFor(instanceClass: string, memoryGiB: number | undefined = knownInstanceClasses[instanceClass]): number {
    if (memoryGiB === undefined) throw new Error(`unknown RDS instance class ${instanceClass}`);
    const usableBytes = memoryGiB * 2 ** 30 * 0.9;
    return Math.min(Math.floor(usableBytes / 9531392), 5000);
}
