/**
 * RDS PostgreSQL sizing facts the program needs offline: instance memory and the
 * max_connections it implies, so that connection pools can be sized at preview time.
 */

/** Instance memory and the max_connections it implies: the policy pack owns these facts. */
export { knownInstanceClasses, maxConnectionsFor, RDS_CLASS_TABLE_EDITION, RDS_POSTGRESQL_FAMILY_LIMITS, RDS_POSTGRESQL_FAMILY_MINIMUMS, RDS_POSTGRESQL_INSTANCE_CLASSES, type RdsInstanceClass } from "../policy/lib/rds";

/** PostgreSQL parameter group family for an engine version ("16.4" -> "postgres16"). */
export function parameterGroupFamily(engineVersion: string): string {
    return `postgres${engineVersion.split(".")[0]}`;
}
