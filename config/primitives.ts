/**
 * The building blocks of the stack config schema: each one says in its error what it accepts,
 * so a bad value fails `pulumi preview` with the key, the value and what is allowed.
 *
 * Checks that are not regular expressions come from one place each: Kubernetes quantities from
 * the policy pack's parser (policy/lib/quantity.ts), CronJob schedules from config/cron.ts
 * (cron-parser), IPv4 CIDRs from ipaddr.js, URLs from the WHATWG URL parser built into Node, and
 * first by the parser of the program that reads them (Go's net/url, Python's urllib) where it
 * sees a URL differently.
 */
import * as ipaddr from "ipaddr.js";
import { domainToASCII } from "node:url";
import { z } from "zod";
import { compareQuantities, quantitiesEqual, quantityProblem, type QuantityKind } from "../policy/lib/quantity";
import { imageReferenceProblem } from "../policy/lib/image-reference";
import { imagePinning } from "../policy/lib/images";
import { dnsLabelProblem, dnsSubdomainProblem } from "../lib/kubernetes-names";
import { CRON_ALLOWED, cronProblem } from "./cron";

/** A string-valued check as a zod schema: `problem` says why a value is refused, in plain words. */
export function checked(what: string, problem: (value: string) => string | undefined) {
    return z.string({ error: `must be ${what}` }).superRefine((value, ctx) => {
        const why = problem(value);
        if (why) ctx.addIssue({ code: "custom", input: value, message: `${why}; must be ${what}` });
    });
}

const QUANTITY_WORDS: Record<QuantityKind, string> = {
    cpu: "a CPU amount in cores or millicores",
    bytes: "a size in bytes with a unit (Ki, Mi, Gi, Ti or k, M, G, T)",
};

/** A positive Kubernetes quantity of `kind`; memory and storage need a unit. */
export const quantity = (kind: QuantityKind, example: string) =>
    z
        .union([z.string(), z.number()], { error: `must be ${QUANTITY_WORDS[kind]} such as ${example}` })
        .transform(String)
        .superRefine((value, ctx) => {
            const why = quantityProblem(value, kind, { unit: "required" });
            if (why) ctx.addIssue({ code: "custom", input: value, message: `${why}; must be ${QUANTITY_WORDS[kind]} such as ${example}` });
        });

/** At least `min` (a quantity), with the reason the floor exists. */
export function belowFloor(value: string, min: string): boolean {
    return quantityProblem(value, "bytes") === undefined && compareQuantities(value, min) < 0;
}

export const replicas = (max: number) =>
    z
        .int({ error: "must be a whole number" })
        .min(0, { error: "must be 0 or more" })
        .max(max, { error: `must be at most ${max}` });

export const nonEmpty = z.string({ error: "must be text" }).min(1, { error: "must not be empty" });

/**
 * Pinned image reference: one the kubelet pulls (policy/lib/image-reference.ts, distribution/reference's
 * grammar), with a tag other than `latest` or a digest (the policy pack's own rule).
 */
export const pinnedImage = z.string({ error: "must be an image reference such as name:tag" }).superRefine((ref, ctx) => {
    const why = imageReferenceProblem(ref);
    if (why) {
        ctx.addIssue({
            code: "custom",
            input: ref,
            message: `${why}, which the kubelet refuses to pull; must be an image reference such as registry.example.com/team/name:1.0 (repository in lower case) or name@sha256:<64 lower-case hex digits>`,
        });
        return;
    }
    const pinning = imagePinning(ref);
    if (pinning.why === "latest") ctx.addIssue({ code: "custom", input: ref, message: "must not use the moving tag 'latest'" });
    else if (!pinning.pinned) ctx.addIssue({ code: "custom", input: ref, message: "must pin a version: name:tag or name@sha256:digest" });
});

