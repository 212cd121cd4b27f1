/** A throwaway certificate authority and a server certificate for 127.0.0.1 and localhost, made with OpenSSL. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface ThrowawayTls {
    caCert: string;
    serverCert: string;
    serverKey: string;
    /** The CA certificate's PEM. */
    caPem: string;
}

export function makeThrowawayTls(dir: string): ThrowawayTls {
    fs.mkdirSync(dir, { recursive: true });
    const f = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=sscan test database CA",
        "-keyout",
        f("ca.key"),
        "-out",
        f("ca.crt"),
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    );
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", f("server.key"), "-out", f("server.csr"));
    fs.writeFileSync(f("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    openssl(
        "x509",
        "-req",
        "-in",
        f("server.csr"),
        "-CA",
        f("ca.crt"),
        "-CAkey",
        f("ca.key"),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        f("server.ext"),
        "-out",
        f("server.crt"),
    );
    return { caCert: f("ca.crt"), serverCert: f("server.crt"), serverKey: f("server.key"), caPem: fs.readFileSync(f("ca.crt"), "utf8") };
}
