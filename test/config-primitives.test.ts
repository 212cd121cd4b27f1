/**
 * The config's building blocks at their edges, each against the rule it implements: IPv4 CIDR
 * notation, Kubernetes' ConfigMap keys (IsConfigMapKey), file paths inside a mount, URLs as the
 * WHATWG, Go and Python parsers read them, and CORS origins as Starlette compares them.
 */
import { strict as assert } from "assert";
import { cidrProblem, configMapKeyProblem, corsOriginProblem, relativePath, urlProblem } from "../config/primitives";

const PATH_WORDS = "must be a relative path such as updates.json.gz or bundles/updates.json.gz (no leading '/', no '..')";
const pathMessage = (value: string) => {
    const result = relativePath.safeParse(value);
    return result.success ? undefined : result.error.issues.map((i) => i.message).join("\n");
};

describe("config building blocks: IPv4 networks", () => {
    it("takes a network with its prefix from /1 to /32", () => {
        for (const ok of ["0.0.0.0/1", "10.0.0.0/8", "192.168.1.0/24", "192.168.1.7/32", "128.0.0.0/1"]) assert.equal(cidrProblem(ok), undefined, ok);
    });

    it("refuses a second '/', a prefix over 32 or not a number, and an address that is not four numbers 0-255", () => {
        assert.equal(cidrProblem("10.0.0.0/8/16"), "is not of the form address/prefix-length");
        assert.equal(cidrProblem("10.0.0.0/33"), "the prefix length /33 is not 0-32");
        assert.equal(cidrProblem("10.0.0.0/100"), "the prefix length /100 is not 0-32");
        assert.equal(cidrProblem("10.0.0.0/"), "the prefix length / is not 0-32");
        assert.equal(cidrProblem("10.0.0.0/8a"), "the prefix length /8a is not 0-32");
        assert.equal(cidrProblem("10.0.0.0/a8"), "the prefix length /a8 is not 0-32");
        assert.equal(cidrProblem("256.0.0.0/8"), "'256.0.0.0' is not an IPv4 address (four numbers 0-255)");
        assert.equal(cidrProblem("10.0.0/8"), "'10.0.0' is not an IPv4 address (four numbers 0-255)");
    });

    it("refuses host bits, naming the network, and /0", () => {
        assert.equal(cidrProblem("192.168.1.7/31"), "has host bits set: the network is 192.168.1.6/31");
        assert.equal(cidrProblem("10.0.0.0/0"), "has host bits set: the network is 0.0.0.0/0");
        assert.equal(cidrProblem("0.0.0.0/0"), "admits every address on the internet");
    });
});

describe("config building blocks: ConfigMap keys and paths in a mount", () => {
    it("a ConfigMap key: 1 to 253 of letters, digits, '-', '_' and '.', but not '.' or '..'", () => {
        for (const ok of ["a", "ca-bundle.crt", "_x.Y-9", "...", "k".repeat(253)]) assert.equal(configMapKeyProblem(ok), undefined, ok);
        assert.equal(configMapKeyProblem(""), "is empty");
        assert.equal(configMapKeyProblem("k".repeat(254)), "is 254 characters long, over the limit of 253");
        assert.equal(configMapKeyProblem("."), "is '.'");
        assert.equal(configMapKeyProblem(".."), "is '..'");
        for (const bad of ["a/b", "a b", "ca.crt\n", "é"]) assert.equal(configMapKeyProblem(bad), "may hold only letters, digits, '-', '_' and '.'", bad);
    });

    it("a path inside a mount: relative, no '..', no empty or '.' part", () => {
        for (const ok of ["updates.json.gz", "bundles/updates.json.gz", "a/.hidden/b", "a..b/c"]) assert.equal(pathMessage(ok), undefined, ok);
        assert.equal(pathMessage(""), `is empty; ${PATH_WORDS}`);
        assert.equal(pathMessage("/etc/clair"), `starts with '/'; ${PATH_WORDS}`);
        assert.equal(pathMessage("a/../b"), `has a '..' part; ${PATH_WORDS}`);
        assert.equal(pathMessage(".."), `has a '..' part; ${PATH_WORDS}`);
        for (const bad of ["a//b", "a/", "./a", "a/./b", "."]) assert.equal(pathMessage(bad), `has an empty or '.' part; ${PATH_WORDS}`, bad);
    });
});

