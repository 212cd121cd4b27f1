/**
 * Annotations on each Clair Deployment and StatefulSet that tie it to its database: the
 * program writes them (components/clair), the clair-connection-pools policy reads them.
 */

/** The database the workload's pods connect to: an RDS identifier or an in-cluster server's name. */
export const DATABASE_ANNOTATION = "clair.scanning-platform/database";

/** pool_max_conns of each pod's connection pool to that database (a positive integer). */
export const POOL_ANNOTATION = "clair.scanning-platform/pool-max-conns";
