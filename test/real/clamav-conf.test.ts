/**
 * The clamd.conf and freshclam.conf the program generates, read by ClamAV's own parser: Debian's
 * clamconf (clamav 1.4.x, the line of the clamav/clamav:1.4.3 image), which loads both files
 * with the option tables clamd and freshclam use and reports an unknown or malformed option as
 * "ERROR: Parse error". CI installs it (apt: clamav clamav-daemon clamav-freshclam); without it
 * the tests are skipped outside CI, and fail in CI.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLAMD_PORT, clamdConf, freshclamConf, mirrorUpdaterConf, renderClamavConf, type ClamavConf, type ClamdLimits } from "../../lib/clamav-conf";
import { parseConfig } from "../../config/load";
import { PROJECT } from "../../config/platform";
import { runProgram, stackConfig, unwrapSecrets, type MockRun } from "../../tools/mock-run";

/** clamd's limits as the prod stack's config gives them (the schema's defaults there). */
const prodLimits = (): ClamdLimits => parseConfig(stackConfig("prod")).clamav.limits;

function clamconfPath(): string | undefined {
    try {
        return execFileSync("bash", ["-c", "command -v clamconf"], { encoding: "utf8" }).trim() || undefined;
    } catch {
        return undefined;
    }
}

/** clamconf's report for a config directory holding the two files. */
function parseWithClamav(clamd: ClamavConf, freshclam: ClamavConf): { errors: string[]; values: Map<string, string> } {
    return parseFilesWithClamav(renderClamavConf(clamd), renderClamavConf(freshclam));
}

/** The same for the files' text (as the program's ConfigMaps hold them). */
function parseFilesWithClamav(clamdText: string, freshclamText: string): { errors: string[]; values: Map<string, string> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clamav-conf-"));
    fs.writeFileSync(path.join(dir, "clamd.conf"), clamdText);
    fs.writeFileSync(path.join(dir, "freshclam.conf"), freshclamText);
    // clamconf exits 0 either way; parse errors go to stderr.
    const run = spawnSync("clamconf", ["-c", dir], { encoding: "utf8" });
    const out = `${run.stdout}\n${run.stderr}`;
    fs.rmSync(dir, { recursive: true, force: true });
    const errors = out.split("\n").filter((l) => /^ERROR/.test(l));
    const values = new Map<string, string>();
    let section = "";
    for (const line of out.split("\n")) {
        const file = line.match(/^Config file: (\S+)/);
        if (file) section = file[1];
        const kv = line.match(/^(\w+) = "(.*)"$/);
        if (kv) values.set(`${section}:${kv[1]}`, kv[2]);
        const off = line.match(/^(\w+) disabled$/);
        if (off) values.set(`${section}:${off[1]}`, "disabled");
    }
    return { errors, values };
}