describe("config building blocks: URLs as their readers parse them", () => {
    const GO = "Go's net/url (which Clair and the exporters use)";
    const PY = "Python's urllib (which Malwar uses)";
    const web = ["http", "https"];

    it("WHATWG: an IP host, bracketed IPv6 included, passes; no host, a bad host or another scheme does not", () => {
        for (const ok of ["http://[::1]:8080/x", "https://10.0.0.1/", "https://clair.example.com:8443/a?b#c"]) assert.equal(urlProblem(ok, web), undefined, ok);
        assert.equal(urlProblem("file:///etc/passwd", ["file"]), "has no host");
        assert.equal(urlProblem("ftp://files.example.com/", web), "uses ftp:, which this setting cannot use");
        assert.equal(urlProblem("clair.example.com", web), "is not a URL");
        assert.match(urlProblem("https://exa_mple.com/", web) ?? "", /^has the host 'exa_mple\.com', which has the part 'exa_mple', which /);
    });

    it("Go: the host only after exactly '//', a closed IPv6 host, a numeric port, well-formed escapes", () => {
        assert.equal(urlProblem("https://[::1]:8443/x", web, "go"), undefined);
        assert.equal(urlProblem("https:/clair.example.com/", web, "go"), `has no host as ${GO} reads it (the host comes only after exactly '//')`);
        assert.equal(urlProblem("https://[::1/x", web, "go"), `has an IPv6 host without its closing ']', read as ${GO} reads it`);
        assert.equal(urlProblem("https://[::1]8443/x", web, "go"), `has '8443' after its IPv6 host, where only :port may stand, read as ${GO} reads it`);
        assert.equal(urlProblem("https://clair.example.com:https/", web, "go"), `has the port 'https', which is not a number, read as ${GO} reads it`);
        assert.equal(urlProblem("https://clair%2.example.com/", web, "go"), `has a malformed %-escape in its host, read as ${GO} reads it`);
        assert.equal(
            urlProblem("https://clair example.com/", web, "go"),
            `has the host 'clair example.com', with a character Go refuses in a host name, read as ${GO} reads it`,
        );
        assert.equal(
            urlProblem("https://us er:pw@clair.example.com/", web, "go"),
            `has an invalid character in its user:password part, read as ${GO} reads it`,
        );
        assert.equal(
            urlProblem("https://clair.example.com/\tx", web, "go"),
            `has a control character (such as a tab or line break), which Go refuses, read as ${GO} reads it`,
        );
        assert.equal(urlProblem("ftp://files.example.com/", web, "go"), "uses ftp:, which this setting cannot use");
    });

    it("Python: a port 0-65535, a bracketed IPv6 host; the host only after '//'", () => {
        assert.equal(urlProblem("https://malwar.example.com:65535/", web, "python"), undefined);
        assert.equal(urlProblem("https://[::1]:8080/", web, "python"), undefined);
        assert.equal(urlProblem("https://malwar.example.com:65536/", web, "python"), `has the port '65536', which is not 0-65535, read as ${PY} reads it`);
        assert.equal(urlProblem("https://malwar.example.com:8o/", web, "python"), `has the port '8o', which is not 0-65535, read as ${PY} reads it`);
        assert.equal(urlProblem("https:malwar.example.com", web, "python"), `has no host as ${PY} reads it (the host comes only after exactly '//')`);
        assert.equal(urlProblem("hooks.example.com/x", web, "python"), `is not a URL (no scheme such as https://), read as ${PY} reads it`);
    });
});

describe("config building blocks: CORS origins as Starlette compares them", () => {
    it("takes '*' and an origin spelt as a browser sends it", () => {
        for (const ok of ["*", "https://app.example.com", "http://localhost:3000", "https://app.example.com:8443"])
            assert.equal(corsOriginProblem(ok), undefined, ok);
    });

    it("refuses null, other schemes, and any other spelling of an origin", () => {
        assert.match(corsOriginProblem("null") ?? "", /^is the origin browsers send from sandboxed frames and local files/);
        assert.equal(
            corsOriginProblem("ftp://app.example.com"),
            "uses ftp:, which this setting cannot use: this program allows only web pages' origins (http:// and https://)",
        );
        for (const [spelt, sent] of [
            ["https://app.example.com/", "https://app.example.com"],
            ["https://APP.example.com", "https://app.example.com"],
            ["https://app.example.com:443", "https://app.example.com"],
        ]) {
            assert.match(
                corsOriginProblem(spelt) ?? "",
                new RegExp(`^never equals the Origin header a browser sends \\(${JSON.stringify(sent).replace(/[.]/g, "\\.")}\\)`),
                spelt,
            );
        }
        assert.equal(corsOriginProblem("app.example.com"), "is not a URL");
    });
});
