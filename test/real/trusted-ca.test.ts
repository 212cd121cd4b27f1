/**
 * The trusted CA bundle (config `trustedCA`) against real software on this machine: a throwaway
 * CA made with openssl signs the certificate of an https server (Debian's nginx serving the
 * program's own mirror config, switched to TLS), as a TLS-inspecting proxy's CA would.
 *
 * - freshclam (Debian's ClamAV 1.4, the same libfreshclam as the clamav/clamav image's) with a
 *   freshclam.conf the program generates (PrivateMirror https://127.0.0.1:<port>): without the
 *   program's CURL_CA_BUNDLE and mount it fails the TLS handshake; with them it gets past TLS and
 *   stops at the unsigned database (this machine cannot get a database ClamAV signed).
 * - Go's crypto/x509 (the Go on this machine, not Clair's binary): SSL_CERT_DIR as Clair's image
 *   sets it, with the program's mount of the bundle, makes the CA trusted and keeps the system
 *   roots; a file added after the process has loaded its roots is not seen until a new process
 *   starts (why Clair needs a restart after the bundle changes).
 *
 * The mounted ConfigMap is laid out as the kubelet writes it (AtomicWriter: the files in a
 * timestamped directory, `..data` linking to it, each item a link through `..data`), so the test
 * also covers readers that skip or follow symlinks. CI installs openssl, nginx-light,
 * clamav-freshclam and Go; elsewhere a missing binary skips its part with the reason.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CA_DIR } from "../../components/clair/pod";
import { CLAIR_TRUSTED_CA_FILE, freshclamTrustedCa, trustedCaProjection } from "../../components/shared/trusted-ca";
import { freshclamConf, renderClamavConf } from "../../lib/clamav-conf";
import { mirrorNginxConf, renderNginxConf, type NginxDirective } from "../../lib/nginx-conf";
import { freePort, has } from "../host-tools";

/** The Clair image's SSL_CERT_DIR (quay/clair Dockerfile at v4.8.0, the image the program pins). */
const CLAIR_IMAGE_SSL_CERT_DIR = "/etc/ssl/certs:/etc/pki/tls/certs:/var/run/certs";
const BUNDLE = { configMapName: "trusted-ca-bundle", key: "ca-bundle.crt" };

function requireTools(ctx: Mocha.Context, tools: string[], packages: string) {
    const missing = tools.filter((c) => !has(c));
    if (!missing.length) return;
    if (process.env.CI) throw new Error(`${missing.join(", ")} not installed: CI must install ${packages}`);
    console.log(`      skipped: ${missing.join(", ")} not installed (${packages})`);
    ctx.skip();
}

function openssl(args: string[], cwd: string) {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
    assert.equal(r.status, 0, `openssl ${args.join(" ")}:\n${r.stderr}`);
}

/**
 * A ConfigMap volume as the kubelet writes it into `dir`: `files` in a timestamped directory,
 * `..data` pointing to it, and each file a symlink through `..data`.
 */
function kubeletConfigMapVolume(dir: string, files: Record<string, string>) {
    fs.mkdirSync(dir, { recursive: true });
    const stamp = "..2026_11_23_18_00_00.000000001";
    fs.mkdirSync(path.join(dir, stamp));
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, stamp, name), content);
    fs.symlinkSync(stamp, path.join(dir, "..data"));
    for (const name of Object.keys(files)) fs.symlinkSync(path.join("..data", name), path.join(dir, name));
}

/** The items of a configMap volume or projection: key -> file name in the mounted directory. */
function itemPaths(source: { configMap?: any }): Record<string, string> {
    return Object.fromEntries((source.configMap.items as { key: string; path: string }[]).map((i) => [i.key, i.path]));
}

