/** ClamAV's part of the stack config. */
import { z } from "zod";
import { autoscalingIssues, autoscalingSchema } from "./autoscaling";
import { podSettingsSchema } from "./pod";
import { clamavSizeBytes, customDatabaseFile, MAX_CHECKS_PER_DAY } from "../lib/clamav-conf";
import {
    belowFloor,
    bool,
    checked,
    cronSchedule,
    curlUrlProblem,
    dnsLabel,
    guaranteedResources,
    objectName,
    pinnedImage,
    quantity,
    replicas,
    uid,
} from "./primitives";

/**
 * clamd holds the whole signature set in memory: ClamAV's documentation asks for at least
 * 3 GiB with the full set (4 GiB preferred); below that it is killed while loading it.
 */
export const CLAMD_MEMORY_MINIMUM = "3Gi";

/** The most a clamd.conf NUMBER can hold: clamd reads them with atoi, into an int. */
const CLAMD_NUMBER_MAX = 2147483647;

/**
 * MaxFileSize's ceiling: libclamav scans no file of 2 GiB or more (it lowers a larger
 * MaxFileSize to just under 2 GiB, libclamav/others.c). The largest whole number of M below that.
 */
export const MAX_FILE_SIZE_CEILING = "2047M";

/**
 * MaxScanSize's ceiling: 4G less 1M, the most written in M below 4G, the value clamd's option
 * parser falls back to for a size it cannot hold. Higher is not a mistake ClamAV catches, but
 * ClamAV warns that a high MaxScanSize "may result in severe damage to the system".
 */
export const MAX_SCAN_SIZE_CEILING = "4095M";

/**
 * clamd's queue (MaxQueue), not a key here: clamd.conf's default, 100. clamd.conf recommends it
 * be at least twice MaxThreads, which bounds MaxThreads at 50.
 */
export const CLAMD_MAX_QUEUE = 100;

/**
 * The open-file limit clamd's file-descriptor rule is checked against: the usual soft
 * `ulimit -n` (clamd.conf: "usually 1024"). A node's runtime may give more; nothing here knows.
 */
export const CLAMD_NOFILE = 1024;

/**
 * PrivateMirror as freshclam reads it (ClamAV 1.4.3, freshclam/freshclam.c get_database_server_list
 * and get_server_node): a value without "://" is read as "http://" + value (mirror.example.com is
 * http://mirror.example.com), and each file is fetched from the value + "/" + its name, which
 * libcurl then reads as a URL (scheme://host[:port]/path).
 */
export function readPrivateMirror(value: string): string {
    return value.includes("://") ? value : `http://${value}`;
}

/** Schemes libcurl speaks that the program does not offer here: named as the program's refusal. */
const CURL_SCHEMES_NOT_OFFERED = ["ftp", "ftps", "file", "sftp", "scp", "smb", "smbs", "tftp", "dict", "ldap", "ldaps", "gopher", "gophers"];

/**
 * Why freshclam would refuse `value` as PrivateMirror, or fetch the wrong thing from it; or the
 * program's rule. After freshclam's own reading (readPrivateMirror), the URL goes to libcurl,
 * read here by libcurl's rules (curlUrlProblem).
 */