/**
 * Container resources. Every container runs with Guaranteed QoS, so requests must equal limits
 * (compared by value: "2" equals "2000m"). A request left out where its limit is written is the
 * limit, as Kubernetes defaults it (pkg/apis/core/v1/defaults.go SetDefaults_Pod: "If limits are
 * specified, but requests are not, default requests to limits", per resource). Kubernetes sets no
 * limit from a request, so a request without its limit is refused: that is this program's rule.
 */
export const guaranteedResources = (cpu: string, memory: string) => {
    const amounts = z.strictObject({ cpu: quantity("cpu", "2 or 500m").optional(), memory: quantity("bytes", "2Gi or 512Mi").optional() }).prefault({});
    const defaults = { cpu, memory };
    return z
        .strictObject({ requests: amounts, limits: amounts })
        .prefault({})
        .transform((value, ctx) => {
            const out = { ...defaults };
            for (const kind of ["cpu", "memory"] as const) {
                const written = { request: value.requests[kind], limit: value.limits[kind] };
                if (written.limit === undefined && written.request === undefined) continue;
                if (written.limit === undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["requests", kind],
                        input: written.request,
                        message:
                            `has no limits.${kind} beside it: this program runs every container with Guaranteed QoS (requests equal to limits), and Kubernetes sets no limit from a request, ` +
                            `so the program's default limit ${JSON.stringify(defaults[kind])} would apply; set limits.${kind} (alone is enough: Kubernetes copies a limit into a missing request)`,
                    });
                    continue;
                }
                out[kind] = written.limit;
                const request = written.request ?? written.limit;
                const counts = kind === "cpu" ? "cpu" : "bytes";
                if (quantityProblem(request, counts) || quantityProblem(written.limit, counts)) continue;
                if (!quantitiesEqual(request, written.limit)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["requests", kind],
                        input: request,
                        message: `differs from limits.${kind} ${JSON.stringify(written.limit)}: requests must equal limits (Guaranteed QoS)`,
                    });
                }
            }
            return out;
        });
};

// --- names and hosts: Kubernetes' DNS-1123 rules (lib/kubernetes-names.ts) ---------------------

/** A Kubernetes object name that must be a DNS label (namespaces; a CronJob's name at most 52). */
export const dnsLabel = (max = 63) => checked(`a DNS label: lower-case letters, digits and '-', at most ${max} characters`, (v) => dnsLabelProblem(v, max));

/** A Kubernetes object name that is a DNS subdomain (Secrets, classes, PriorityClasses). */
export const objectName = checked(
    "a Kubernetes name: lower-case letters, digits, '-' and '.', at most 253 characters, each part between dots at most 63",
    dnsSubdomainProblem,
);

/** A host name (a Route's or an Ingress's host). */
export const hostname = checked("a DNS host name such as clair.example.com (each part at most 63 characters, 253 in all)", dnsSubdomainProblem);

/** An Ingress host: a host name, or a wildcard `*.example.com`. */
export const ingressHost = checked("a DNS host name such as malwar.example.com, or a wildcard such as *.example.com", (v) =>
    dnsSubdomainProblem(v.startsWith("*.") ? v.slice(2) : v),
);

// --- networks and URLs ---------------------------------------------------------------------------

/** Why `value` is not an IPv4 network in CIDR notation that may be admitted to the databases. */
export function cidrProblem(value: string): string | undefined {
    const [address, bits, ...rest] = value.split("/");
    if (bits === undefined || rest.length > 0) return "is not of the form address/prefix-length";
    if (!ipaddr.IPv4.isValidFourPartDecimal(address)) return `'${address}' is not an IPv4 address (four numbers 0-255)`;
    if (!/^\d{1,2}$/.test(bits) || Number(bits) > 32) return `the prefix length /${bits} is not 0-32`;
    const network = ipaddr.IPv4.networkAddressFromCIDR(value).toString();
    if (network !== address) return `has host bits set: the network is ${network}/${bits}`;
    if (Number(bits) === 0) return "admits every address on the internet";
    return undefined;
}

export const cidr = checked("an IPv4 network such as 10.0.0.0/16", cidrProblem);