describe("trusted CA bundle against real software (openssl, Debian nginx, freshclam, Go)", function () {
    this.timeout(120_000);
    let work: string;
    let port: number;
    let caPem: string;
    let nginx: ChildProcess | undefined;
    let accessLog: string;

    before(async function () {
        requireTools(this, ["openssl", "nginx"], "the Debian packages openssl and nginx-light");
        work = fs.mkdtempSync(path.join(os.tmpdir(), "trusted-ca-"));
        fs.chmodSync(work, 0o755);
        // A throwaway CA (what a TLS-inspecting proxy re-signs with) and a server certificate for 127.0.0.1.
        openssl(
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "1",
                "-subj",
                "/CN=Throwaway inspection CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
            work,
        );
        openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], work);
        fs.writeFileSync(path.join(work, "server.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        openssl(
            [
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "1",
                "-extfile",
                "server.ext",
            ],
            work,
        );
        caPem = fs.readFileSync(path.join(work, "ca.pem"), "utf8");

        // The program's mirror nginx config, listening with TLS: a private https mirror.
        const root = path.join(work, "db");
        fs.mkdirSync(root, { mode: 0o755 });
        fs.mkdirSync(path.join(work, "tmp"));
        accessLog = path.join(work, "tmp", "access.log");
        // A CVD header (sigtool's layout, 512 bytes) and a body: real enough to be offered, not signed by ClamAV.
        const header = "ClamAV-VDB:14 Nov 2026 08-24 +0000:27820:2076145:90:0123456789abcdef0123456789abcdef:signature:builder:1763108640";
        fs.writeFileSync(path.join(root, "daily.cvd"), Buffer.concat([Buffer.from(header.padEnd(512, " ")), Buffer.alloc(4096, 7)]), { mode: 0o644 });
        port = await freePort();
        const withTls = (directives: NginxDirective[]): NginxDirective[] =>
            directives.map((d) => {
                if (d.name === "listen") return { name: "listen", args: [`127.0.0.1:${port}`, "ssl"] };
                if (d.name !== "server") return d.block ? { ...d, block: withTls(d.block) } : d;
                return {
                    ...d,
                    block: [
                        ...withTls(d.block!),
                        { name: "ssl_certificate", args: [path.join(work, "server.pem")] },
                        { name: "ssl_certificate_key", args: [path.join(work, "server.key")] },
                    ],
                };
            });
        const conf = path.join(work, "nginx.conf");
        fs.writeFileSync(conf, renderNginxConf(withTls(mirrorNginxConf({ port, root, tempDir: path.join(work, "tmp"), accessLog }))));
        const check = spawnSync("nginx", ["-t", "-c", conf], { encoding: "utf8" });
        assert.equal(check.status, 0, `nginx -t:\n${check.stderr}`);
        nginx = spawn("nginx", ["-c", conf, "-g", "daemon off;"], { stdio: "ignore" });
        for (let i = 0; i < 50; i++) {
            const probe = spawnSync("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-CAfile", path.join(work, "ca.pem"), "-verify_return_error"], {
                input: "",
                encoding: "utf8",
                timeout: 5000,
            });
            if (probe.status === 0) return;
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error("nginx did not start serving TLS");
    });

    after(() => {
        nginx?.kill("SIGTERM");
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    const requestsLogged = () => (fs.existsSync(accessLog) ? fs.readFileSync(accessLog, "utf8").trim().split("\n").filter(Boolean) : []);

    describe("freshclam (ClamAV 1.4) with the program's CURL_CA_BUNDLE and mount", () => {
        let conf: string;
        let mountedAt: string;
        let caBundleEnv: string;

        before(function () {
            requireTools(this, ["freshclam"], "the Debian package clamav-freshclam");
            // The generated freshclam.conf for an external https mirror; only what a test machine needs changes:
            // the database directory, its owner (freshclam drops to DatabaseOwner), and one attempt instead of retries.
            const db = path.join(work, "freshclam-db");
            fs.mkdirSync(db);
            conf = path.join(work, "freshclam.conf");
            fs.writeFileSync(
                conf,
                renderClamavConf({
                    ...freshclamConf({ memoryLimit: "1Gi" }, `https://127.0.0.1:${port}`),
                    DatabaseDirectory: db,
                    DatabaseOwner: os.userInfo().username,
                    MaxAttempts: 1,
                }),
            );
            // The program's volume, mount and variable, with the mount's directory materialized here.
            const ca = freshclamTrustedCa(BUNDLE);
            mountedAt = path.join(work, "freshclam-mount");
            kubeletConfigMapVolume(mountedAt, { [itemPaths(ca.volume.source!)[BUNDLE.key]]: caPem });
            const value = ca.env.find((e) => e.name === "CURL_CA_BUNDLE")!.value as string;
            assert.ok(value.startsWith(`${ca.mount.mountPath}/`), `CURL_CA_BUNDLE ${value} is outside the mount ${ca.mount.mountPath}`);
            caBundleEnv = path.join(mountedAt, value.slice(ca.mount.mountPath.length + 1));
        });

        function freshclam(env: Record<string, string>): { output: string; requests: string[] } {
            const before = requestsLogged().length;
            const run = spawnSync("freshclam", [`--config-file=${conf}`, "--stdout"], {
                encoding: "utf8",
                timeout: 60_000,
                env: { PATH: process.env.PATH!, ...env },
            });
            return { output: `${run.stdout}${run.stderr}`, requests: requestsLogged().slice(before) };
        }

        it("without it: the TLS handshake fails on the certificate, and no request reaches the server", () => {
            const { output, requests } = freshclam({});
            assert.match(output, /Download failed \(60\)[\s\S]*SSL peer certificate or SSH remote key was not OK/, output);
            assert.deepEqual(requests, []);
        });

        it("with it: past TLS to the mirror's files, stopped by the unsigned database", () => {
            const { output, requests } = freshclam({ CURL_CA_BUNDLE: caBundleEnv });
            assert.doesNotMatch(output, /SSL peer certificate|Download failed \(60\)/, output);
            assert.match(output, /daily database available for download \(remote version: 27820\)/, output);
            assert.match(output, /Can't verify database integrity/, output);
            assert.ok(
                requests.some((l) => /"GET \/daily\.cvd HTTP\/1\.1" 20[06] /.test(l)),
                requests.join("\n"),
            );
        });
    });

    describe("Go's crypto/x509 with the Clair image's SSL_CERT_DIR (Go's behaviour, not Clair's binary)", () => {
        let probe: string;

        before(function () {
            requireTools(this, ["go"], "Go");
            // A client that GETs the URL, optionally adds a file to a certificate directory and GETs
            // again in the same process, and reports whether the system roots hold a public root.
            const dir = path.join(work, "goprobe");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "go.mod"), "module probe\n\ngo 1.21\n");
            fs.writeFileSync(path.join(dir, "main.go"), GO_PROBE);
            probe = path.join(dir, "probe");
            const build = spawnSync("go", ["build", "-o", probe, "."], {
                cwd: dir,
                encoding: "utf8",
                env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
            });
            assert.equal(build.status, 0, `go build:\n${build.stderr}`);
        });

        function run(sslCertDir: string, addLater?: { file: string; content: string }): { first: string; second: string; publicRoot: string } {
            const args = [`https://127.0.0.1:${port}/daily.cvd`, ...(addLater ? [addLater.file, addLater.content] : [])];
            const r = spawnSync(probe, args, { encoding: "utf8", env: { PATH: process.env.PATH!, SSL_CERT_DIR: sslCertDir } });
            assert.equal(r.status, 0, r.stderr);
            return JSON.parse(r.stdout);
        }

        /** The image's SSL_CERT_DIR with the program's mount directory at `local` instead. */
        function imageCertDir(local: string): string {
            const dirs = CLAIR_IMAGE_SSL_CERT_DIR.split(":");
            assert.ok(
                dirs.includes(CA_DIR),
                `the program mounts the bundle at ${CA_DIR}, which the image's SSL_CERT_DIR (${CLAIR_IMAGE_SSL_CERT_DIR}) does not list`,
            );
            return dirs.map((d) => (d === CA_DIR ? local : d)).join(":");
        }

        it("without the bundle: unknown authority", () => {
            const empty = path.join(work, "go-empty");
            fs.mkdirSync(empty);
            assert.match(run(imageCertDir(empty)).first, /certificate signed by unknown authority/);
        });

        it("with the program's projection in the image's certificate directory: trusted, and the system roots still are", () => {
            const mounted = path.join(work, "go-mount");
            const file = itemPaths(trustedCaProjection(BUNDLE, CLAIR_TRUSTED_CA_FILE))[BUNDLE.key];
            kubeletConfigMapVolume(mounted, {
                [file]: caPem,
                "database-ca.pem": "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n",
            });
            const result = run(imageCertDir(mounted));
            assert.equal(result.first, "200");
            // Additive: a root from the system bundle still verifies (/etc/ssl/certs/ca-certificates.crt, Debian's ca-certificates).
            assert.equal(result.publicRoot, "trusted");
        });

        it("a bundle that appears after the first TLS use is not trusted until the process restarts", () => {
            const later = path.join(work, "go-later");
            fs.mkdirSync(later);
            const result = run(imageCertDir(later), { file: path.join(later, CLAIR_TRUSTED_CA_FILE), content: caPem });
            assert.match(result.first, /unknown authority/);
            assert.match(result.second, /unknown authority/, "Go reloaded its roots in the same process");
            // A new process reads it.
            assert.equal(run(imageCertDir(later)).first, "200");
        });
    });
});

const GO_PROBE = `package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
)

func get(url string) string {
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get(url)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return fmt.Sprint(resp.StatusCode)
}

// publicRoot: whether the first root of Debian's system bundle verifies against the system pool.
func publicRoot() string {
	data, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		return "no system bundle: " + err.Error()
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return "no certificate in the system bundle"
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err.Error()
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return err.Error()
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool}); err != nil {
		return err.Error()
	}
	return "trusted"
}

func main() {
	out := map[string]string{"first": get(os.Args[1]), "publicRoot": publicRoot()}
	if len(os.Args) > 3 {
		if err := os.WriteFile(os.Args[2], []byte(os.Args[3]), 0o644); err != nil {
			panic(err)
		}
		out["second"] = get(os.Args[1])
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
`;
