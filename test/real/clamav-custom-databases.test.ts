/**
 * An extra signature database (clamav.customDatabaseUrls) through the in-cluster mirror, with
 * real software: Debian's freshclam (ClamAV 1.4) runs the mirror updater's freshclam.conf the
 * program renders and fetches the feed from an upstream served here; Debian's nginx runs the
 * mirror's rendered nginx.conf over that directory; freshclam then runs clamd's rendered
 * freshclam.conf against nginx and gets the same file; clamscan loads it and finds its signature.
 *
 * Only what a test machine needs changes in the rendered files: the database directory, its
 * owner (freshclam drops to DatabaseOwner), one attempt instead of retries, nginx's port and
 * paths, and clamd's mirror address (http://clamav-mirror:8080 -> nginx here). ClamAV's official
 * databases cannot be had here (freshclam refuses unsigned ones and there is no CDN access): both
 * directories and the upstream hold the same CVD headers, so freshclam finds main, daily and
 * bytecode up to date and goes on to the custom database.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { freshclamScript } from "../../components/clamav";
import { runProgram, unwrapSecrets, type MockRun } from "../../tools/mock-run";
import { freePort, has } from "../host-tools";

/** A CVD header as sigtool writes it, padded to 512 bytes, and a body. */
function cvdHeader(version: number): Buffer {
    const text = `ClamAV-VDB:14 Nov 2026 08-24 +0000:${version}:2076145:90:0123456789abcdef0123456789abcdef:signature:builder:1763108640`;
    return Buffer.concat([Buffer.from(text.padEnd(512, " ")), Buffer.alloc(4096, 7)]);
}
const OFFICIAL: Record<string, Buffer> = { "main.cvd": cvdHeader(62), "daily.cvd": cvdHeader(27820), "bytecode.cvd": cvdHeader(339) };
/** An extended signature (.ndb: name:target:offset:hex) for the bytes of SAMPLE. */
const SAMPLE = "sscan custom signature sample 7f3a";
const FEED = `Sscan.Test.CustomFeed-1:0:*:${Buffer.from(SAMPLE).toString("hex")}\n`;

function configMapFile(run: MockRun, name: string, file: string): string {
    const found = run.resources.map((r) => unwrapSecrets(r.inputs)).filter((o) => o.kind === "ConfigMap" && o.metadata.name === name);
    assert.equal(found.length, 1, name);
    return found[0].data[file];
}

/** The rendered freshclam.conf with this machine's directory, owner and a single attempt. */
function localFreshclamConf(text: string, db: string): string {
    assert.match(text, /^DatabaseDirectory \/var\/lib\/clamav$/m);
    return `${text.replace(/^DatabaseDirectory .*$/m, `DatabaseDirectory ${db}`)}DatabaseOwner ${os.userInfo().username}\nMaxAttempts 1\n`;
}

