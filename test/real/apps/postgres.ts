/**
 * A PostgreSQL server of its own per database, as the stack's RDS instances are one per Clair node
 * type: Debian's PostgreSQL (initdb, pg_ctl) run as the `postgres` user, TCP on 127.0.0.1 with TLS
 * only (plain TCP is rejected), and the admin's trusted local socket for the test's own queries.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ThrowawayTls } from "./tls";

/** Where Debian installs PostgreSQL's server binaries; the newest version present is used. */
const PG_LIB = "/usr/lib/postgresql";

export function postgresBin(): string | undefined {
    if (!fs.existsSync(PG_LIB)) return undefined;
    const versions = fs
        .readdirSync(PG_LIB)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (fs.existsSync(path.join(PG_LIB, v, "bin/postgres"))) return path.join(PG_LIB, v, "bin");
    return undefined;
}

export interface PostgresOptions {
    /** A folder for this server's data, made here and handed to the postgres user. */
    dir: string;
    port: number;
    maxConnections: number;
    tls: ThrowawayTls;
    /** The login role and its database (the role owns it, as RDS's master user owns what it creates). */
    user: string;
    password: string;
    database: string;
}

export class PostgresServer {
    private readonly bin: string;
    private readonly data: string;
    private started = false;

    constructor(readonly options: PostgresOptions) {
        const bin = postgresBin();
        if (!bin) throw new Error(`PostgreSQL's server is not installed under ${PG_LIB} (Debian package postgresql)`);
        this.bin = bin;
        this.data = path.join(options.dir, "data");
    }

    private asPostgres(command: string, args: string[], input?: string): string {
        const r = spawnSync("runuser", ["-u", "postgres", "--", path.join(this.bin, command), ...args], { encoding: "utf8", input, cwd: "/" });
        if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
        return r.stdout;
    }

    start(): void {
        const { dir, port, maxConnections, tls } = this.options;
        fs.mkdirSync(dir, { recursive: true });
        // The server's key must belong to the server's user and be private to it.
        for (const [from, to] of [
            [tls.serverCert, "server.crt"],
            [tls.serverKey, "server.key"],
        ])
            fs.copyFileSync(from, path.join(dir, to));
        fs.chmodSync(path.join(dir, "server.key"), 0o600);
        execFileSync("chown", ["-R", "postgres:postgres", dir]);
        this.asPostgres("initdb", ["-D", this.data, "-U", "postgres", "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--no-instructions"]);
        fs.writeFileSync(
            path.join(this.data, "pg_hba.conf"),
            ["local all all trust", "hostnossl all all 0.0.0.0/0 reject", "hostssl all all 127.0.0.1/32 scram-sha-256", ""].join("\n"),
        );
        const settings: Record<string, string | number> = {
            listen_addresses: "'127.0.0.1'",
            port,
            unix_socket_directories: `'${dir}'`,
            max_connections: maxConnections,
            ssl: "on",
            ssl_cert_file: `'${path.join(dir, "server.crt")}'`,
            ssl_key_file: `'${path.join(dir, "server.key")}'`,
            password_encryption: "'scram-sha-256'",
            fsync: "off",
            log_connections: "on",
        };
        fs.appendFileSync(
            path.join(this.data, "postgresql.conf"),
            Object.entries(settings)
                .map(([k, v]) => `${k} = ${v}`)
                .join("\n") + "\n",
        );
        execFileSync("chown", ["-R", "postgres:postgres", this.data]);
        this.asPostgres("pg_ctl", ["-D", this.data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
        this.started = true;
        const { user, password, database } = this.options;
        // Role and database names come from the rendered config; quote them as identifiers.
        const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
        const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
        this.sql("postgres", `CREATE ROLE ${ident(user)} LOGIN PASSWORD ${literal(password)}`);
        this.sql("postgres", `CREATE DATABASE ${ident(database)} OWNER ${ident(user)}`);
    }

    /** Runs SQL as the superuser over the local socket; returns psql's unaligned, tuples-only output. */
    sql(database: string, statement: string): string {
        return this.asPostgres("psql", [
            "-h",
            this.options.dir,
            "-p",
            String(this.options.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-XAtq",
            "-c",
            statement,
        ]).trim();
    }

    /** The server's log (connection lines included). */
    log(): string {
        try {
            return fs.readFileSync(path.join(this.options.dir, "server.log"), "utf8");
        } catch {
            return "";
        }
    }

    stop(): void {
        if (!this.started) return;
        this.started = false;
        spawnSync("runuser", ["-u", "postgres", "--", path.join(this.bin, "pg_ctl"), "-D", this.data, "-m", "fast", "-w", "stop"], { cwd: "/" });
    }
}
