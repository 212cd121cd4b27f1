/**
 * RDS PostgreSQL sizing facts, offline: instance memory and the max_connections it implies.
 * The clair-connection-pools policy falls back to them when no parameter group sets
 * max_connections; the program sets that parameter from the same function.
 */

/** Memory in GiB of the instance classes we accept (AWS instance type tables). */
export const knownInstanceClasses: Record<string, number> = {
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.m6g.large": 8,
    "db.m6g.xlarge": 16,
    "db.m6g.2xlarge": 32,
    "db.m6g.4xlarge": 64,
    "db.m7g.large": 8,
    "db.m7g.xlarge": 16,
    "db.m7g.2xlarge": 32,
    "db.r6g.large": 16,
    "db.r6g.xlarge": 32,
    "db.r6g.2xlarge": 64,
};

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
