/**
 * nginx configuration as typed directives, serialized to nginx's syntax: `name arg ...;` or
 * `name arg ... { ... }`. Arguments that would need quoting (whitespace, `;`, `{`, `}`, `#`,
 * quotes) are refused rather than quoted: nothing we configure needs them.
 */
export interface NginxDirective {
    name: string;
    args?: (string | number)[];
    /** Present for block directives (events, http, server, location, ...). */
    block?: NginxDirective[];
}

const NAME = /^[a-z_][a-z0-9_]*$/;
const NEEDS_QUOTES = /[\s;{}#"'\\]/;

export function renderNginxConf(directives: NginxDirective[], depth = 0): string {
    const pad = "    ".repeat(depth);
    return directives
        .map((d) => {
            if (!NAME.test(d.name)) throw new Error(`invalid nginx directive name ${JSON.stringify(d.name)}`);
            const args = (d.args ?? []).map(String);
            for (const a of args) {
                if (a === "" || NEEDS_QUOTES.test(a)) throw new Error(`nginx directive ${d.name}: argument ${JSON.stringify(a)} would need quoting`);
            }
            const head = [d.name, ...args].join(" ");
            return d.block ? `${pad}${head} {\n${renderNginxConf(d.block, depth + 1)}${pad}}\n` : `${pad}${head};\n`;
        })
        .join("");
}

export interface MirrorServerOptions {
    port: number;
    /** The signature database directory, served read-only. */
    root: string;
    /** Writable directory for the pid file and nginx's temporary files (the root filesystem is read-only). */
    tempDir: string;
    /** Where requests are logged: /dev/stdout in a container (the container runtime's pipe). */
    accessLog: string;
    /** Extra signature databases' file names (DatabaseCustomURL), served beside the official ones. */
    customFiles?: string[];
}

/** The files a ClamAV database mirror serves: main/daily/bytecode .cvd or .cld, their .cdiff patches and .sign files. */
export const SIGNATURE_FILE_PATTERN = "^/[a-z]+(-[0-9]+)?[.](cvd|cld|cdiff|sign)$";

/**
 * nginx serving a ClamAV database directory: static files with HTTP Range support (freshclam
 * reads a CVD's 512-byte header with a Range request to compare versions), GET and HEAD only,
 * nothing but signature files, the official ones by pattern and the extra ones by name
 * (freshclam.dat, the updater's own state, stays private), and
 * /healthz for probes.
 */
export function mirrorNginxConf(o: MirrorServerOptions): NginxDirective[] {
    for (const file of o.customFiles ?? [])
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file))
            throw new Error(`custom database file name ${JSON.stringify(file)}: letters, digits, '.', '_' and '-' only`);
    const getOnly: NginxDirective[] = [{ name: "limit_except", args: ["GET"], block: [{ name: "deny", args: ["all"] }] }];
    return [
        { name: "worker_processes", args: [1] },
        { name: "pid", args: [`${o.tempDir}/nginx.pid`] },
        // "stderr" is nginx's own name for file descriptor 2 (no path to open).
        { name: "error_log", args: ["stderr", "warn"] },
        { name: "events", block: [{ name: "worker_connections", args: [256] }] },
        {
            name: "http",
            block: [
                { name: "access_log", args: [o.accessLog] },
                { name: "client_body_temp_path", args: [`${o.tempDir}/client_body`] },
                { name: "proxy_temp_path", args: [`${o.tempDir}/proxy`] },
                { name: "fastcgi_temp_path", args: [`${o.tempDir}/fastcgi`] },
                { name: "uwsgi_temp_path", args: [`${o.tempDir}/uwsgi`] },
                { name: "scgi_temp_path", args: [`${o.tempDir}/scgi`] },
                { name: "default_type", args: ["application/octet-stream"] },
                { name: "sendfile", args: ["on"] },
                { name: "server_tokens", args: ["off"] },
                {
                    name: "server",
                    block: [
                        { name: "listen", args: [o.port] },
                        { name: "root", args: [o.root] },
                        { name: "autoindex", args: ["off"] },
                        {
                            name: "location",
                            args: ["=", "/healthz"],
                            block: [
                                { name: "access_log", args: ["off"] },
                                { name: "return", args: [200] },
                            ],
                        },
                        // GET allows HEAD too; anything else is refused.
                        { name: "location", args: ["~", SIGNATURE_FILE_PATTERN], block: getOnly },
                        // Each by its exact name: the directory also holds freshclam's own state.
                        ...(o.customFiles ?? []).map((file) => ({ name: "location", args: ["=", `/${file}`], block: getOnly })),
                        { name: "location", args: ["/"], block: [{ name: "return", args: [404] }] },
                    ],
                },
            ],
        },
    ];
}
