/**
 * Extra signature databases (clamav.customDatabaseUrls, freshclam's DatabaseCustomURL), through
 * the real program under the mocks: with the in-cluster mirror its updater fetches them and nginx
 * serves each under its file name, and clamd's init containers take them from the mirror as they
 * take the official ones; without the mirror clamd fetches them itself. freshclam saves each under
 * the text after the URL's last '/' (freshclam.conf(5); test/real/clamav-mirror.test.ts runs it).
 */
import { strict as assert } from "assert";
import { runProgram, type MockRun, type RunOptions } from "../tools/mock-run";
import { K8S, object } from "./helpers";

const URLS = ["https://sigs.example.net/feeds/urlhaus.ndb", "http://sigs.example.net:8081/phish.wdb"];
/** The in-cluster mirror's Service, as clamd reaches it in its own namespace. */
const MIRROR = "http://clamav-mirror:8080";
const withUrls = (urls: string[], sets: Record<string, string> = {}): RunOptions => ({ sets: { "clamav.customDatabaseUrls": JSON.stringify(urls), ...sets } });
const file = (run: MockRun, configMap: string, name: string): string | undefined => object(run, K8S.configMap, configMap).data[name];
const lines = (text: string | undefined, key: string) => (text ?? "").split("\n").filter((l) => l.startsWith(`${key} `));
const egress = (run: MockRun, policy: string): number[] =>
    object(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", policy).spec.egress.flatMap((r: any) =>
        r.ports.filter((p: any) => p.port !== 53).map((p: any) => p.port),
    );

