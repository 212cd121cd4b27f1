/**
 * The DB instance classes Amazon RDS lists for PostgreSQL, with their vCPUs and memory: the
 * connection pools are sized from the memory (max_connections follows it).
 *
 * Source: Amazon RDS User Guide, "DB instance classes" — "Supported DB engines for DB instance
 * classes" (the classes whose PostgreSQL column is not "No") and "Hardware specifications for DB
 * instance classes" (vCPU, Memory (GiB)):
 * - the families the guide listed on 2023-06-09 (awsdocs/amazon-rds-user-guide,
 *   doc_source/Concepts.DBInstanceClass.md at 50e7617a, read 2026-12-03);
 * - the families it has listed since (db.m8g, db.m8gd, db.m7i, db.m6id, db.m6idn, db.m6in,
 *   db.r8g, db.r8gd, db.r7i, db.r6id, db.r6idn, db.r6in), from the current pages
 *   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html
 *   and https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html
 *   (stored copies read 2026-12-03, which list PostgreSQL 18.1 for db.m8gd/db.r8gd).
 * Left out although the hardware table lists them: the .metal and .metal-NNxl sizes and the
 * Oracle-only .tpcN.memNx classes (PostgreSQL column "No"), db.r6idn.large (absent from the
 * engine table), and db.c6gd (RDS offers it only for Multi-AZ DB cluster deployments, and the
 * program creates DB instances). A class missing here takes clair.database.rds.instanceMemoryGiB.
 */

/** The guide's edition the table was taken from, for messages. */
export const RDS_CLASS_TABLE_EDITION = "User Guide of 2023-06-09, and the current pages for later families";

/** A DB instance class's size, as the hardware table gives it. */
export interface RdsInstanceClass {
    vCPU: number;
    memoryGiB: number;
}

/**
 * PostgreSQL support the guide states for a whole family that limits it today, from the current
 * "Supported DB engines for DB instance classes" page: "Deprecated" for db.m3, db.r3, db.m4, db.r4
 * and db.t2 (the 2023 edition still gave db.m4, db.r4 and db.t2 "Lower than PostgreSQL 13"), and
 * "PostgreSQL 15 versions, 14.6, and 13.9" for db.x2idn (RDS refuses it for 16 and later).
 * Every other family's support is listed per minor version, down to minors older than any RDS
 * still creates, so it is not checked here.
 */
export const RDS_POSTGRESQL_FAMILY_LIMITS: Record<string, { deprecated: true } | { belowMajor: number }> = {
    "db.m3": { deprecated: true },
    "db.r3": { deprecated: true },
    "db.m4": { deprecated: true },
    "db.r4": { deprecated: true },
    "db.t2": { deprecated: true },
    "db.x2idn": { belowMajor: 16 },
};

/**
 * The lowest minor of each PostgreSQL major that the current "Supported DB engines for DB
 * instance classes" page lists for the families added after 2023-06-09 ("PostgreSQL version 17.1
 * and higher, 16.1 and higher, ..."; "All PostgreSQL 17, 16, and 15 versions" is minor 0). RDS
 * refuses such a class for a lower minor of a listed major, or for a major below those listed; a
 * major above them is not refused (the page lists new majors late).
 */
const GRAVITON4_AND_7I = { 17: 1, 16: 1, 15: 4, 14: 9, 13: 11 };
const GRAVITON4_OPTIMIZED_READS = { 18: 1, 17: 2, 16: 6, 15: 10, 14: 17, 13: 18 };
const INTEL_6_D = { 17: 0, 16: 0, 15: 0, 14: 5, 13: 7 };
const INTEL_6_N = { 17: 0, 16: 0, 15: 0, 14: 3, 13: 7, 12: 11, 11: 16 };
export const RDS_POSTGRESQL_FAMILY_MINIMUMS: Readonly<Record<string, Readonly<Record<number, number>>>> = {
    "db.m8g": GRAVITON4_AND_7I,
    "db.r8g": GRAVITON4_AND_7I,
    "db.m7i": GRAVITON4_AND_7I,
    "db.r7i": GRAVITON4_AND_7I,
    "db.m8gd": GRAVITON4_OPTIMIZED_READS,
    "db.r8gd": GRAVITON4_OPTIMIZED_READS,
    "db.m6id": INTEL_6_D,
    "db.m6idn": INTEL_6_D,
    "db.r6id": INTEL_6_D,
    "db.r6idn": INTEL_6_D,
    "db.m6in": INTEL_6_N,
    "db.r6in": INTEL_6_N,
};

