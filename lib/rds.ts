/**
 * RDS PostgreSQL facts of the program's own. Instance memory and the max_connections it implies
 * (for sizing connection pools at preview time) are the policy pack's: policy/lib/rds.ts.
 */

/** PostgreSQL parameter group family for an engine version ("16.4" -> "postgres16"). */
export function parameterGroupFamily(engineVersion: string): string {
    return `postgres${engineVersion.split(".")[0]}`;
}