describe("ClamAV's own parser (clamconf 1.4.x) on the generated clamd.conf and freshclam.conf", function () {
    before(function () {
        if (clamconfPath()) return;
        if (process.env.CI) throw new Error("clamconf is not installed: CI must install the Debian packages clamav clamav-daemon clamav-freshclam");
        console.log("      skipped: clamconf not installed (apt-get install clamav clamav-daemon clamav-freshclam)");
        this.skip();
    });

    for (const mirror of [undefined, "https://clamav-mirror.internal.example:8443/db"]) {
        it(`accepts every option and reads back what we set (${mirror ? "private mirror" : "public CDN"})`, () => {
            const { errors, values } = parseWithClamav(clamdConf(prodLimits()), freshclamConf({ memoryLimit: "1Gi" }, mirror));
            assert.deepEqual(errors, []);
            assert.equal(values.get("clamd.conf:TCPSocket"), String(CLAMD_PORT));
            assert.equal(values.get("clamd.conf:TCPAddr"), "0.0.0.0");
            assert.equal(values.get("clamd.conf:DatabaseDirectory"), "/var/lib/clamav");
            assert.equal(values.get("clamd.conf:Foreground"), "yes");
            // No reload in place: the refresh replaces pods (clamd stalls 30-40 s while reloading).
            assert.equal(values.get("clamd.conf:ConcurrentDatabaseReload"), "disabled");
            assert.equal(values.get("freshclam.conf:DatabaseDirectory"), "/var/lib/clamav");
            if (mirror) {
                assert.equal(values.get("freshclam.conf:PrivateMirror"), mirror);
                assert.equal(values.get("freshclam.conf:ScriptedUpdates"), "disabled");
            } else {
                assert.equal(values.get("freshclam.conf:DatabaseMirror"), "database.clamav.net");
            }
        });
    }

    for (const upstream of [undefined, "https://clamav.corp.example/db"]) {
        it(`accepts the in-cluster mirror's updater config and reads back its checks and compression (${upstream ? "from an upstream mirror" : "from the CDN"})`, () => {
            const { errors, values } = parseWithClamav(clamdConf(prodLimits()), mirrorUpdaterConf(12, { memoryLimit: "1Gi" }, upstream));
            assert.deepEqual(errors, []);
            assert.equal(values.get("freshclam.conf:Checks"), "12");
            assert.equal(values.get("freshclam.conf:CompressLocalDatabase"), "yes");
            assert.equal(values.get("freshclam.conf:DatabaseDirectory"), "/var/lib/clamav");
            if (upstream) assert.equal(values.get("freshclam.conf:PrivateMirror"), upstream);
            else assert.equal(values.get("freshclam.conf:DatabaseMirror"), "database.clamav.net");
        });
    }

    it("accepts freshclam's proxy settings and reads them back (the egress proxy, config proxy.httpsProxy)", () => {
        const proxy = { server: "http://proxy.corp.example", port: 3128 };
        for (const conf of [freshclamConf({ memoryLimit: "1Gi" }, undefined, proxy), mirrorUpdaterConf(12, { memoryLimit: "1Gi" }, undefined, proxy)]) {
            const { errors, values } = parseWithClamav(clamdConf(prodLimits()), conf);
            assert.deepEqual(errors, []);
            assert.equal(values.get("freshclam.conf:HTTPProxyServer"), "http://proxy.corp.example");
            assert.equal(values.get("freshclam.conf:HTTPProxyPort"), "3128");
        }
    });

    it("reads the scan limits' defaults back as ClamAV 1.4 documents them (clamd.conf(5)), in bytes", () => {
        const { errors, values } = parseWithClamav(clamdConf(prodLimits()), freshclamConf({ memoryLimit: "1Gi" }));
        assert.deepEqual(errors, []);
        const MiB = 1024 * 1024;
        assert.deepEqual(
            ["StreamMaxLength", "MaxScanSize", "MaxFileSize", "MaxRecursion", "MaxFiles", "MaxThreads", "ReadTimeout", "CommandReadTimeout"].map((k) =>
                values.get(`clamd.conf:${k}`),
            ),
            [100 * MiB, 400 * MiB, 100 * MiB, 17, 10000, 10, 120, 30].map(String),
        );
    });

    it("reads every configured scan limit back with its value: sizes with k, K, m and M as clamd counts them, 1024-based", () => {
        const raw = { ...stackConfig("prod") };
        const limits = {
            streamMaxLength: "65536k",
            maxFileSize: "300m",
            maxScanSize: "1500M",
            maxRecursion: 12,
            maxFiles: 25000,
            maxThreads: 16,
            readTimeout: 300,
            commandReadTimeout: 10,
        };
        raw[`${PROJECT}:clamav`] = JSON.stringify({ ...JSON.parse(raw[`${PROJECT}:clamav`] ?? "{}"), limits });
        const { errors, values } = parseWithClamav(clamdConf(parseConfig(raw).clamav.limits), freshclamConf({ memoryLimit: "1Gi" }));
        assert.deepEqual(errors, []);
        const read = (k: string) => values.get(`clamd.conf:${k}`);
        assert.deepEqual(
            [
                read("StreamMaxLength"),
                read("MaxFileSize"),
                read("MaxScanSize"),
                read("MaxRecursion"),
                read("MaxFiles"),
                read("MaxThreads"),
                read("ReadTimeout"),
                read("CommandReadTimeout"),
            ],
            [String(65536 * 1024), String(300 * 1024 * 1024), String(1500 * 1024 * 1024), "12", "25000", "16", "300", "10"],
        );
    });

    it("reads TestDatabases as the freshclam container's memory decides: off at 1Gi (clamd's init containers, the mirror's updater), on at 4Gi", () => {
        for (const [memoryLimit, expected] of [
            ["1Gi", "disabled"],
            ["4Gi", "yes"],
        ] as const) {
            for (const conf of [
                freshclamConf({ memoryLimit }),
                freshclamConf({ memoryLimit }, "http://clamav-mirror:8080"),
                mirrorUpdaterConf(12, { memoryLimit }),
            ]) {
                const { errors, values } = parseWithClamav(clamdConf(prodLimits()), conf);
                assert.deepEqual(errors, []);
                assert.equal(values.get("freshclam.conf:TestDatabases"), expected, memoryLimit);
            }
        }
    });

    it("reads back every extra signature database from the rendered files: the feeds in the mirror's updater, the mirror's copies in clamd's, the feeds in clamd's without the mirror", async () => {
        const feeds = ["https://sigs.example.net/feeds/urlhaus.ndb", "http://sigs.example.net:8081/phish.wdb"];
        const configMapFile = (run: MockRun, name: string, file: string): string => {
            const found = run.resources.map((r) => unwrapSecrets(r.inputs)).filter((o) => o.kind === "ConfigMap" && o.metadata.name === name);
            assert.equal(found.length, 1, name);
            return found[0].data[file];
        };
        // clamconf lists a repeated option's values as "a", "b".
        const urls = (values: Map<string, string>) => (values.get("freshclam.conf:DatabaseCustomURL") ?? "").split('", "');
        const withMirror = await runProgram("stage", { sets: { "clamav.customDatabaseUrls": JSON.stringify(feeds) } });
        const clamdText = configMapFile(withMirror, "clamav-config", "clamd.conf");
        const updater = parseFilesWithClamav(clamdText, configMapFile(withMirror, "clamav-mirror-config", "freshclam.conf"));
        assert.deepEqual(updater.errors, []);
        assert.deepEqual(urls(updater.values), feeds);
        const clamd = parseFilesWithClamav(clamdText, configMapFile(withMirror, "clamav-config", "freshclam.conf"));
        assert.deepEqual(clamd.errors, []);
        assert.deepEqual(urls(clamd.values), ["http://clamav-mirror:8080/urlhaus.ndb", "http://clamav-mirror:8080/phish.wdb"]);
        const direct = await runProgram("stage", { sets: { "clamav.customDatabaseUrls": JSON.stringify(feeds), "clamav.mirror.enabled": "false" } });
        const alone = parseFilesWithClamav(configMapFile(direct, "clamav-config", "clamd.conf"), configMapFile(direct, "clamav-config", "freshclam.conf"));
        assert.deepEqual(alone.errors, []);
        assert.deepEqual(urls(alone.values), feeds);
    });

    it("refuses an option ClamAV does not know (the check can fail)", () => {
        const { errors } = parseWithClamav(
            { ...clamdConf(prodLimits()), MaxConcurentReloads: 2 },
            { ...freshclamConf({ memoryLimit: "1Gi" }), ScriptedUpdate: true },
        );
        assert.equal(errors.length, 2, errors.join("\n"));
        assert.match(errors.join("\n"), /Unknown option MaxConcurentReloads/);
        assert.match(errors.join("\n"), /Unknown option ScriptedUpdate/);
    });
});
