/**
 * Container image references read as the kubelet reads them before a pull: Kubernetes'
 * pkg/util/parsers ParseImageName calls ParseNormalizedNamed of github.com/distribution/reference,
 * which checks the reference grammar and the digest with github.com/opencontainers/go-digest.
 *
 * A port of github.com/distribution/reference v0.6.0 (regexp.go, reference.go Parse,
 * normalize.go ParseNormalizedNamed and splitDockerDomain) and go-digest v1.0.0
 * (digest.go Validate, algorithm.go). Ported rather than taken from npm: the npm ports
 * (@swimlane/docker-reference 2.0.1) accept upper-case hex in a digest, which go-digest refuses,
 * and know no IPv6 registry host.
 */

// regexp.go, each expression as written there ([[:xdigit:]] spelled out; \w is [0-9A-Za-z_] in both).
const alphanumeric = `[a-z0-9]+`;
const separator = `(?:[._]|__|[-]+)`;
const domainNameComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`;
const optionalPort = `(?::[0-9]+)?`;
const tag = `[\\w][\\w.-]{0,127}`;
const digestPat = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}`;
const identifier = `([a-f0-9]{64})`;
const ipv6address = `\\[(?:[a-fA-F0-9:]+)\\]`;

const optional = (...res: string[]) => `(?:${res.join("")})?`;
const anyTimes = (...res: string[]) => `(?:${res.join("")})*`;
const capture = (...res: string[]) => `(${res.join("")})`;
const anchored = (...res: string[]) => `^${res.join("")}$`;

const domainName = domainNameComponent + anyTimes(`\\.`, domainNameComponent);
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = alphanumeric + anyTimes(separator, alphanumeric);
const remoteName = pathComponent + anyTimes(`/`, pathComponent);
const namePat = optional(domainAndPort, `/`) + remoteName;

const referenceRegexp = new RegExp(anchored(capture(namePat), optional(`:`, capture(tag)), optional(`@`, capture(digestPat))));
const anchoredNameRegexp = new RegExp(anchored(optional(capture(domainAndPort), `/`), capture(remoteName)));
const anchoredDigestRegexp = new RegExp(anchored(digestPat));
const anchoredIdentifierRegexp = new RegExp(anchored(identifier));

/** reference.go RepositoryNameTotalLengthMax: the path after the registry, at most 255 characters. */
export const REPOSITORY_NAME_MAX = 255;

/** go-digest algorithm.go: the algorithms it knows, each lower-case hex of its size. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface ImageReference {
    /** The registry, as normalized (docker.io when none is named). */
    domain: string;
    /** The repository path, as normalized (library/<name> for a one-word Docker Hub name). */
    path: string;
    tag?: string;
    /** algorithm:hex, validated. */
    digest?: string;
}

/** go-digest Digest.Validate: why `digest` is not one (undefined when it is). */
export function digestProblem(digest: string): string | undefined {
    const colon = digest.indexOf(":");
    if (colon <= 0 || colon + 1 === digest.length) return "is not a digest (algorithm:hex)";
    const algorithm = digest.slice(0, colon);
    const encoded = digest.slice(colon + 1);
    const length = DIGEST_HEX_LENGTH[algorithm];
    if (length === undefined) {
        if (!anchoredDigestRegexp.test(digest)) return "is not a digest (algorithm:hex)";
        return `uses the digest algorithm '${algorithm}', which is not sha256, sha384 or sha512`;
    }
    if (encoded.length !== length) return `has a ${algorithm} digest of ${encoded.length} hex digits, not ${length}`;
    if (!/^[a-f0-9]+$/.test(encoded)) return `has a ${algorithm} digest that is not lower-case hex (0-9, a-f)`;
    return undefined;
}

/** reference.go Parse: a reference as written, not normalized. */
function parse(s: string): ImageReference | string {
    const matches = referenceRegexp.exec(s);
    if (!matches) {
        if (s === "") return "is empty";
        if (referenceRegexp.test(s.toLowerCase())) return "has upper-case letters in the repository name, which must be lower-case";
        return "is not an image reference";
    }
    const nameMatch = anchoredNameRegexp.exec(matches[1]);
    const domain = nameMatch?.[1] ?? "";
    const path = nameMatch ? nameMatch[2] : matches[1];
    if (path.length > REPOSITORY_NAME_MAX) return `has a repository name of ${path.length} characters, over the limit of ${REPOSITORY_NAME_MAX}`;
    if (matches[3] !== undefined) {
        const why = digestProblem(matches[3]);
        if (why) return why;
    }
    return { domain, path, tag: matches[2], digest: matches[3] };
}

/** normalize.go splitDockerDomain: which part names the registry. */
function splitDockerDomain(name: string): [string, string] {
    const slash = name.indexOf("/");
    if (slash < 0) return ["docker.io", `library/${name}`];
    const maybeDomain = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    let domain: string;
    let remote: string;
    // In Go's order: localhost, the legacy Docker Hub name, anything with '.' or ':', upper case.
    if (maybeDomain === "localhost") [domain, remote] = [maybeDomain, rest];
    else if (maybeDomain === "index.docker.io") [domain, remote] = ["docker.io", rest];
    else if (/[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) [domain, remote] = [maybeDomain, rest];
    else [domain, remote] = ["docker.io", name];
    if (domain === "docker.io" && !remote.includes("/")) remote = `library/${remote}`;
    return [domain, remote];
}

/** normalize.go ParseNormalizedNamed: the reference the kubelet pulls, or why it refuses it, in plain words. */
export function parseImageReference(s: string): ImageReference | string {
    if (anchoredIdentifierRegexp.test(s)) return "is 64 hex digits, which is an image id, not a repository name";
    const [domain, remainder] = splitDockerDomain(s);
    const tagSep = remainder.indexOf(":");
    const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
    if (remote.toLowerCase() !== remote) return `has the repository name '${remote}', which must be lower-case`;
    return parse(`${domain}/${remainder}`);
}

/** Why `s` is not an image reference the kubelet pulls, or undefined. */
export function imageReferenceProblem(s: string): string | undefined {
    const parsed = parseImageReference(s);
    return typeof parsed === "string" ? parsed : undefined;
}