describe("an extra signature database through the in-cluster mirror (Debian freshclam, nginx and clamscan)", function () {
    this.timeout(120_000);
    let work: string;
    let upstream: http.Server | undefined;
    let nginx: ChildProcess | undefined;
    const upstreamRequests: string[] = [];

    before(function () {
        const missing = ["freshclam", "nginx", "clamscan"].filter((c) => !has(c));
        if (missing.length) {
            if (process.env.CI)
                throw new Error(`${missing.join(", ")} not installed: CI must install the Debian packages clamav, clamav-freshclam and nginx-light`);
            console.log(`      skipped: ${missing.join(", ")} not installed`);
            this.skip();
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "clamav-custom-"));
        // nginx's workers run as nobody: let them read.
        fs.chmodSync(work, 0o755);
    });

    after(() => {
        nginx?.kill("SIGTERM");
        upstream?.close();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    // Asynchronous: the upstream answers from this process while freshclam runs.
    const freshclam = (conf: string): Promise<{ status: number | null; output: string }> =>
        new Promise((resolve, reject) => {
            const child = spawn("freshclam", [`--config-file=${conf}`, "--stdout"], { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
            let output = "";
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
            child.on("error", reject);
            child.on("close", (status) => resolve({ status, output }));
        });

    it("reaches clamd's directory as the feed published it, and clamd's engine loads it and finds its signature", async () => {
        // The upstream: the official databases' headers (for PrivateMirror) and the feed.
        const upstreamPort = await freePort();
        upstream = http.createServer((req, res) => {
            upstreamRequests.push(`${req.method} ${req.url}`);
            const name = req.url!.slice(1);
            const body = req.url === "/feeds/urlhaus.ndb" ? Buffer.from(FEED) : OFFICIAL[name];
            if (!body) return res.writeHead(404).end();
            res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body);
        });
        await new Promise<void>((resolve) => upstream!.listen(upstreamPort, "127.0.0.1", resolve));
        const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
        const run = await runProgram("stage", {
            sets: { "clamav.privateMirror": upstreamUrl, "clamav.customDatabaseUrls": JSON.stringify([`${upstreamUrl}/feeds/urlhaus.ndb`]) },
        });

        // 1. The mirror's updater with its rendered freshclam.conf.
        const mirrorDb = path.join(work, "mirror-db");
        fs.mkdirSync(mirrorDb, { mode: 0o755 });
        for (const [file, body] of Object.entries(OFFICIAL)) fs.writeFileSync(path.join(mirrorDb, file), body);
        const mirrorConf = path.join(work, "mirror-freshclam.conf");
        fs.writeFileSync(mirrorConf, localFreshclamConf(configMapFile(run, "clamav-mirror-config", "freshclam.conf"), mirrorDb));
        const updated = await freshclam(mirrorConf);
        assert.equal(updated.status, 0, updated.output);
        assert.match(updated.output, /urlhaus\.ndb updated \(version: custom database, sigs: 1\)/, updated.output);
        assert.ok(upstreamRequests.includes("GET /feeds/urlhaus.ndb"), upstreamRequests.join(", "));
        fs.chmodSync(path.join(mirrorDb, "urlhaus.ndb"), 0o644);

        // 2. The mirror's rendered nginx.conf over that directory.
        const nginxPort = await freePort();
        const tmp = path.join(work, "nginx-tmp");
        fs.mkdirSync(tmp);
        const nginxConf = path.join(work, "nginx.conf");
        const rendered = configMapFile(run, "clamav-mirror-config", "nginx.conf");
        // The container's /tmp first: this machine's directories are under /tmp too.
        assert.match(rendered, /listen 8080;/);
        fs.writeFileSync(
            nginxConf,
            rendered
                .replace("listen 8080;", `listen ${nginxPort};`)
                .replaceAll("/tmp/", `${tmp}/`)
                .replaceAll("/dev/stdout", `${tmp}/access.log`)
                .replaceAll("/var/lib/clamav", mirrorDb),
        );
        const check = spawnSync("nginx", ["-t", "-c", nginxConf], { encoding: "utf8" });
        assert.equal(check.status, 0, check.stderr);
        nginx = spawn("nginx", ["-c", nginxConf, "-g", "daemon off;"], { stdio: "ignore" });
        for (let i = 0; i < 50 && spawnSync("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${nginxPort}`]).status !== 0; i++)
            await new Promise((r) => setTimeout(r, 100));

        // 3. clamd's init container with its rendered freshclam.conf, the mirror's address pointed here.
        const clamdDb = path.join(work, "clamd-db");
        fs.mkdirSync(clamdDb, { mode: 0o755 });
        for (const [file, body] of Object.entries(OFFICIAL)) fs.writeFileSync(path.join(clamdDb, file), body);
        const clamdText = configMapFile(run, "clamav-config", "freshclam.conf");
        assert.match(clamdText, /^DatabaseCustomURL http:\/\/clamav-mirror:8080\/urlhaus\.ndb$/m);
        const clamdConf = path.join(work, "clamd-freshclam.conf");
        fs.writeFileSync(clamdConf, localFreshclamConf(clamdText.replaceAll("http://clamav-mirror:8080", `http://127.0.0.1:${nginxPort}`), clamdDb));
        const fetched = await freshclam(clamdConf);
        assert.equal(fetched.status, 0, fetched.output);
        assert.equal(fs.readFileSync(path.join(clamdDb, "urlhaus.ndb"), "utf8"), FEED);
        // clamd's fetch went to the mirror, not upstream.
        assert.equal(upstreamRequests.filter((r) => r === "GET /feeds/urlhaus.ndb").length, 1);

        // 4. ClamAV's engine loads the file clamd would find and detects the sample.
        const sample = path.join(work, "sample.txt");
        fs.writeFileSync(sample, `prefix ${SAMPLE} suffix\n`);
        const scan = spawnSync("clamscan", ["--no-summary", "-d", path.join(clamdDb, "urlhaus.ndb"), sample], { encoding: "utf8" });
        assert.equal(scan.status, 1, scan.stdout + scan.stderr);
        assert.match(scan.stdout, /sample\.txt: Sscan\.Test\.CustomFeed-1\.UNOFFICIAL FOUND/);
    });

    it("a feed the mirror does not serve fails clamd's init script with freshclam's exit 11, so the new pod does not start", async () => {
        const conf = path.join(work, "clamd-freshclam.conf");
        fs.writeFileSync(conf, fs.readFileSync(conf, "utf8").replace(/urlhaus\.ndb$/m, "missing.ndb"));
        // The init container's own script around freshclam, under sh.
        const init = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
            const child = spawn("sh", ["-c", freshclamScript(["freshclam", `--config-file=${conf}`, "--stdout"])], {
                stdio: ["ignore", "pipe", "pipe"],
                timeout: 60_000,
            });
            let output = "";
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
            child.on("error", reject);
            child.on("close", (status) => resolve({ status, output }));
        });
        assert.equal(init.status, 11, init.output);
        assert.match(init.output, /Update failed for custom database URL: http:\/\/127\.0\.0\.1:\d+\/missing\.ndb/);
        assert.match(init.output, /freshclam failed with exit code 11/);
    });
});