export function privateMirrorProblem(value: string): string | undefined {
    // cli_strbcasestr(server, ".clamav.net"): the end of the value, in any case.
    if (value.toLowerCase().endsWith(".clamav.net"))
        return "ends in .clamav.net, which freshclam refuses as a PrivateMirror (ClamAV's own servers are not private mirrors)";
    const read = readPrivateMirror(value);
    // "https:/m.example.com" has no "://": freshclam makes it http://https:/m.example.com, which libcurl reads as the host 'https'.
    const schemeLike = /^([A-Za-z][A-Za-z0-9+.-]*):\//.exec(value);
    if (read !== value && schemeLike) return `has no '://', so freshclam reads it as ${read}, whose host is '${schemeLike[1]}'; write ${schemeLike[1]}://host`;
    if (/[?#]/.test(read)) return `has a query or fragment: freshclam fetches ${read}/main.cvd, so the file name would land inside it`;
    const why = curlUrlProblem(read, ["http", "https", ...CURL_SCHEMES_NOT_OFFERED]);
    if (why) return read === value ? why : `${why}, read as ${read}`;
    const scheme = read.slice(0, read.indexOf(":")).toLowerCase();
    if (!["http", "https"].includes(scheme))
        return `uses ${scheme}:, which this program does not offer: ClamAV's private-mirror guide serves the databases over http or https`;
    return undefined;
}

const privateMirror = z
    .string({ error: "must be a mirror URL such as https://clamav-mirror.example.com" })
    .superRefine((value, ctx) => {
        const why = privateMirrorProblem(value);
        if (why)
            ctx.addIssue({
                code: "custom",
                input: value,
                message: `${why}; must be a mirror URL such as https://clamav-mirror.example.com or clamav-mirror.example.com (read as http://), as freshclam reads PrivateMirror`,
            });
    })
    .transform(readPrivateMirror);

/** A clamd.conf SIZE, more than zero and at most `ceiling`: bytes, or a whole number with K or M. */
const clamavSize = (ceiling: string, example: string) => {
    const what = `a size as clamd.conf takes it: a whole number of bytes, or with K or M (1024-based), such as ${example}, from 1 to ${ceiling}`;
    return z
        .union([z.string(), z.int()], { error: `must be ${what}` })
        .transform(String)
        .superRefine((value, ctx) => {
            const bytes = clamavSizeBytes(value);
            const why = /^\d+\s*[Gg]$/.test(value)
                ? `uses G, which clamd.conf's documentation does not list (K and M only); write it in M: ${parseInt(value, 10) * 1024}M`
                : /^\d+\s*(Ki|Mi|Gi|KB|MB|GB|kB)$/i.test(value)
                  ? "uses a Kubernetes or SI unit, which clamd.conf does not read (K and M only, 1024-based)"
                  : bytes === undefined
                    ? "is not a clamd.conf size"
                    : bytes === 0
                      ? "is 0, which turns the limit off (ClamAV warns that disabling it may result in severe damage to the system)"
                      : bytes > clamavSizeBytes(ceiling)!
                        ? `is above ${ceiling}`
                        : undefined;
            if (why) ctx.addIssue({ code: "custom", input: value, message: `${why}; must be ${what}` });
        });
};

/** A clamd.conf NUMBER from `min` to `max`, in `unit`. */
const clamdNumber = (unit: string, min: number, max: number, zeroMeans?: string) =>
    z.int({ error: `must be a whole number of ${unit}` }).superRefine((value, ctx) => {
        if (value >= min && value <= max) return;
        const why = value === 0 && zeroMeans ? `is 0, which ${zeroMeans}; ` : "";
        ctx.addIssue({ code: "custom", input: value, message: `${why}must be ${min} to ${max} ${unit}` });
    });

/**
 * clamd's scan limits, written into clamd.conf. The defaults are ClamAV 1.4's documented ones
 * (clamd.conf(5)), written out so the file states what applies whatever the image's version.
 */
const limitsSchema = z
    .strictObject({
        streamMaxLength: clamavSize(MAX_FILE_SIZE_CEILING, "100M")
            .default("100M")
            .describe(
                "clamd.conf `StreamMaxLength`: the most an INSTREAM client (Quay, Malwar, `clamdscan --stream`) may " +
                    "send; clamd ends a longer stream with `INSTREAM size limit exceeded`. Sizes as clamd.conf takes " +
                    "them: bytes, or a whole number with `K` or `M` (1024-based); at most `maxFileSize` ([scan " +
                    "limits](operations.md#clamds-scan-limits-and-what-they-cost))",
            ),
        maxScanSize: clamavSize(MAX_SCAN_SIZE_CEILING, "400M")
            .default("400M")
            .describe("`MaxScanSize`: data scanned per input file, an archive and everything extracted from it counted " + "together; 1 to 4095M"),
        maxFileSize: clamavSize(MAX_FILE_SIZE_CEILING, "100M")
            .default("100M")
            .describe(
                "`MaxFileSize`: a file (the input, or one inside it) larger than this is not scanned and counts as " +
                    "clean; 1 to 2047M (libclamav scans nothing of 2 GiB or more), at most `maxScanSize`",
            ),
        maxRecursion: clamdNumber("levels", 1, CLAMD_NUMBER_MAX, "libclamav replaces with 17")
            .default(17)
            .describe(
                "`MaxRecursion`: archive nesting levels; 1 or more, and `maxThreads` × `maxRecursion` + 100 − " + "`maxThreads` + 6 below 1024 (open files)",
            ),
        maxFiles: clamdNumber("files", 1, CLAMD_NUMBER_MAX, "turns the limit off (ClamAV warns that disabling it may result in severe damage to the system)")
            .default(10000)
            .describe("`MaxFiles`: files scanned inside one archive or document; 1 or more (0, no limit, is refused)"),
        maxThreads: clamdNumber("threads", 1, CLAMD_MAX_QUEUE / 2)
            .default(10)
            .describe("`MaxThreads`: scans at once per clamd pod; 1 to 50 (clamd's queue, 100, should be at least twice " + "this)"),
        readTimeout: clamdNumber("seconds", 1, CLAMD_NUMBER_MAX)
            .default(120)
            .describe("`ReadTimeout`: seconds clamd waits for a client's next data before dropping it"),
        commandReadTimeout: clamdNumber("seconds", 1, CLAMD_NUMBER_MAX)
            .default(30)
            .describe("`CommandReadTimeout`: seconds clamd waits for a new connection's first command"),
    })
    .prefault({})
    .superRefine((limits, ctx) => {
        const bytes = (v: string) => clamavSizeBytes(v);
        const [stream, file, scan] = [bytes(limits.streamMaxLength), bytes(limits.maxFileSize), bytes(limits.maxScanSize)];
        // An INSTREAM stream is the file clamd scans: past MaxFileSize, clamd takes it whole and
        // answers OK without scanning it (libclamav: "File too large ... ignoring").
        if (stream !== undefined && file !== undefined && stream > file) {
            ctx.addIssue({
                code: "custom",
                path: ["streamMaxLength"],
                input: limits.streamMaxLength,
                message: `is larger than clamav.limits.maxFileSize ${JSON.stringify(limits.maxFileSize)}: clamd would accept a stream that large and answer OK without scanning it; must be at most maxFileSize`,
            });
        }
        // The file itself counts toward MaxScanSize (clamd.conf: an archive plus the files in it).
        if (file !== undefined && scan !== undefined && file > scan) {
            ctx.addIssue({
                code: "custom",
                path: ["maxFileSize"],
                input: limits.maxFileSize,
                message: `is larger than clamav.limits.maxScanSize ${JSON.stringify(limits.maxScanSize)}: a file counts toward MaxScanSize itself, so clamd could not scan one that large to its end; must be at most maxScanSize`,
            });
        }
        // clamd.conf: MaxThreads*MaxRecursion + MaxQueue - MaxThreads + 6 < RLIMIT_NOFILE.
        const files = limits.maxThreads * limits.maxRecursion + CLAMD_MAX_QUEUE - limits.maxThreads + 6;
        if (files >= CLAMD_NOFILE) {
            ctx.addIssue({
                code: "custom",
                path: ["maxRecursion"],
                input: limits.maxRecursion,
                message:
                    `with maxThreads ${limits.maxThreads} needs ${files} open files (clamd.conf: MaxThreads × MaxRecursion + MaxQueue ${CLAMD_MAX_QUEUE} − MaxThreads + 6), ` +
                    `not below ${CLAMD_NOFILE}, the usual open-file limit; must make that sum at most ${CLAMD_NOFILE - 1} (lower maxRecursion or maxThreads)`,
            });
        }
    });

/**
 * The extensions clamd loads from its database directory, found with ClamAV 1.4.6 (Debian):
 * clamscan -d on a directory holding one file of each; a file of another name (.txt, .gz, .sign,
 * .info) is "No supported database files found". The signed containers .cvd, .cld and .cud are
 * left out: freshclam and clamd check them against ClamAV's own signing key.
 */
export const CUSTOM_DATABASE_EXTENSIONS = [
    "db",
    "hdb",
    "hdu",
    "fp",
    "sfp",
    "mdb",
    "mdu",
    "hsb",
    "hsu",
    "msb",
    "msu",
    "ndb",
    "ndu",
    "ldb",
    "ldu",
    "sdb",
    "zmd",
    "rmd",
    "pdb",
    "gdb",
    "wdb",
    "cbc",
    "ftm",
    "cfg",
    "cdb",
    "cat",
    "crb",
    "idb",
    "ioc",
    "yar",
    "yara",
    "pwdb",
    "ign",
    "ign2",
    "imp",
];
/** Names the official databases' files take: a custom file of that name would replace one. */
const OFFICIAL_DATABASES = ["main", "daily", "bytecode"];

// DatabaseCustomURL goes to libcurl as it is (libfreshclam_internal.c: CURLOPT_URL).
const customDatabaseUrl = checked("an http:// or https:// URL such as https://signatures.example.com/extra.ndb, as libcurl reads it", (v) =>
    curlUrlProblem(v, ["http", "https"]),
).superRefine((value, ctx) => {
    let parsed: URL;
    try {
        parsed = new URL(value);
    } catch {
        return; // curlUrlProblem has said why.
    }
    const problem = (message: string) => ctx.addIssue({ code: "custom", input: value, message });
    if (parsed.search || parsed.hash)
        return problem("has a query or fragment: freshclam saves the database under the text after the URL's last '/', which would include it");
    const file = customDatabaseFile(value);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file))
        return problem(`ends in '${file}', not a file name of letters, digits, '.', '_' and '-' (freshclam saves the database under it)`);
    // clamd goes by the name's ending, in any case (.NDB loads: checked the same way).
    const extension = file.includes(".") ? file.slice(file.lastIndexOf(".") + 1).toLowerCase() : "";
    if (!CUSTOM_DATABASE_EXTENSIONS.includes(extension)) {
        return problem(
            `names the file '${file}', which clamd would not load: the file name must end in a signature database extension (${CUSTOM_DATABASE_EXTENSIONS.map((e) => `.${e}`).join(", ")})`,
        );
    }
    if (OFFICIAL_DATABASES.includes(file.slice(0, file.indexOf(".")).toLowerCase()))
        return problem(`names the file '${file}', which would sit beside (or replace) ClamAV's own ${file.slice(0, file.indexOf("."))} database: rename it`);
});