/**
 * The host Go's net/url sees in `value` (Go's src/net/url/url.go: Parse, getScheme,
 * parseAuthority, parseHost, validOptionalPort), or why Parse fails: the rule for what Clair,
 * clairctl and the exporters read. Unlike the WHATWG parser, Go takes an authority only after
 * exactly "//" ("https:///x" and "https:x" have no host), keeps '\\' as data, and strips nothing.
 */
export function goUrlHost(value: string): { scheme: string; userinfo?: string; host: string; port?: string } | string {
    // stringContainsCTLByte: any byte below 0x20, or 0x7f.
    if (/[\x00-\x1f\x7f]/.test(value)) return "has a control character (such as a tab or line break), which Go refuses";
    const withoutFragment = value.split("#")[0];
    // getScheme: a letter, then letters, digits, '+', '-', '.', up to the first ':'.
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(withoutFragment);
    if (!scheme) return "is not a URL (no scheme such as https://)";
    let rest = withoutFragment.slice(scheme[0].length);
    const query = rest.indexOf("?");
    if (query >= 0) rest = rest.slice(0, query);
    if (!rest.startsWith("//")) return { scheme: scheme[1].toLowerCase(), host: "" };
    const afterSlashes = rest.slice(2);
    const slash = afterSlashes.indexOf("/");
    const authority = slash >= 0 ? afterSlashes.slice(0, slash) : afterSlashes;
    const at = authority.lastIndexOf("@");
    const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
    // validUserinfo: unreserved, sub-delims, ':', '%' and '@'.
    if (userinfo !== undefined && !/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return "has an invalid character in its user:password part";
    const host = at >= 0 ? authority.slice(at + 1) : authority;
    let name = host;
    let port = "";
    if (host.startsWith("[")) {
        const close = host.lastIndexOf("]");
        if (close < 0) return "has an IPv6 host without its closing ']'";
        name = host.slice(1, close);
        port = host.slice(close + 1);
        if (port !== "" && !port.startsWith(":")) return `has '${port}' after its IPv6 host, where only :port may stand`;
    } else {
        const colon = host.lastIndexOf(":");
        if (colon >= 0) [name, port] = [host.slice(0, colon), host.slice(colon)];
    }
    // validOptionalPort: empty, or ':' and digits only.
    if (port !== "" && !/^:[0-9]*$/.test(port)) return `has the port '${port.slice(1)}', which is not a number`;
    // unescape(host, encodeHost): %XX escapes must be well formed; a space or other unsafe byte is an invalid host character.
    if (/%(?![0-9A-Fa-f]{2})/.test(name)) return "has a malformed %-escape in its host";
    if (/[^A-Za-z0-9\-._~!$&'()*+,;=:%<>"]/.test(name)) return `has the host '${name}', with a character Go refuses in a host name`;
    return { scheme: scheme[1].toLowerCase(), userinfo, host: name, port: port === "" ? undefined : port.slice(1) };
}

/**
 * The host Python's urllib.parse.urlsplit sees (Lib/urllib/parse.py: leading C0 controls and spaces
 * stripped, tab and line breaks removed, a netloc only after "//", hostname after the last '@'
 * without the port): the rule for what Malwar reads. `.port` raises on a port that is not 0-65535.
 */
export function pythonUrlHost(value: string): { scheme: string; host: string } | string {
    const cleaned = value.replace(/^[\x00-\x20]+/, "").replace(/[\t\r\n]/g, "");
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(cleaned);
    if (!scheme) return "is not a URL (no scheme such as https://)";
    const rest = cleaned.slice(scheme[0].length);
    if (!rest.startsWith("//")) return { scheme: scheme[1].toLowerCase(), host: "" };
    const netloc = rest.slice(2).split(/[/?#]/)[0];
    const hostport = netloc.slice(netloc.lastIndexOf("@") + 1);
    const bracketed = /^\[([^\]]*)\](.*)$/.exec(hostport);
    const [host, port] = bracketed
        ? [bracketed[1], bracketed[2].replace(/^:/, "")]
        : hostport.includes(":")
          ? [hostport.slice(0, hostport.indexOf(":")), hostport.slice(hostport.indexOf(":") + 1)]
          : [hostport, ""];
    if (port !== "" && (!/^[0-9]+$/.test(port) || Number(port) > 65535)) return `has the port '${port}', which is not 0-65535`;
    return { scheme: scheme[1].toLowerCase(), host: host.toLowerCase() };
}

/** A URL as libcurl's URL API reads it: what freshclam fetches from. */
export interface CurlUrl {
    scheme: string;
    user?: string;
    host: string;
    port?: number;
    path: string;
}

/**
 * `value` as libcurl reads a CURLOPT_URL (curl lib/urlapi.c parseurl, with the flags lib/url.c
 * passes: CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME), or why libcurl refuses it, named by
 * its CURLUcode. This is what freshclam does with PrivateMirror and DatabaseCustomURL
 * (libfreshclam_internal.c sets CURLOPT_URL to them). The rules ported:
 * - junkscan: any byte 0x01-0x1f or 0x7f, or a space, anywhere: CURLUE_MALFORMED_INPUT (no
 *   stripping, unlike the WHATWG parser, which drops tabs and line breaks and escapes spaces);
 * - Curl_is_absolute_url: a scheme is a letter, then letters, digits, '+', '-', '.' (at most 40),
 *   then ':' and, when guessing, a '/'; without one libcurl guesses the scheme from the host;
 * - one to three '/' after the scheme, else CURLUE_BAD_SLASHES;
 * - the authority runs to the first '/', '?' or '#'; user info ends at its first '@'
 *   (parse_hostname_login: memchr), so a second '@' lands in the host;
 * - Curl_parse_port: the port follows the first ':' (or the ']' of an IPv6 address); empty
 *   means the default, else decimal digits only, at most 65535 (0xffff): CURLUE_BAD_PORT_NUMBER;
 * - an empty host: CURLUE_NO_HOST; an IPv6 host must be an address inet_pton reads;
 * - hostname_check, after %-decoding (urldecode_host): none of
 *   space \r \n \t / : # ? ! @ { } [ ] \ $ ' " ^ ` * < > = ; , + & ( ) %: CURLUE_BAD_HOSTNAME.
 * Not ported: the file: scheme (the program offers none), IPv6 zone ids (refused here: the
 * program's rule), IDN conversion (a non-ASCII host is passed to libcurl's IDN library).
 */
export function curlUrl(value: string): CurlUrl | string {
    if (/[\x01-\x1f\x7f]/.test(value) || value.includes(" "))
        return "has a space or control character, which libcurl refuses anywhere in a URL (urlapi.c junkscan: CURLUE_MALFORMED_INPUT)";
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]{0,39}):(?=\/)/.exec(value);
    if (!scheme) return "has no scheme followed by '/' (such as https://), so libcurl would guess one from the host";
    const afterScheme = value.slice(scheme[0].length);
    const slashes = /^\/*/.exec(afterScheme)![0].length;
    if (slashes > 3) return `has ${slashes} '/' after '${scheme[1]}:', which libcurl refuses (urlapi.c: one to three, CURLUE_BAD_SLASHES)`;
    const rest = afterScheme.slice(slashes);
    const authorityEnd = rest.search(/[/?#]/);
    const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
    const path = authorityEnd < 0 ? "" : rest.slice(authorityEnd);
    if (authority === "") return "has no host (libcurl: CURLUE_NO_HOST)";
    const at = authority.indexOf("@");
    const user = at >= 0 ? authority.slice(0, at) : undefined;
    const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
    let host = hostPort;
    let portText: string | undefined;
    if (hostPort.startsWith("[")) {
        const close = hostPort.indexOf("]");
        if (close < 0) return "has an IPv6 host without its closing ']' (libcurl: CURLUE_BAD_IPV6)";
        host = hostPort.slice(0, close + 1);
        const after = hostPort.slice(close + 1);
        if (after !== "" && !after.startsWith(":")) return `has '${after}' after its IPv6 host, where only :port may stand (libcurl: CURLUE_BAD_PORT_NUMBER)`;
        if (after !== "") portText = after.slice(1);
    } else if (hostPort.includes(":")) {
        host = hostPort.slice(0, hostPort.indexOf(":"));
        portText = hostPort.slice(hostPort.indexOf(":") + 1);
    }
    let port: number | undefined;
    if (portText !== undefined && portText !== "") {
        if (!/^[0-9]+$/.test(portText))
            return `has the port '${portText}', which libcurl refuses: decimal digits only (Curl_parse_port: CURLUE_BAD_PORT_NUMBER)`;
        port = Number(portText);
        if (port > 0xffff) return `has the port ${portText}, above libcurl's limit of 65535 (Curl_parse_port: CURLUE_BAD_PORT_NUMBER)`;
    }
    if (host === "") return "has no host (libcurl: CURLUE_NO_HOST)";
    if (host.startsWith("[")) {
        const address = host.slice(1, -1);
        if (address.includes("%")) return "has an IPv6 zone id, which this program does not take";
        if (!/^[0-9A-Fa-f:.]+$/.test(address) || !ipaddr.IPv6.isValid(address))
            return `has the IPv6 host '${host}', which is not an IPv6 address (libcurl: CURLUE_BAD_IPV6)`;
    } else {
        // urldecode_host: %XX escapes are decoded (a decoded control byte is refused); a '%' not followed by two hex digits stays, and hostname_check refuses it.
        const decoded = host.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        if (/[\x00-\x1f\x7f]/.test(decoded)) return "has a %-escaped control character in its host (libcurl: CURLUE_BAD_HOSTNAME)";
        const bad = /[ \r\n\t/:#?!@{}[\]\\$'"^`*<>=;,+&()%]/.exec(decoded);
        if (bad) return `has the host '${decoded}', with '${bad[0]}', which libcurl refuses in a host name (urlapi.c hostname_check: CURLUE_BAD_HOSTNAME)`;
        host = decoded;
    }
    return { scheme: scheme[1].toLowerCase(), user, host, port, path };
}

/**
 * Why freshclam (through libcurl) would refuse `value`, or fetch from elsewhere than the program
 * plans for; or the program's rule. libcurl's reading is `curlUrl`'s; the program's rules on top:
 * the scheme is one of `schemes`; port 0, which libcurl parses but nothing can listen on, is
 * refused; and the WHATWG parser, which the program reads the port and file name with (the
 * NetworkPolicy's egress port, the saved file's name), must find the same host and port.
 */
export function curlUrlProblem(value: string, schemes: string[]): string | undefined {
    const seen = curlUrl(value);
    if (typeof seen === "string") return seen;
    if (!schemes.includes(seen.scheme)) return `uses ${seen.scheme}:, which this setting cannot use`;
    if (seen.port === 0) return "has port 0, which libcurl parses but no server can listen on";
    let whatwg: URL;
    try {
        whatwg = new URL(value);
    } catch {
        return `is read by libcurl (host '${seen.host}') but not by the WHATWG URL parser, which this program reads the port and file name with; write it plainly, as scheme://host[:port]/path`;
    }
    const defaultPort = seen.scheme === "https" ? 443 : 80;
    const whatwgPort = whatwg.port === "" ? defaultPort : Number(whatwg.port);
    const sameHost = seen.host.startsWith("[")
        ? whatwg.hostname.startsWith("[") &&
          ipaddr.parse(whatwg.hostname.slice(1, -1)).toNormalizedString() === ipaddr.parse(seen.host.slice(1, -1)).toNormalizedString()
        : whatwg.hostname === domainToASCII(seen.host);
    if (!sameHost || whatwgPort !== (seen.port ?? defaultPort)) {
        return `is read by libcurl as host '${seen.host}' port ${seen.port ?? defaultPort}, but by the WHATWG URL parser, which this program plans the NetworkPolicy with, as host '${whatwg.hostname}' port ${whatwgPort}; write it plainly, as scheme://host[:port]/path`;
    }
    return undefined;
}

/** Which parser the receiving program reads a URL with. */
export type UrlReader = "go" | "python" | "whatwg";

/** Why `value` is not an absolute URL with one of `schemes` and a host, as `reader` reads it. */
export function urlProblem(value: string, schemes: string[], reader: UrlReader = "whatwg"): string | undefined {
    if (reader !== "whatwg") {
        const seen = reader === "go" ? goUrlHost(value) : pythonUrlHost(value);
        const who = reader === "go" ? "Go's net/url (which Clair and the exporters use)" : "Python's urllib (which Malwar uses)";
        if (typeof seen === "string") return `${seen}, read as ${who} reads it`;
        if (!schemes.includes(seen.scheme)) return `uses ${seen.scheme}:, which this setting cannot use`;
        if (!seen.host) return `has no host as ${who} reads it (the host comes only after exactly '//')`;
    }
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return "is not a URL";
    }
    const scheme = url.protocol.replace(/:$/, "");
    if (!schemes.includes(scheme)) return `uses ${scheme}:, which this setting cannot use`;
    if (!url.hostname) return "has no host";
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (!ipaddr.isValid(host) && dnsSubdomainProblem(host.toLowerCase())) return `has the host '${host}', which ${dnsSubdomainProblem(host.toLowerCase())}`;
    return undefined;
}

const schemesWords = (schemes: string[]) => schemes.map((s) => `${s}://`).join(" or ");

/** A URL the program hands to a client that speaks `schemes` (http and https by default). */
export const url = (schemes = ["http", "https"], example = "https://example.com/path", reader: UrlReader = "whatwg") =>
    checked(`an ${schemesWords(schemes)} URL such as ${example}`, (v) => urlProblem(v, schemes, reader));

/**
 * Why `value` would never be matched as a CORS origin by Malwar. Malwar hands its list to
 * Starlette's CORSMiddleware (Starlette 1.10.0, middleware/cors.py is_allowed_origin: "*" in the
 * list allows every origin, otherwise `origin in allow_origins`, an exact string comparison). The
 * browser's Origin header is the origin's serialization (RFC 6454 section 6.2; WHATWG URL's
 * origin): lower-case scheme and host, an IDN host in punycode, no default port, no path and no
 * trailing '/'. An entry spelt any other way never equals a header, so it is refused.
 */
export function corsOriginProblem(value: string): string | undefined {
    if (value === "*") return undefined;
    // The program's rule: browsers send "null" from sandboxed frames and file: pages, which any site can produce.
    if (value === "null")
        return "is the origin browsers send from sandboxed frames and local files, which any site can produce, so this program does not allow it";
    const why = urlProblem(value, ["http", "https"]);
    if (why) return why.startsWith("uses ") ? `${why}: this program allows only web pages' origins (http:// and https://)` : why;
    const origin = new URL(value).origin;
    if (origin !== value)
        return `never equals the Origin header a browser sends (${JSON.stringify(origin)}): Starlette, which Malwar uses, compares origins as exact strings, so write the scheme and host in lower case, without a default port, path or trailing '/'`;
    return undefined;
}

/** A browser origin for CORS: scheme, host and port, or `*`. */
export const corsOrigin = checked("an origin such as https://app.example.com (scheme, host and optional port, no path), or *", corsOriginProblem);

// --- time ------------------------------------------------------------------------------------------

const GO_DURATION_UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, µs: 1000n, μs: 1000n, ms: 1000000n, s: 1000000000n, m: 60000000000n, h: 3600000000000n };
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Go's time.ParseDuration (src/time/format.go), which Clair's config reads its durations with
 * (clair/config Duration.UnmarshalText): [-+]?([0-9]*(\.[0-9]*)?unit)+ or "0", units ns, us, µs
 * (U+00B5), μs (U+03BC), ms, s, m, h, at most 2562047h47m16.854775807s (int64 nanoseconds).
 * Returns the nanoseconds, or Go's reason for refusing.
 */
export function goParseDuration(value: string): bigint | string {
    let s = value;
    let negative = false;
    if (s[0] === "-" || s[0] === "+") {
        negative = s[0] === "-";
        s = s.slice(1);
    }
    if (s === "0") return 0n;
    if (s === "") return "is not a duration";
    let total = 0n;
    while (s !== "") {
        const number = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
        const [whole, fraction] = [number[1], number[3]];
        if (whole === "" && !fraction) return "is not a duration (a number must come before each unit)";
        s = s.slice(number[0].length);
        const unitText = /^[^.0-9]*/.exec(s)![0];
        if (unitText === "") return "has a number without a unit (ns, us, ms, s, m or h)";
        const unit = GO_DURATION_UNITS[unitText];
        if (unit === undefined) return `has the unit '${unitText}', which Go does not know (ns, us, µs, ms, s, m, h)`;
        s = s.slice(unitText.length);
        let part = BigInt(whole || "0") * unit;
        // leadingFraction keeps the digits that fit; float64 makes the fraction nanosecond-accurate as Go does.
        if (fraction) part += BigInt(Math.trunc(Number(fraction.slice(0, 18)) * (Number(unit) / 10 ** Math.min(fraction.length, 18))));
        total += part;
        if (total > 1n << 63n) return "is longer than Go's longest duration, 2562047h47m16.854775807s";
    }
    if (!negative && total > INT64_MAX) return "is longer than Go's longest duration, 2562047h47m16.854775807s";
    return negative ? -total : total;
}

/** Why `value` is not a Go duration of at least `least` nanoseconds (and more than zero). */
export function goDurationProblem(value: string, least = 1n, leastWhy = ""): string | undefined {
    const ns = goParseDuration(value);
    if (typeof ns === "string") return ns;
    if (ns === 0n) return "is zero";
    if (ns < 0n) return "is negative";
    if (ns < least) return leastWhy;
    return undefined;
}

export const goDuration = checked("a Go duration such as 6h, 30m or 90s, more than zero", (v) => goDurationProblem(v));

/** A Go duration that Clair raises to its default below 1s (clair/config notifier.go validate). */
export const goDurationAtLeastOneSecond = (clairDefault: string) =>
    checked("a Go duration such as 5m or 90s, at least 1s", (v) =>
        goDurationProblem(v, 1000000000n, `is below 1s, which Clair replaces with its default ${clairDefault}`),
    );

export const cronSchedule = checked(CRON_ALLOWED, cronProblem);

// RDS's windows, by the API reference's constraints (CreateDBInstance, PreferredBackupWindow and
// PreferredMaintenanceWindow: "Must be at least 30 minutes", "Must not conflict with the preferred
// maintenance/backup window", day values "mon | tue | wed | thu | fri | sat | sun", UTC).
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
export const RDS_WINDOW_MINIMUM_MINUTES = 30;
const RDS_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const HHMM = "([01]\\d|2[0-3]):([0-5]\\d)";

/** A window as minutes from its start (of the day, or of the week from Monday 00:00) and its length; a window may wrap past midnight or Sunday. */
export interface MinuteWindow {
    start: number;
    minutes: number;
}

/** hh24:mi-hh24:mi, or undefined when it is not one. */
export function backupWindowMinutes(value: string): MinuteWindow | undefined {
    const m = new RegExp(`^${HHMM}-${HHMM}$`).exec(value);
    if (!m) return undefined;
    const start = Number(m[1]) * 60 + Number(m[2]);
    const end = Number(m[3]) * 60 + Number(m[4]);
    return { start, minutes: (end - start + 1440) % 1440 };
}

/** ddd:hh24:mi-ddd:hh24:mi, or undefined when it is not one. */
export function maintenanceWindowMinutes(value: string): MinuteWindow | undefined {
    const day = `(${RDS_DAYS.join("|")})`;
    const m = new RegExp(`^${day}:${HHMM}-${day}:${HHMM}$`).exec(value);
    if (!m) return undefined;
    const at = (d: string, h: string, mi: string) => RDS_DAYS.indexOf(d as (typeof RDS_DAYS)[number]) * 1440 + Number(h) * 60 + Number(mi);
    const start = at(m[1], m[2], m[3]);
    const end = at(m[4], m[5], m[6]);
    return { start, minutes: (end - start + 7 * 1440) % (7 * 1440) };
}

/** Whether a daily backup window shares a minute with a weekly maintenance window (windows end where the next minute begins). */
export function windowsOverlap(backup: MinuteWindow, maintenance: MinuteWindow): boolean {
    const week = 7 * 1440;
    const m0 = maintenance.start;
    const m1 = maintenance.start + maintenance.minutes;
    for (let day = 0; day < 7; day++) {
        const b0 = day * 1440 + backup.start;
        const b1 = b0 + backup.minutes;
        // Compare on the week and its next turn, since either window may wrap past Sunday.
        for (const shift of [-week, 0, week]) {
            if (b0 + shift < m1 && m0 < b1 + shift) return true;
        }
    }
    return false;
}

const windowLength = (what: string, parse: (v: string) => MinuteWindow | undefined) =>
    checked(what, (v) => {
        const w = parse(v);
        if (!w) return "is not of that form";
        if (w.minutes < RDS_WINDOW_MINIMUM_MINUTES) return `is ${w.minutes} minutes long, and RDS requires at least ${RDS_WINDOW_MINIMUM_MINUTES}`;
        return undefined;
    });

export const backupWindow = windowLength(
    `a UTC window hh:mm-hh:mm such as 03:00-04:00, at least ${RDS_WINDOW_MINIMUM_MINUTES} minutes long (RDS's rule)`,
    backupWindowMinutes,
);
export const maintenanceWindow = windowLength(
    `a UTC window ddd:hh:mm-ddd:hh:mm such as sun:05:00-sun:06:00 (days mon, tue, wed, thu, fri, sat, sun in lower case), at least ${RDS_WINDOW_MINIMUM_MINUTES} minutes long (RDS's rule)`,
    maintenanceWindowMinutes,
);

/** A file inside a mounted volume: relative, without '..' or empty parts. */
export const relativePath = checked("a relative path such as updates.json.gz or bundles/updates.json.gz (no leading '/', no '..')", (v) => {
    if (v === "") return "is empty";
    if (v.startsWith("/")) return "starts with '/'";
    const parts = v.split("/");
    if (parts.includes("..")) return "has a '..' part";
    if (parts.some((p) => p === "" || p === ".")) return "has an empty or '.' part";
    return undefined;
});

export const uid = z.int({ error: "must be a whole number" }).min(1, { error: "must be 1 or more (0 is root)" });

export const bool = z.boolean({ error: "must be true or false" });

/** Why `value` is not a ConfigMap key (Kubernetes' IsConfigMapKey: [-._a-zA-Z0-9]+, at most 253, not '.' or '..'). */
export function configMapKeyProblem(value: string): string | undefined {
    if (value.length === 0) return "is empty";
    if (value.length > 253) return `is ${value.length} characters long, over the limit of 253`;
    if (!/^[-._a-zA-Z0-9]+$/.test(value)) return "may hold only letters, digits, '-', '_' and '.'";
    if (value === "." || value === "..") return `is '${value}'`;
    return undefined;
}

/** A key of a ConfigMap's data (a file name once the ConfigMap is mounted). */
export const configMapKey = checked("a ConfigMap key such as ca-bundle.crt: letters, digits, '-', '_' and '.', at most 253 characters", configMapKeyProblem);
