/**
 * The in-cluster mirror's parts run against real software on this machine: the nginx.conf the
 * program generates, checked (`nginx -t`) and served by Debian's nginx; the refresh job's
 * version script run by busybox's sh and wget (the clamav/clamav image is Alpine: busybox) against
 * that server. CI installs nginx-light and busybox; elsewhere the tests are skipped without them.
 *
 * Not covered here: real freshclam against the mirror. freshclam refuses a database that ClamAV
 * did not sign, and this machine cannot reach the CDN for a signed one.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { SIGNATURE_VERSIONS_SCRIPT, SIGNATURES_ANNOTATION, signaturesPatchTemplate } from "../../components/clamav/refresh";
import { mirrorNginxConf, renderNginxConf } from "../../lib/nginx-conf";
import { freePort, has } from "../host-tools";

/** A CVD header as ClamAV's sigtool writes it: colon-separated fields padded with spaces to 512 bytes. */
function cvdHeader(version: number): Buffer {
    const text = `ClamAV-VDB:14 Nov 2026 08-24 +0000:${version}:2076145:90:0123456789abcdef0123456789abcdef:signature:builder:1763108640`;
    return Buffer.concat([Buffer.from(text.padEnd(512, " ")), Buffer.alloc(4096, 7)]);
}

function request(
    port: number,
    urlPath: string,
    options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: urlPath, method: options.method ?? "GET", headers: options.headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("ClamAV mirror against real software (Debian nginx, busybox sh and wget)", function () {
    this.timeout(30000);
    let work: string;
    let root: string;
    let port: number;
    let nginx: ChildProcess | undefined;

    before(async function () {
        const missing = ["nginx", "busybox"].filter((c) => !has(c));
        if (missing.length) {
            if (process.env.CI) throw new Error(`${missing.join(", ")} not installed: CI must install the Debian packages nginx-light and busybox`);
            console.log(`      skipped: ${missing.join(", ")} not installed (apt-get install nginx-light busybox)`);
            this.skip();
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "clamav-mirror-"));
        root = path.join(work, "db");
        fs.mkdirSync(root);
        fs.mkdirSync(path.join(work, "tmp"));
        // nginx started as root serves through workers running as nobody: let them read.
        fs.chmodSync(work, 0o755);
        fs.chmodSync(root, 0o755);
        port = await freePort();
        const conf = path.join(work, "nginx.conf");
        fs.writeFileSync(
            conf,
            renderNginxConf(mirrorNginxConf({ port, root, tempDir: path.join(work, "tmp"), accessLog: path.join(work, "tmp", "access.log") })),
        );
        const check = spawnSync("nginx", ["-t", "-c", conf], { encoding: "utf8" });
        assert.equal(check.status, 0, `nginx -t refused the generated config:\n${check.stderr}`);
        nginx = spawn("nginx", ["-c", conf, "-g", "daemon off;"], { stdio: "ignore" });
        for (let i = 0; i < 50; i++) {
            try {
                if ((await request(port, "/healthz")).status === 200) return;
            } catch {
                /* not listening yet */
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error("nginx did not start");
    });

    after(() => {
        nginx?.kill("SIGTERM");
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    beforeEach(() => {
        for (const f of fs.readdirSync(root)) fs.rmSync(path.join(root, f));
    });

    function put(file: string, content: Buffer | string) {
        fs.writeFileSync(path.join(root, file), content, { mode: 0o644 });
    }

    it("answers a Range request for a CVD header with 206 and exactly the 512 bytes", async () => {
        put("daily.cld", cvdHeader(27820));
        const res = await request(port, "/daily.cld", { headers: { Range: "bytes=0-511" } });
        assert.equal(res.status, 206);
        assert.equal(res.body.length, 512);
        assert.equal(res.headers["content-range"], `bytes 0-511/${512 + 4096}`);
        assert.match(res.body.toString(), /^ClamAV-VDB:[^:]*:27820:/);
    });

    it("serves .cvd, .cld, .cdiff and .sign files whole, and nothing else", async () => {
        for (const f of ["main.cvd", "daily.cld", "daily-27820.cdiff", "bytecode.cvd.sign"]) put(f, "x");
        put("freshclam.dat", "cool-down state");
        put("mirrors.dat", "state");
        for (const f of ["main.cvd", "daily.cld", "daily-27820.cdiff"]) assert.equal((await request(port, `/${f}`)).status, 200, f);
        // bytecode.cvd.sign does not match "<db>.sign": ClamAV's .sign files are named <db>-<version>.cvd.sign.
        for (const f of ["freshclam.dat", "mirrors.dat", ""]) assert.equal((await request(port, `/${f}`)).status, 404, f);
        assert.equal((await request(port, "/../etc/passwd")).status, 400);
        assert.equal((await request(port, "/main.cvd", { method: "HEAD" })).status, 200);
        assert.equal((await request(port, "/main.cvd", { method: "PUT" })).status, 403);
        assert.equal((await request(port, "/main.cvd", { method: "DELETE" })).status, 403);
    });

    /** Runs the refresh job's script as the image would: busybox sh, busybox wget/head/cut/sed. */
    function versionsScript(): { status: number; stderr: string; patch?: unknown } {
        const bin = path.join(work, "bin");
        fs.mkdirSync(bin, { recursive: true });
        for (const applet of ["sh", "wget", "head", "cut", "sed", "rm", "printf", "echo"]) {
            const link = path.join(bin, applet);
            if (!fs.existsSync(link)) fs.symlinkSync(spawnSync("bash", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim(), link);
        }
        const patchFile = path.join(work, "patch.json");
        fs.rmSync(patchFile, { force: true });
        const run = spawnSync(path.join(bin, "sh"), ["-c", SIGNATURE_VERSIONS_SCRIPT], {
            encoding: "utf8",
            env: { PATH: bin, MIRROR_URL: `http://127.0.0.1:${port}`, PATCH_TEMPLATE: signaturesPatchTemplate(), PATCH_FILE: patchFile },
        });
        return { status: run.status ?? -1, stderr: run.stderr, patch: fs.existsSync(patchFile) ? JSON.parse(fs.readFileSync(patchFile, "utf8")) : undefined };
    }

    it("the refresh script reads the mirror's versions from the headers (.cld preferred, .cvd otherwise) into the pod-template patch", () => {
        put("main.cvd", cvdHeader(62));
        put("daily.cld", cvdHeader(27820));
        put("daily.cvd", cvdHeader(27000)); // an older full file beside the patched .cld
        put("bytecode.cvd", cvdHeader(339));
        const run = versionsScript();
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.patch, { spec: { template: { metadata: { annotations: { [SIGNATURES_ANNOTATION]: "main-62.daily-27820.bytecode-339" } } } } });
    });

    it("the same versions give the same patch (so kubectl's patch changes nothing and nothing rolls); a newer daily changes it", () => {
        put("main.cvd", cvdHeader(62));
        put("daily.cld", cvdHeader(27820));
        put("bytecode.cvd", cvdHeader(339));
        const first = versionsScript().patch;
        assert.deepEqual(versionsScript().patch, first);
        put("daily.cld", cvdHeader(27821));
        assert.notDeepEqual(versionsScript().patch, first);
    });

    it("the refresh script reads a few bytes of each database, not the files (bytes sent, from nginx's access log)", async function () {
        // Files the size of the real ones (main about 160 MiB, daily about 60 MiB), sparse past the header.
        const sizes: Record<string, number> = { "main.cvd": 160 * 2 ** 20, "daily.cld": 60 * 2 ** 20, "bytecode.cvd": 300 * 2 ** 10 };
        for (const [file, size] of Object.entries(sizes)) {
            put(file, cvdHeader(1).subarray(0, 512));
            fs.truncateSync(path.join(root, file), size);
        }
        const log = path.join(work, "tmp", "access.log");
        const before = fs.existsSync(log) ? fs.readFileSync(log, "utf8").length : 0;
        const run = versionsScript();
        assert.equal(run.status, 0, run.stderr);
        await new Promise((r) => setTimeout(r, 300));
        const lines = fs.readFileSync(log, "utf8").slice(before).trim().split("\n");
        const found = lines.filter((l) => /" 200 /.test(l));
        const sent = lines.map((l) => Number(l.match(/" \d{3} (\d+) "/)![1]));
        const total = sent.reduce((a, b) => a + b, 0);
        console.log(
            `      refresh read ${found.length} files (${lines.length} requests): ${sent.join(" + ")} = ${total} bytes sent of ${Object.values(sizes).reduce((a, b) => a + b, 0)}`,
        );
        // main.cld and bytecode.cld are not there: each costs one 404 before the .cvd.
        assert.deepEqual(
            lines.map((l) => l.match(/"GET (\S+) /)![1]),
            ["/main.cld", "/main.cvd", "/daily.cld", "/bytecode.cld", "/bytecode.cvd"],
        );
        // What the kernel's socket buffers hold before wget sees the closed pipe, far below the files.
        assert.ok(total < 0.1 * (sizes["main.cvd"] + sizes["daily.cld"]), `${total} bytes: the script downloaded the databases`);
    });

    it("an empty mirror fails the job and writes no patch: the running pods keep serving", () => {
        const run = versionsScript();
        assert.equal(run.status, 1);
        assert.equal(run.patch, undefined);
        assert.match(run.stderr, /no main database on http:\/\/127\.0\.0\.1:\d+ \(empty or unreachable\): nothing restarted/);
    });

    it("a mirror missing one database, or with a damaged header, fails the same way", () => {
        put("main.cvd", cvdHeader(62));
        put("daily.cld", cvdHeader(27820));
        let run = versionsScript();
        assert.equal(run.status, 1);
        assert.match(run.stderr, /no bytecode database/);
        put("bytecode.cvd", "<html>not a database</html>");
        run = versionsScript();
        assert.equal(run.status, 1);
        assert.equal(run.patch, undefined);
    });
});