export const RDS_POSTGRESQL_INSTANCE_CLASSES: Readonly<Record<string, RdsInstanceClass>> = {
    // Families added to the guide after 2023-06-09 (current pages; PostgreSQL support as they state it).
    // db.m8g (PostgreSQL: PostgreSQL version 17.1 and higher, 16.1 and higher, 15.4 and higher, 14.9 and higher, and 13.11 and higher)
    "db.m8g.48xlarge": { vCPU: 192, memoryGiB: 768 },
    "db.m8g.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m8g.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m8g.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m8g.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m8g.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m8g.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m8g.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m8g.large": { vCPU: 2, memoryGiB: 8 },
    // db.m8gd (PostgreSQL: PostgreSQL 13.18 and higher, 14.17 and higher, 15.10 and higher, 16.6 and higher, 17.2 and higher, 18.1 and higher)
    "db.m8gd.48xlarge": { vCPU: 192, memoryGiB: 768 },
    "db.m8gd.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m8gd.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m8gd.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m8gd.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m8gd.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m8gd.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m8gd.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m8gd.large": { vCPU: 2, memoryGiB: 8 },
    // db.m7i (PostgreSQL: PostgreSQL version 17.1 and higher, 16.1 and higher, 15.4 and higher, 14.9 and higher, and 13.11 and higher)
    "db.m7i.48xlarge": { vCPU: 192, memoryGiB: 768 },
    "db.m7i.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m7i.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m7i.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m7i.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m7i.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m7i.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m7i.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m7i.large": { vCPU: 2, memoryGiB: 8 },
    // db.m6id (PostgreSQL: All PostgreSQL 17, 16, and 15 versions, 14.5 and higher 14 versions, and 13.7 and higher 13 versions)
    "db.m6id.32xlarge": { vCPU: 128, memoryGiB: 512 },
    "db.m6id.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m6id.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m6id.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m6id.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m6id.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m6id.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m6id.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m6id.large": { vCPU: 2, memoryGiB: 8 },
    // db.m6idn (PostgreSQL: All PostgreSQL 17, 16, and 15 versions, 14.5 and higher 14 versions, and 13.7 and higher 13 versions)
    "db.m6idn.32xlarge": { vCPU: 128, memoryGiB: 512 },
    "db.m6idn.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m6idn.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m6idn.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m6idn.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m6idn.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m6idn.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m6idn.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m6idn.large": { vCPU: 2, memoryGiB: 8 },
    // db.m6in (PostgreSQL: All PostgreSQL 17, 16, and 15 versions, 14.3 and higher 14 versions, 13.7 and higher 13 versions, 12.11 and higher 12 versions, and 11.16 and higher 11 versions)
    "db.m6in.32xlarge": { vCPU: 128, memoryGiB: 512 },
    "db.m6in.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m6in.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m6in.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m6in.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m6in.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m6in.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m6in.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m6in.large": { vCPU: 2, memoryGiB: 8 },
    // db.r8g (PostgreSQL: PostgreSQL version 17.1 and higher, 16.1 and higher, 15.4 and higher, 14.9 and higher, and 13.11 and higher)
    "db.r8g.48xlarge": { vCPU: 192, memoryGiB: 1536 },
    "db.r8g.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r8g.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r8g.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r8g.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r8g.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r8g.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r8g.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r8g.large": { vCPU: 2, memoryGiB: 16 },
    // db.r8gd (PostgreSQL: PostgreSQL 13.18 and higher, 14.17 and higher, 15.10 and higher, 16.6 and higher, 17.2 and higher, 18.1 and higher)
    "db.r8gd.48xlarge": { vCPU: 192, memoryGiB: 1536 },
    "db.r8gd.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r8gd.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r8gd.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r8gd.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r8gd.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r8gd.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r8gd.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r8gd.large": { vCPU: 2, memoryGiB: 16 },
    // db.r7i (PostgreSQL: PostgreSQL version 17.1 and higher, 16.1 and higher, 15.4 and higher, 14.9 and higher, and 13.11 and higher)
    "db.r7i.48xlarge": { vCPU: 192, memoryGiB: 1536 },
    "db.r7i.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r7i.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r7i.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r7i.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r7i.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r7i.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r7i.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r7i.large": { vCPU: 2, memoryGiB: 16 },
    // db.r6id (PostgreSQL: All PostgreSQL 17, 16, and 15 versions, 14.5 and higher 14 versions, and 13.7 and higher 13 versions)
    "db.r6id.32xlarge": { vCPU: 128, memoryGiB: 1024 },
    "db.r6id.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r6id.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r6id.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r6id.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r6id.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r6id.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r6id.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r6id.large": { vCPU: 2, memoryGiB: 16 },
    // db.r6idn (PostgreSQL: All PostgreSQL 17, 16, and 15 versions, 14.5 and higher 14 versions, and 13.7 and higher 13 versions)
    "db.r6idn.32xlarge": { vCPU: 128, memoryGiB: 1024 },
    "db.r6idn.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r6idn.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r6idn.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r6idn.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r6idn.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r6idn.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r6idn.xlarge": { vCPU: 4, memoryGiB: 32 },
    // db.r6in (PostgreSQL: All PostgreSQL 17, 16, and 15 versions, 14.3 and higher 14 versions, 13.7 and higher 13 versions, 12.11 and higher 12 versions, and 11.16 and higher 11 versions)
    "db.r6in.32xlarge": { vCPU: 128, memoryGiB: 1024 },
    "db.r6in.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r6in.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r6in.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r6in.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r6in.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r6in.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r6in.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r6in.large": { vCPU: 2, memoryGiB: 16 },
    // The families of the 2023-06-09 edition.
    // db.m7g (PostgreSQL in that edition: PostgreSQL 15.2 and higher 15 versions, PostgreSQL 14.5 and higher 14 versions, and PostgreSQL 13.4 and higher 13 versions)
    "db.m7g.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m7g.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m7g.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m7g.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m7g.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m7g.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m7g.large": { vCPU: 2, memoryGiB: 8 },
    // db.m6g (PostgreSQL in that edition: All PostgreSQL 15 versions, all PostgreSQL 14 versions, all PostgreSQL 13 versions, PostgreSQL 12.7 and higher)
    "db.m6g.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m6g.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m6g.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m6g.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m6g.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m6g.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m6g.large": { vCPU: 2, memoryGiB: 8 },
    // db.m6gd (PostgreSQL in that edition: All PostgreSQL 15 versions, all PostgreSQL 14 versions, PostgreSQL 13.4 and PostgreSQL 13.7 and higher 13 versions)
    "db.m6gd.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m6gd.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m6gd.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m6gd.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m6gd.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m6gd.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m6gd.large": { vCPU: 2, memoryGiB: 8 },
    // db.m6i (PostgreSQL in that edition: All PostgreSQL 15 versions, all PostgreSQL 14 versions; PostgreSQL 13.4, 12.8, 11.13 and higher)
    "db.m6i.32xlarge": { vCPU: 128, memoryGiB: 512 },
    "db.m6i.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m6i.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m6i.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m6i.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m6i.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m6i.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m6i.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m6i.large": { vCPU: 2, memoryGiB: 8 },
    // db.m5d (PostgreSQL in that edition: All PostgreSQL 15 versions, PostgreSQL 14.5 and higher 14 versions, PostgreSQL 13.4, and PostgreSQL 13.7 and higher 13 versions)
    "db.m5d.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m5d.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m5d.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m5d.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m5d.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m5d.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m5d.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m5d.large": { vCPU: 2, memoryGiB: 8 },
    // db.m5 (PostgreSQL in that edition: All PostgreSQL 15, 14, 13, 12, and 11 versions; 10.17 and higher; 9.6.22 and higher)
    "db.m5.24xlarge": { vCPU: 96, memoryGiB: 384 },
    "db.m5.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m5.12xlarge": { vCPU: 48, memoryGiB: 192 },
    "db.m5.8xlarge": { vCPU: 32, memoryGiB: 128 },
    "db.m5.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m5.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m5.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m5.large": { vCPU: 2, memoryGiB: 8 },
    // db.m4 (PostgreSQL in that edition: Lower than PostgreSQL 13; on the current page: Deprecated)
    "db.m4.16xlarge": { vCPU: 64, memoryGiB: 256 },
    "db.m4.10xlarge": { vCPU: 40, memoryGiB: 160 },
    "db.m4.4xlarge": { vCPU: 16, memoryGiB: 64 },
    "db.m4.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.m4.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.m4.large": { vCPU: 2, memoryGiB: 8 },
    // db.m3 (PostgreSQL in that edition: Deprecated)
    "db.m3.2xlarge": { vCPU: 8, memoryGiB: 30 },
    "db.m3.xlarge": { vCPU: 4, memoryGiB: 15 },
    "db.m3.large": { vCPU: 2, memoryGiB: 7.5 },
    "db.m3.medium": { vCPU: 1, memoryGiB: 3.75 },
    // db.x2g (PostgreSQL in that edition: All PostgreSQL 15 versions, all PostgreSQL 14 versions, all PostgreSQL 13 versions; PostgreSQL 12.7 and higher)
    "db.x2g.16xlarge": { vCPU: 64, memoryGiB: 1024 },
    "db.x2g.12xlarge": { vCPU: 48, memoryGiB: 768 },
    "db.x2g.8xlarge": { vCPU: 32, memoryGiB: 512 },
    "db.x2g.4xlarge": { vCPU: 16, memoryGiB: 256 },
    "db.x2g.2xlarge": { vCPU: 8, memoryGiB: 128 },
    "db.x2g.xlarge": { vCPU: 4, memoryGiB: 64 },
    "db.x2g.large": { vCPU: 2, memoryGiB: 32 },
    // db.x2idn (PostgreSQL in that edition: All PostgreSQL 15 versions, PostgreSQL 14.6 and 13.9 versions; on the current page: PostgreSQL 15 versions, 14.6, and 13.9)
    "db.x2idn.32xlarge": { vCPU: 128, memoryGiB: 2048 },
    "db.x2idn.24xlarge": { vCPU: 96, memoryGiB: 1536 },
    "db.x2idn.16xlarge": { vCPU: 64, memoryGiB: 1024 },
    // db.x2iedn (PostgreSQL in that edition: All PostgreSQL 15 versions, PostgreSQL 14.5 and higher 14 versions, PostgreSQL 13.4, and PostgreSQL 13.7 and higher 13 versions)
    "db.x2iedn.32xlarge": { vCPU: 128, memoryGiB: 4096 },
    "db.x2iedn.24xlarge": { vCPU: 96, memoryGiB: 3072 },
    "db.x2iedn.16xlarge": { vCPU: 64, memoryGiB: 2048 },
    "db.x2iedn.8xlarge": { vCPU: 32, memoryGiB: 1024 },
    "db.x2iedn.4xlarge": { vCPU: 16, memoryGiB: 512 },
    "db.x2iedn.2xlarge": { vCPU: 8, memoryGiB: 256 },
    "db.x2iedn.xlarge": { vCPU: 4, memoryGiB: 128 },
    // db.r7g (PostgreSQL in that edition: PostgreSQL 15.2 and higher 15 versions, PostgreSQL 14.5 and higher 14 versions, and PostgreSQL 13.4 and higher 13 versions)
    "db.r7g.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r7g.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r7g.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r7g.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r7g.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r7g.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r7g.large": { vCPU: 2, memoryGiB: 16 },
    // db.r6g (PostgreSQL in that edition: All PostgreSQL 15 versions, all PostgreSQL 14 versions, all PostgreSQL 13 versions; PostgreSQL 12.7 and higher)
    "db.r6g.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r6g.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r6g.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r6g.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r6g.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r6g.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r6g.large": { vCPU: 2, memoryGiB: 16 },
    // db.r6gd (PostgreSQL in that edition: All PostgreSQL 15 versions, PostgreSQL 14.5 and higher 14 versions, PostgreSQL 13.4 and PostgreSQL 13.7 and higher 13 versions)
    "db.r6gd.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r6gd.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r6gd.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r6gd.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r6gd.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r6gd.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r6gd.large": { vCPU: 2, memoryGiB: 16 },
    // db.r6i (PostgreSQL in that edition: All PostgreSQL 15 versions, all PostgreSQL 14 versions; PostgreSQL 13.4 and higher 13 versions, PostgreSQL 12.8 and higher 12 versions, PostgreSQL 11.13 and higher 13 versions, and PostgreSQL 10.21 and higher 10 versions)
    "db.r6i.32xlarge": { vCPU: 128, memoryGiB: 1024 },
    "db.r6i.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r6i.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r6i.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r6i.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r6i.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r6i.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r6i.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r6i.large": { vCPU: 2, memoryGiB: 16 },
    // db.r5d (PostgreSQL in that edition: All PostgreSQL 15 versions, PostgreSQL 14.5 and higher 14 versions, PostgreSQL 13.4, and PostgreSQL 13.7 and higher 13 versions)
    "db.r5d.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r5d.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r5d.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r5d.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r5d.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r5d.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r5d.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r5d.large": { vCPU: 2, memoryGiB: 16 },
    // db.r5b (PostgreSQL in that edition: All PostgreSQL 15 versions, all PostgreSQL 14 versions, all PostgreSQL 13 versions; PostgreSQL 12.7 and higher)
    "db.r5b.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r5b.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r5b.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r5b.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r5b.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r5b.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r5b.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r5b.large": { vCPU: 2, memoryGiB: 16 },
    // db.r5 (PostgreSQL in that edition: All PostgreSQL 15, 14, 13, 12, and 11 versions; 10.17 and higher; 9.6.22 and higher)
    "db.r5.24xlarge": { vCPU: 96, memoryGiB: 768 },
    "db.r5.16xlarge": { vCPU: 64, memoryGiB: 512 },
    "db.r5.12xlarge": { vCPU: 48, memoryGiB: 384 },
    "db.r5.8xlarge": { vCPU: 32, memoryGiB: 256 },
    "db.r5.4xlarge": { vCPU: 16, memoryGiB: 128 },
    "db.r5.2xlarge": { vCPU: 8, memoryGiB: 64 },
    "db.r5.xlarge": { vCPU: 4, memoryGiB: 32 },
    "db.r5.large": { vCPU: 2, memoryGiB: 16 },
    // db.r4 (PostgreSQL in that edition: Lower than PostgreSQL 13; on the current page: Deprecated)
    "db.r4.16xlarge": { vCPU: 64, memoryGiB: 488 },
    "db.r4.8xlarge": { vCPU: 32, memoryGiB: 244 },
    "db.r4.4xlarge": { vCPU: 16, memoryGiB: 122 },
    "db.r4.2xlarge": { vCPU: 8, memoryGiB: 61 },
    "db.r4.xlarge": { vCPU: 4, memoryGiB: 30.5 },
    "db.r4.large": { vCPU: 2, memoryGiB: 15.25 },
    // db.r3 (PostgreSQL in that edition: Deprecated)
    "db.r3.8xlarge": { vCPU: 32, memoryGiB: 244 },
    "db.r3.4xlarge": { vCPU: 16, memoryGiB: 122 },
    "db.r3.2xlarge": { vCPU: 8, memoryGiB: 61 },
    "db.r3.xlarge": { vCPU: 4, memoryGiB: 30.5 },
    "db.r3.large": { vCPU: 2, memoryGiB: 15.25 },
    // db.t4g (PostgreSQL in that edition: All PostgreSQL 15 versions, all PostgreSQL 14 versions, all PostgreSQL 13 versions, PostgreSQL 12.7 and higher)
    "db.t4g.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.t4g.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.t4g.large": { vCPU: 2, memoryGiB: 8 },
    "db.t4g.medium": { vCPU: 2, memoryGiB: 4 },
    "db.t4g.small": { vCPU: 2, memoryGiB: 2 },
    "db.t4g.micro": { vCPU: 2, memoryGiB: 1 },
    // db.t3 (PostgreSQL in that edition: All PostgreSQL 15, 14, 13, 12, 11, and 10 versions; PostgreSQL 9.6.22 and higher versions)
    "db.t3.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.t3.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.t3.large": { vCPU: 2, memoryGiB: 8 },
    "db.t3.medium": { vCPU: 2, memoryGiB: 4 },
    "db.t3.small": { vCPU: 2, memoryGiB: 2 },
    "db.t3.micro": { vCPU: 2, memoryGiB: 1 },
    // db.t2 (PostgreSQL in that edition: Lower than PostgreSQL 13; on the current page: Deprecated)
    "db.t2.2xlarge": { vCPU: 8, memoryGiB: 32 },
    "db.t2.xlarge": { vCPU: 4, memoryGiB: 16 },
    "db.t2.large": { vCPU: 2, memoryGiB: 8 },
    "db.t2.medium": { vCPU: 2, memoryGiB: 4 },
    "db.t2.small": { vCPU: 1, memoryGiB: 2 },
    "db.t2.micro": { vCPU: 1, memoryGiB: 1 },
};