export const clamavSchema = z
    .strictObject({
        image: pinnedImage.default("clamav/clamav:1.4.3").describe("pinned ClamAV image: clamd, and freshclam in its init containers and the mirror"),
        replicas: replicas(50).default(2).describe("clamd pods"),
        autoscaling: autoscalingSchema(50),
        resources: guaranteedResources("1", "4Gi").describe("clamd; memory at least 3Gi (ClamAV: 3 GiB minimum with the full signature set, 4 preferred)"),
        /** Lets clamd's memory go below CLAMD_MEMORY_MINIMUM: for pods that never load the signatures (kwok's fake pods). */
        allowBelowMinimumMemory: bool.default(false).describe("`true` lets clamd's memory go below 3Gi (the local stack's fake pods)"),
        updaterResources: guaranteedResources("500m", "1Gi").describe(
            "each freshclam init container; below 2Gi its freshclam.conf says `TestDatabases no` " + "([why](operations.md#freshclam-under-tight-memory))",
        ),
        runAsUser: uid.default(100).describe("the image's `clamav` user"),
        runAsGroup: uid.default(101).describe("numeric gid (the image's `clamav` group); with `kubernetes.platform: kubernetes`"),
        /** A private signature mirror (ClamAV advises one beyond about 10 hosts). */
        privateMirror: privateMirror
            .optional()
            .describe(
                "an external mirror's http(s) URL: clamd fetches from it when the in-cluster mirror is off; the " +
                    "in-cluster mirror updates from it when on. Read as freshclam reads `PrivateMirror` (ClamAV 1.4.3 " +
                    "`freshclam.c`): without `://` it is `http://` + the value (and written so); a value ending in " +
                    "`.clamav.net` is refused (freshclam refuses it); no query or fragment (freshclam fetches the value + " +
                    "`/main.cvd`); http and https only (the program's rule: ClamAV's private-mirror guide serves over " +
                    "HTTP). Read as libcurl reads a URL (curl lib/urlapi.c; freshclam hands it to libcurl): one to three `/` after the scheme, user info up to the first `@` (a second is refused), a port of digits up to 65535, no space or control character (write `%20`); the program refuses port 0, a value the WHATWG URL parser reads with another host or port (the NetworkPolicy port is planned with it), an IPv6 zone id, and `https:/host` (freshclam would fetch from the host `https`)",
            ),
        /** Extra signature databases (freshclam DatabaseCustomURL), fetched beside the official ones; through the in-cluster mirror when it is on. */
        customDatabaseUrls: z
            .array(customDatabaseUrl, { error: "must be a list of http:// or https:// URLs of signature files" })
            .superRefine((urls, ctx) => {
                urls.forEach((u, i) => {
                    try {
                        const file = customDatabaseFile(u);
                        const first = urls.findIndex((other) => URL.canParse(other) && customDatabaseFile(other) === file);
                        if (first !== i)
                            ctx.addIssue({
                                code: "custom",
                                path: [i],
                                input: u,
                                message: `is saved as '${file}', like entry ${first}: each database needs a file name of its own (the later one would overwrite the earlier)`,
                            });
                    } catch {
                        // Not a URL: its own check has said why.
                    }
                });
            })
            .default([])
            .describe(
                "extra signature databases, `http://` or `https://` URLs of signature files (freshclam " +
                    "`DatabaseCustomURL`), fetched through the in-cluster mirror when it is on ([Scan " +
                    "data](operations.md#scan-data-clamav-signatures)). The URL must end in a file name of letters, " +
                    "digits, `.`, `_`, `-` with an extension clamd loads (`.ndb`, `.hdb`, `.ldb`, `.yara`, `.ign2` and " +
                    "the rest ClamAV 1.4 reads; any case): freshclam saves it under that name and clamd ignores others " +
                    "(`.txt`, `.gz`). Refused: a query or fragment (it would become part of the name), " +
                    "`.cvd`/`.cld`/`.cud` (ClamAV-signed containers), a name of the official databases (`main`, `daily`, " +
                    "`bytecode`), two URLs with one file name",
            ),
        /**
         * The in-cluster signature mirror: clamd pods fetch from it, not from the CDN, and the
         * refresh restarts clamd only when it holds newer signatures.
         */
        mirror: z
            .strictObject({
                enabled: bool.default(true).describe("the in-cluster signature mirror ([Scan data](operations.md#scan-data-clamav-signatures))"),
                /** "internet": freshclam updates it from the CDN (or privateMirror); "none": disconnected, seeded by hand. */
                upstream: z
                    .enum(["internet", "none"], { error: 'must be "internet" or "none"' })
                    .default("internet")
                    .describe("`internet`: freshclam updates it from the CDN (or `privateMirror`); `none`: disconnected, seeded by " + "hand"),
                checksPerDay: z
                    .int({ error: "must be a whole number" })
                    .min(1, { error: "must be at least 1" })
                    .max(MAX_CHECKS_PER_DAY, { error: `must be at most ${MAX_CHECKS_PER_DAY}: ClamAV asks mirrors to check at most once an hour` })
                    .default(12)
                    .describe("freshclam checks a day, 1 to 24 (ClamAV asks for at most hourly)"),
                // main + daily + bytecode take about 0.4 GiB; freshclam needs room for a second copy while it patches.
                storageSize: quantity("bytes", "2Gi").default("2Gi").describe("the mirror's claim: the database, its patches and freshclam's state"),
                storageClass: objectName.optional().describe("the cluster's default when unset"),
                serverImage: pinnedImage.default("nginx:1.28.0-alpine").describe("runs with the generated nginx.conf"),
                updaterResources: guaranteedResources("500m", "1Gi").describe(
                    "the mirror's freshclam; below 2Gi `TestDatabases no`, as for `clamav.updaterResources`",
                ),
                serverResources: guaranteedResources("100m", "128Mi").describe("the mirror's nginx"),
            })
            .prefault({}),
        refresh: z
            .strictObject({
                // A CronJob's name is at most 52 characters: its Jobs append an 11-character suffix.
                name: dnsLabel(52).default("refresh-clamav-db").describe("CronJob, ServiceAccount and Role name; a DNS label of at most 52 characters"),
                schedule: cronSchedule
                    .default("0 */6 * * *")
                    .describe(
                        "as Kubernetes CronJobs take it: five fields (names, ranges, steps) or `@hourly`, `@daily`, " +
                            "`@weekly`, `@monthly`, `@yearly`, `@every 6h`; no seconds, L, W, #, or TZ=",
                    ),
                image: pinnedImage.default("registry.k8s.io/kubectl:v1.33.5").describe("pinned kubectl image of the refresh CronJob"),
                resources: guaranteedResources("100m", "128Mi").describe("the refresh CronJob's container, requests = limits"),
            })
            .prefault({}),
        /** The Prometheus exporter sidecar (with monitoring.podMonitors): clamd's STATS on 3310 as metrics on 9906. */
        exporter: z
            .strictObject({
                image: pinnedImage
                    .default("sergeymakinen/clamav_exporter:v2.1.4")
                    .describe("the metrics exporter sidecar (with `monitoring.podMonitors`): clamd's STATS as metrics on 9906"),
                resources: guaranteedResources("100m", "128Mi").describe("the exporter sidecar; counts in ClamAV's capacity"),
            })
            .prefault({}),
        /** clamd's scan limits (clamd.conf): what one scan may take, how many at once, how long clients may stall. */
        limits: limitsSchema,
        /** Cluster fit: pull secrets, node selection, tolerations, affinity, extra pod labels and annotations (config/pod.ts). */
        pod: podSettingsSchema,
    })
    .prefault({})
    .superRefine((clamav, ctx) => {
        autoscalingIssues("clamav", clamav.replicas, clamav.autoscaling, ["autoscaling"], ctx);
        if (!clamav.allowBelowMinimumMemory && belowFloor(clamav.resources.memory, CLAMD_MEMORY_MINIMUM)) {
            ctx.addIssue({
                code: "custom",
                path: ["resources", "limits", "memory"],
                input: clamav.resources.memory,
                message:
                    `is below ${CLAMD_MEMORY_MINIMUM}, the memory clamd needs to load the full signature set (ClamAV's documentation: 3 GiB minimum, 4 GiB preferred); ` +
                    "give it more, or set clamav.allowBelowMinimumMemory: true where clamd never loads the signatures (fake or test pods)",
            });
        }
    });