describe("ClamAV's extra signature databases", () => {
    it("none by default: no DatabaseCustomURL anywhere", async () => {
        const run = await runProgram("stage", {});
        assert.deepEqual(lines(file(run, "clamav-config", "freshclam.conf"), "DatabaseCustomURL"), []);
        assert.deepEqual(lines(file(run, "clamav-mirror-config", "freshclam.conf"), "DatabaseCustomURL"), []);
    });

    it("with the in-cluster mirror: its updater fetches them, nginx serves each by name, clamd takes them from the mirror", async () => {
        const run = await runProgram("stage", withUrls(URLS));
        assert.deepEqual(
            lines(file(run, "clamav-mirror-config", "freshclam.conf"), "DatabaseCustomURL"),
            URLS.map((u) => `DatabaseCustomURL ${u}`),
        );
        assert.deepEqual(lines(file(run, "clamav-config", "freshclam.conf"), "DatabaseCustomURL"), [
            `DatabaseCustomURL ${MIRROR}/urlhaus.ndb`,
            `DatabaseCustomURL ${MIRROR}/phish.wdb`,
        ]);
        const nginx = file(run, "clamav-mirror-config", "nginx.conf")!;
        for (const name of ["urlhaus.ndb", "phish.wdb"])
            assert.match(nginx, new RegExp(`location = /${name.replace(".", "[.]")} \\{\\n\\s+limit_except GET \\{\\n\\s+deny all;`), name);
        // The mirror reaches the second feed's port; clamd still reaches only the mirror.
        assert.ok(egress(run, "clamav-mirror").includes(8081));
        assert.deepEqual(egress(run, "clamav"), [8080]);
    });

    it("without the mirror: clamd's freshclam fetches them itself and its policy admits their ports", async () => {
        const run = await runProgram("stage", withUrls(URLS, { "clamav.mirror.enabled": "false" }));
        assert.deepEqual(
            lines(file(run, "clamav-config", "freshclam.conf"), "DatabaseCustomURL"),
            URLS.map((u) => `DatabaseCustomURL ${u}`),
        );
        assert.deepEqual(egress(run, "clamav"), [80, 443, 8081]);
    });

    it("disconnected mirror: no updater, nginx still serves them by name, clamd takes them from the mirror", async () => {
        const run = await runProgram("stage", withUrls(URLS, { "clamav.mirror.upstream": "none" }));
        assert.equal(file(run, "clamav-mirror-config", "freshclam.conf"), undefined);
        assert.match(file(run, "clamav-mirror-config", "nginx.conf")!, /location = \/urlhaus\.ndb \{/);
        assert.deepEqual(lines(file(run, "clamav-config", "freshclam.conf"), "DatabaseCustomURL"), [
            `DatabaseCustomURL ${MIRROR}/urlhaus.ndb`,
            `DatabaseCustomURL ${MIRROR}/phish.wdb`,
        ]);
    });

    it("refuses URLs clamd would not load or freshclam would save under another name, naming key, value and what is allowed", async () => {
        const refused = (urls: string[], pattern: RegExp) =>
            assert.rejects(runProgram("stage", withUrls(urls)), (err: Error & { resourcesRegistered?: number }) => {
                assert.match(err.message, pattern);
                assert.equal(err.resourcesRegistered, 0);
                return true;
            });
        await refused(
            ["https://sigs.example.net/feed.txt"],
            /clamav\.customDatabaseUrls\.0 = "https:\/\/sigs\.example\.net\/feed\.txt": names the file 'feed\.txt', which clamd would not load: the file name must end in a signature database extension \(\.db, \.hdb/,
        );
        await refused(["https://sigs.example.net/feed.ndb.gz"], /names the file 'feed\.ndb\.gz', which clamd would not load/);
        await refused(["https://sigs.example.net/own.cvd"], /names the file 'own\.cvd', which clamd would not load/);
        await refused(
            ["https://sigs.example.net/get?file=x.ndb"],
            /clamav\.customDatabaseUrls\.0 = "https:\/\/sigs\.example\.net\/get\?file=x\.ndb": has a query or fragment/,
        );
        await refused(["https://sigs.example.net/feeds/"], /ends in '', not a file name/);
        await refused(["https://sigs.example.net/daily.ndb"], /names the file 'daily\.ndb', which would sit beside \(or replace\) ClamAV's own daily database/);
        await refused(
            ["ftp://sigs.example.net/x.ndb"],
            /clamav\.customDatabaseUrls\.0 = "ftp:\/\/sigs\.example\.net\/x\.ndb": uses ftp:, which this setting cannot use/,
        );
        await refused(
            ["https://a.example.net/x.ndb", "https://b.example.net/other/x.ndb"],
            /clamav\.customDatabaseUrls\.1 = "https:\/\/b\.example\.net\/other\/x\.ndb": is saved as 'x\.ndb', like entry 0/,
        );
    });

    it("takes any case of an extension clamd loads, and a name with dots before it", async () => {
        const run = await runProgram(
            "stage",
            withUrls(["https://sigs.example.net/Sane.Junk.NDB", "https://sigs.example.net/local.ign2"], { "clamav.mirror.enabled": "false" }),
        );
        assert.deepEqual(lines(file(run, "clamav-config", "freshclam.conf"), "DatabaseCustomURL"), [
            "DatabaseCustomURL https://sigs.example.net/Sane.Junk.NDB",
            "DatabaseCustomURL https://sigs.example.net/local.ign2",
        ]);
    });

    it("an https feed fetched by clamd itself brings the trusted CA bundle to its init container, as the CDN does; an http one does not", async () => {
        const ca = { "scanning-platform:trustedCA": JSON.stringify({ configMap: "corp-ca" }) };
        const initEnv = async (urls: string[]) => {
            const run = await runProgram("stage", {
                config: ca,
                sets: {
                    "clamav.mirror.enabled": "false",
                    "clamav.privateMirror": "http://clamav-mirror.internal",
                    "clamav.customDatabaseUrls": JSON.stringify(urls),
                },
            });
            return object(run, K8S.deployment, "clamav").spec.template.spec.initContainers[0].env ?? [];
        };
        assert.ok((await initEnv(["https://sigs.example.net/feeds/urlhaus.ndb"])).some((e: any) => e.name === "CURL_CA_BUNDLE"));
        assert.ok(!(await initEnv(["http://sigs.example.net/feeds/urlhaus.ndb"])).some((e: any) => e.name === "CURL_CA_BUNDLE"));
    });
});
