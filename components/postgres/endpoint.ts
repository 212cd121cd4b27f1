import type * as pulumi from "@pulumi/pulumi";

/** What a client needs to reach one PostgreSQL database, wherever it runs. */
export interface PostgresEndpoint {
    /** RDS identifier or in-cluster Service name: workloads are annotated with it. */
    identifier: string;
    address: pulumi.Output<string>;
    port: pulumi.Output<number>;
    dbName: string;
    username: string;
    password: pulumi.Output<string>;
    /** The server's max_connections, which the clients' pools must fit in. */
    maxConnections: number;
}
