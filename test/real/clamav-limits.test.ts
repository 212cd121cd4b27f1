/**
 * clamd's scan limits (config clamav.limits) as clamd itself applies them: Debian's clamd (ClamAV
 * 1.4.x, the line of the clamav/clamav:1.4.3 image) started on the clamd.conf the program builds
 * from a stack config with small limits, on a one-signature test database. What each check
 * expects comes from ClamAV 1.4.3's source (clamd/server-th.c logs "Limits: ..." at start and
 * reports the thread pool in STATS; an INSTREAM past StreamMaxLength is answered "INSTREAM size
 * limit exceeded") or from the configured values, written here.
 *
 * It also shows why the schema refuses streamMaxLength above maxFileSize: clamd, given such a
 * file by hand, takes a stream larger than MaxFileSize and answers OK without scanning it.
 */
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../config/load";
import { PROJECT } from "../../config/platform";
import { clamdConf, renderClamavConf, type ClamavConf } from "../../lib/clamav-conf";
import { stackConfig } from "../../tools/mock-run";
import { freePort } from "../host-tools";
import { eicar, hashSignature } from "./apps/clamav-db";
import { clamdInstream, clamdSay, waitForPort } from "./apps/sockets";

const CLAMD = "/usr/sbin/clamd";
const SIGNATURE = "Sscan.Test.Padded";

/** The limits a stack gives, through the program's schema. */
const LIMITS = {
    streamMaxLength: "4K",
    maxFileSize: "8K",
    maxScanSize: "16K",
    maxRecursion: 5,
    maxFiles: 50,
    maxThreads: 3,
    readTimeout: 6,
    commandReadTimeout: 3,
};
function configuredLimits() {
    const raw = { ...stackConfig("prod") };
    raw[`${PROJECT}:clamav`] = JSON.stringify({ ...JSON.parse(raw[`${PROJECT}:clamav`] ?? "{}"), limits: LIMITS });
    return parseConfig(raw).clamav.limits;
}

/** EICAR padded with spaces to `size` bytes, and a hash signature for exactly that file. */
function padded(size: number): Buffer {
    const sample = eicar();
    return Buffer.concat([sample, Buffer.alloc(size - sample.length, 0x20)]);
}

class Clamd {
    private proc?: ChildProcess;
    private log = "";
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "sscan-clamd-limits-"));
    port = 0;

    /** clamd on `conf`, with only the paths and the port moved to this machine's. */
    async start(conf: ClamavConf, database: string): Promise<void> {
        this.port = await freePort();
        for (const d of ["db", "tmp"]) fs.mkdirSync(path.join(this.dir, d), { recursive: true });
        fs.writeFileSync(path.join(this.dir, "db", "test.hdb"), database);
        const file = path.join(this.dir, "clamd.conf");
        fs.writeFileSync(
            file,
            renderClamavConf({
                ...conf,
                DatabaseDirectory: path.join(this.dir, "db"),
                TCPSocket: this.port,
                TCPAddr: "127.0.0.1",
                LocalSocket: path.join(this.dir, "tmp", "clamd.sock"),
                PidFile: path.join(this.dir, "tmp", "clamd.pid"),
                TemporaryDirectory: path.join(this.dir, "tmp"),
            }),
        );
        this.proc = spawn(CLAMD, [`--config-file=${file}`], { stdio: ["ignore", "pipe", "pipe"] });
        this.proc.stdout!.on("data", (d) => (this.log += d));
        this.proc.stderr!.on("data", (d) => (this.log += d));
        await waitForPort(this.port, 60000, () => this.proc!.exitCode === null).catch((err) => {
            throw new Error(`${err.message}; clamd's output:\n${this.log}`);
        });
    }
    output(): string {
        return this.log;
    }
    async stop(): Promise<void> {
        if (this.proc && this.proc.exitCode === null) {
            const exited = new Promise((r) => this.proc!.once("exit", r));
            this.proc.kill("SIGTERM");
            await exited;
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Seconds until clamd closes a connection that sends `first` (if anything) and then nothing. */
function secondsUntilClosed(port: number, first?: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const started = Date.now();
        const socket = net.connect(port, "127.0.0.1", () => {
            if (first) socket.write(first);
        });
        socket.on("data", () => undefined);
        socket.on("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNRESET" ? undefined : reject(err)));
        socket.on("close", () => resolve((Date.now() - started) / 1000));
        setTimeout(() => socket.destroy(new Error("clamd kept the idle connection open for 60 s")), 60000);
    });
}

