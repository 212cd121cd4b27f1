/**
 * Platform-wide keys at their edges, without running the program: the Clair PSK (standard base64
 * of at least 32 bytes, as Clair decodes it), the egress proxy (no credentials, no path or query),
 * and the RDS network (two subnets, something admitted).
 */
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config/load";
import { PROJECT } from "../config/platform";
import { stackConfig } from "../tools/mock-run";
import { ZOD_WORDING } from "./plain-words";

const key = (k: string) => `${PROJECT}:${k}`;

function raw(overrides: Record<string, unknown>): Record<string, string> {
    const result = { ...stackConfig("prod") };
    for (const [k, v] of Object.entries(overrides)) result[key(k)] = typeof v === "string" ? v : JSON.stringify(v);
    return result;
}

function refused(overrides: Record<string, unknown>, secretKeys: string[] = []): string[] {
    try {
        parseConfig(raw(overrides), secretKeys.map(key), () => "Pulumi.prod.yaml");
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        for (const p of err.problems) assert.doesNotMatch(p, ZOD_WORDING, p);
        return err.problems;
    }
    assert.fail(`expected ${JSON.stringify(overrides)} to be refused`);
}

const prodNetwork = () => JSON.parse(stackConfig("prod")[key("network")]);

describe("platform keys at the config: the Clair PSK", () => {
    const PSK_WORDS =
        "Pulumi.prod.yaml: scanning-platform:clairPsk = [secret]: must be base64 of at least 32 random bytes (Clair decodes it into the HS256 key)";
    const b64 = (bytes: number, fill = 0xfb) => Buffer.alloc(bytes, fill).toString("base64");

    it("32 bytes pass, with or without padding; 31 bytes do not", () => {
        for (const psk of [b64(32), b64(33), b64(34)]) assert.equal(parseConfig(raw({ clairPsk: psk }), [key("clairPsk")]).clairPsk, psk);
        assert.ok(b64(32).endsWith("=") && !b64(33).endsWith("=") && b64(34).endsWith("=="));
        assert.deepEqual(refused({ clairPsk: b64(31) }, ["clairPsk"]), [PSK_WORDS]);
    });

    it("base64url, three '=' or text around the base64 is refused (Clair reads standard base64)", () => {
        const url = Buffer.alloc(32, 0xff).toString("base64url");
        assert.ok(url.includes("_"));
        for (const psk of [url, `${b64(33)}===`, ` ${b64(32)}`, `${b64(32)}\n`])
            assert.deepEqual(refused({ clairPsk: psk }, ["clairPsk"]), [PSK_WORDS], JSON.stringify(psk));
    });
});

describe("platform keys at the config: the egress proxy", () => {
    const CREDENTIALS = "holds credentials (user:password@), which would be readable in every pod spec: use a proxy that admits the cluster without them";
    const PATH = "has a path or query, which Go and freshclam ignore in a proxy: this program takes scheme, host and port only";

    it("takes scheme, host and port, with or without a trailing '/'", () => {
        const cfg = parseConfig(raw({ proxy: { httpProxy: "http://proxy.example.com:3128/", httpsProxy: "http://proxy.example.com:3128" } }));
        assert.equal(new URL(cfg.proxy.httpProxy!).host, "proxy.example.com:3128");
        assert.equal(new URL(cfg.proxy.httpsProxy!).host, "proxy.example.com:3128");
    });

    it("refuses a user, a password or both, never showing them", () => {
        for (const [value, shown] of [
            ["http://bot:hunter2@proxy.example.com:3128", "http://[credentials]@proxy.example.com:3128"],
            ["http://bot@proxy.example.com:3128", "http://[credentials]@proxy.example.com:3128"],
            ["http://:hunter2@proxy.example.com:3128", "http://[credentials]@proxy.example.com:3128"],
        ]) {
            assert.deepEqual(
                refused({ proxy: { httpProxy: value } }),
                [`Pulumi.prod.yaml: scanning-platform:proxy.httpProxy = "${shown}": ${CREDENTIALS}`],
                value,
            );
        }
    });

    it("refuses a path or a query", () => {
        for (const value of ["http://proxy.example.com:3128/proxy.pac", "http://proxy.example.com:3128/?x=1", "http://proxy.example.com:3128?x=1"]) {
            assert.deepEqual(refused({ proxy: { httpsProxy: value } }), [`Pulumi.prod.yaml: scanning-platform:proxy.httpsProxy = "${value}": ${PATH}`], value);
        }
    });
});

describe("platform keys at the config: the RDS network", () => {
    it("two subnets are enough; one is not", () => {
        const network = prodNetwork();
        assert.deepEqual(
            parseConfig(raw({ network: { ...network, subnetIds: network.subnetIds.slice(0, 2) } })).databaseNetwork?.subnetIds,
            network.subnetIds.slice(0, 2),
        );
        assert.deepEqual(refused({ network: { ...network, subnetIds: network.subnetIds.slice(0, 1) } }), [
            `Pulumi.prod.yaml: scanning-platform:network.subnetIds = ${JSON.stringify(network.subnetIds.slice(0, 1))}: must list at least two subnets in different availability zones (an RDS subnet group needs two)`,
        ]);
    });

    it("something must be admitted: a CIDR or a security group", () => {
        const { allowedCidrs: _, ...network } = prodNetwork();
        assert.deepEqual(refused({ network }), [
            "Pulumi.prod.yaml: scanning-platform:network.allowedCidrs = []: must admit the cluster: set network.allowedCidrs or network.allowedSecurityGroupIds",
        ]);
        assert.deepEqual(refused({ network: { ...network, allowedCidrs: [] } }).length, 1);
        const groups = parseConfig(raw({ network: { ...network, allowedSecurityGroupIds: ["sg-0123456789abcdef0"] } })).databaseNetwork;
        assert.deepEqual(groups?.allowedSecurityGroupIds, ["sg-0123456789abcdef0"]);
        assert.deepEqual(groups?.allowedCidrs, []);
    });
});
