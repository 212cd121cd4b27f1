/**
 * The egress proxy (config `proxy`) through the real program under the mocks: Clair's containers
 * get HTTP_PROXY/HTTPS_PROXY/NO_PROXY (with the cluster's own names kept off the proxy), the
 * freshclam that reaches outside gets freshclam.conf's HTTPProxyServer/Port, the NetworkPolicies
 * admit the proxy's ports, and nothing else changes.
 */
import { strict as assert } from "assert";
import { podSpecOf } from "../policy/lib/workloads";
import { runProgram, unwrapSecrets, type MockRun, type RunOptions } from "../tools/mock-run";
import { atLeast } from "./helpers";

const PROXY = { httpProxy: "http://proxy.corp.example:3128", httpsProxy: "http://proxy.corp.example:3129", noProxy: [".corp.example", "10.0.0.0/8"] };
const withProxy = (proxy: object, sets: Record<string, string> = {}): RunOptions => ({ config: { "scanning-platform:proxy": JSON.stringify(proxy) }, sets });

function containers(run: MockRun): { owner: string; name: string; env: any[] }[] {
    return run.resources.flatMap((r) => {
        const o = unwrapSecrets(r.inputs);
        const spec: any = podSpecOf(r.type, o);
        if (!spec) return [];
        return [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => ({
            owner: `${o.kind}/${o.metadata.name}`,
            name: c.name,
            env: c.env ?? [],
        }));
    });
}
const envOf = (c: { env: any[] }, name: string) => c.env.find((e) => e.name === name)?.value;

function configMapFile(run: MockRun, name: string, file: string): string {
    const found = run.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && unwrapSecrets(r.inputs).metadata.name === name);
    assert.equal(found.length, 1, name);
    return unwrapSecrets(found[0].inputs).data[file];
}

function egressPorts(run: MockRun, policy: string): number[] {
    const found = run.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && unwrapSecrets(r.inputs).metadata.name === policy);
    assert.equal(found.length, 1, policy);
    return unwrapSecrets(found[0].inputs).spec.egress.flatMap((rule: any) => rule.ports.map((p: any) => p.port));
}

describe("proxy: the cluster's egress proxy", function () {
    this.timeout(600_000);

    it("reaches every Clair container (clairctl Jobs included) and Malwar's with the cluster's names kept off it, and no other app's", async () => {
        const run = await runProgram("prod", withProxy(PROXY));
        const all = containers(run);
        const clair = all.filter((c) => /^(Deployment\/clair-|StatefulSet\/clair-indexer|Job\/clair-)/.test(c.owner) && c.name !== "clean-scratch");
        // Malwar's API container: the URL crawler, the LLM client, webhooks and chat channels.
        const malwar = all.filter((c) => c.owner === "Deployment/malwar");
        assert.equal(malwar.length, 1);
        assert.equal(envOf(malwar[0], "HTTP_PROXY"), PROXY.httpProxy);
        assert.equal(envOf(malwar[0], "HTTPS_PROXY"), PROXY.httpsProxy);
        assert.deepEqual(envOf(malwar[0], "NO_PROXY").split(","), ["localhost", "127.0.0.1", ".svc", ".cluster.local", ".corp.example", "10.0.0.0/8"]);
        for (const port of [3128, 3129]) assert.ok(egressPorts(run, "malwar").includes(port), `Malwar's egress admits ${port}`);
        // indexer, matcher, notifier, the pre and post upgrade Jobs.
        assert.equal(clair.length, 5, clair.map((c) => c.owner).join(", "));
        for (const c of clair) {
            assert.equal(envOf(c, "HTTP_PROXY"), PROXY.httpProxy, c.owner);
            assert.equal(envOf(c, "HTTPS_PROXY"), PROXY.httpsProxy, c.owner);
            const noProxy = envOf(c, "NO_PROXY").split(",");
            // Clair calls the indexer as http://clair-indexer:8080/ and Services by .svc names: never through the proxy.
            for (const host of ["clair-indexer", "clair-matcher", "clair-notifier", ".svc", ".cluster.local", "localhost", ".corp.example", "10.0.0.0/8"])
                assert.ok(noProxy.includes(host), `${c.owner} NO_PROXY ${host}`);
        }
        for (const c of atLeast(
            all.filter((x) => !clair.includes(x) && !malwar.includes(x)),
            5,
            "containers other than Clair's",
        ))
            assert.equal(envOf(c, "HTTP_PROXY") ?? envOf(c, "HTTPS_PROXY"), undefined, `${c.owner}/${c.name}`);
        for (const port of [3128, 3129]) assert.ok(egressPorts(run, "clair").includes(port), `Clair's egress admits ${port}`);
    });

    it("reaches the mirror's freshclam (https proxy first) but not clamd's, which fetches from the in-cluster mirror", async () => {
        const run = await runProgram("prod", withProxy(PROXY));
        const mirrorConf = configMapFile(run, "clamav-mirror-config", "freshclam.conf");
        assert.match(mirrorConf, /^HTTPProxyServer http:\/\/proxy\.corp\.example$/m);
        assert.match(mirrorConf, /^HTTPProxyPort 3129$/m);
        assert.doesNotMatch(configMapFile(run, "clamav-config", "freshclam.conf"), /HTTPProxy/);
        assert.ok(egressPorts(run, "clamav-mirror").includes(3129));
        assert.ok(!egressPorts(run, "clamav").includes(3129), "clamd reaches only the mirror");
    });

    it("without the in-cluster mirror, clamd's freshclam goes through the proxy and its policy admits the port", async () => {
        const run = await runProgram("prod", withProxy({ httpProxy: "http://proxy.corp.example:3128" }, { "clamav.mirror.enabled": "false" }));
        const conf = configMapFile(run, "clamav-config", "freshclam.conf");
        assert.match(conf, /^HTTPProxyServer http:\/\/proxy\.corp\.example$/m);
        assert.match(conf, /^HTTPProxyPort 3128$/m);
        assert.ok(egressPorts(run, "clamav").includes(3128));
    });

    it("refuses credentials, a path and a scheme other than http(s), naming the key and value", async () => {
        await assert.rejects(runProgram("prod", withProxy({ httpsProxy: "http://user:pw@proxy.corp.example:3128" })), (err: Error) => {
            assert.match(err.message, /scanning-platform:proxy\.httpsProxy = "http:\/\/\[credentials\]@proxy\.corp\.example:3128": holds credentials/);
            assert.ok(!err.message.includes("user:pw"), "the message repeats the credentials");
            return true;
        });
        await assert.rejects(
            runProgram("prod", withProxy({ httpProxy: "http://proxy.corp.example:3128/path" })),
            /scanning-platform:proxy\.httpProxy = "http:\/\/proxy\.corp\.example:3128\/path": has a path or query/,
        );
        await assert.rejects(
            runProgram("prod", withProxy({ httpProxy: "socks5://proxy.corp.example:1080" })),
            /scanning-platform:proxy\.httpProxy = "socks5:\/\/proxy\.corp\.example:1080": uses socks5:/,
        );
    });
});