describe("clamd applies the scan limits of the clamd.conf the program builds (clamd 1.4.x)", function () {
    this.timeout(120000);

    before(function () {
        if (fs.existsSync(CLAMD)) return;
        if (process.env.CI) throw new Error(`${CLAMD} is not installed: CI must install Debian's clamav-daemon`);
        console.log(`      skipped: ${CLAMD} (apt-get install clamav-daemon)`);
        this.skip();
    });

    describe("with clamav.limits set to small values", () => {
        const clamd = new Clamd();
        const sample = padded(2048);
        before(async () => clamd.start(clamdConf(configuredLimits()), hashSignature(sample, SIGNATURE)));
        after(async () => clamd.stop());

        it("reports at start the sizes, recursion and file count it was given (MaxScanSize 16K, MaxFileSize 8K, MaxRecursion 5, MaxFiles 50)", () => {
            const log = clamd.output();
            assert.match(log, /Limits: Global size limit set to 16384 bytes\./, log);
            assert.match(log, /Limits: File size limit set to 8192 bytes\./, log);
            assert.match(log, /Limits: Recursion level limit set to 5\./, log);
            assert.match(log, /Limits: Files limit set to 50\./, log);
        });

        it("runs at most MaxThreads 3 scans at once (STATS: the pool's max)", async () => {
            assert.match(await clamdSay(clamd.port, "STATS"), /THREADS: live \d+\s+idle \d+ max 3 /);
        });

        it("ends a stream past StreamMaxLength 4K, and scans one of exactly 4K", async () => {
            assert.equal((await clamdInstream(clamd.port, 4096 + 1, 1024)).reply, "INSTREAM size limit exceeded. ERROR");
            assert.equal((await clamdInstream(clamd.port, 4096, 1024)).reply, "stream: OK");
            assert.match(await clamdSay(clamd.port, "INSTREAM", sample), new RegExp(`^stream: ${SIGNATURE.replace(/\./g, "\\.")}(\\.UNOFFICIAL)? FOUND$`));
        });

        it("drops a connection that sends no command after CommandReadTimeout 3 s", async () => {
            const seconds = await secondsUntilClosed(clamd.port);
            assert.ok(seconds >= 2.5 && seconds < 6, `closed after ${seconds} s`);
        });

        it("drops a stream that stalls after ReadTimeout 6 s", async () => {
            const seconds = await secondsUntilClosed(clamd.port, "zINSTREAM\0");
            assert.ok(seconds >= 5.5 && seconds < 12, `closed after ${seconds} s`);
        });
    });

    describe("why streamMaxLength may not pass maxFileSize (a clamd.conf the schema refuses, written by hand)", () => {
        // A 12K file carrying the signature: inside StreamMaxLength 16K, over MaxFileSize 8K.
        const sample = padded(12 * 1024);
        for (const [maxFileSize, expected] of [
            ["8K", /^stream: OK$/],
            ["16K", /^stream: Sscan\.Test\.Padded(\.UNOFFICIAL)? FOUND$/],
        ] as const) {
            it(`MaxFileSize ${maxFileSize}: clamd answers ${maxFileSize === "8K" ? "OK without scanning" : "FOUND"} for the 12K stream`, async () => {
                const clamd = new Clamd();
                try {
                    await clamd.start({ ...clamdConf(configuredLimits()), StreamMaxLength: "16K", MaxFileSize: maxFileSize }, hashSignature(sample, SIGNATURE));
                    assert.match(await clamdSay(clamd.port, "INSTREAM", sample), expected);
                } finally {
                    await clamd.stop();
                }
            });
        }
    });
});
