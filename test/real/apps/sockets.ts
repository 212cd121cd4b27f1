/**
 * Talking to the sandboxed servers over loopback: waiting for a port, clamd's own protocol
 * (z-prefixed, NUL-terminated commands; INSTREAM as length-prefixed chunks ending with a zero
 * length, as clamd's documentation describes it).
 */
import * as net from "net";

/** Resolves once something accepts connections on 127.0.0.1:`port`; rejects when `alive()` turns false or the time is up. */
export function waitForPort(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
        const attempt = () => {
            const socket = net.connect(port, "127.0.0.1");
            socket.once("connect", () => {
                socket.destroy();
                resolve();
            });
            socket.once("error", () => {
                socket.destroy();
                if (!alive()) return reject(new Error(`the process meant to listen on ${port} has ended`));
                if (Date.now() > deadline) return reject(new Error(`nothing listens on ${port} after ${timeoutMs} ms`));
                setTimeout(attempt, 200);
            });
        };
        attempt();
    });
}

/** One clamd command over TCP (the z-prefixed, NUL-terminated form), with an INSTREAM body in one chunk when given. */
export function clamdSay(port: number, command: string, stream?: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1", () => {
            socket.write(`z${command}\0`);
            if (stream) {
                const size = Buffer.alloc(4);
                size.writeUInt32BE(stream.length);
                socket.write(Buffer.concat([size, stream, Buffer.alloc(4)]));
            }
        });
        let reply = "";
        socket.on("data", (d) => (reply += d));
        socket.on("end", () => resolve(reply.replace(/\0$/, "")));
        socket.on("error", reject);
    });
}

/**
 * INSTREAM of `total` bytes of `fill`, sent as clamd clients send a file: chunks of `chunkSize`,
 * then the zero-length chunk. Stops sending once clamd has answered (it answers early and closes
 * when it refuses the stream); resolves with clamd's reply and how many bytes were sent.
 */
export function clamdInstream(port: number, total: number, chunkSize = 1 << 20, fill = 0x41): Promise<{ reply: string; sent: number }> {
    return new Promise((resolve, reject) => {
        let reply = "";
        let answered = false;
        let sent = 0;
        const socket = net.connect(port, "127.0.0.1", async () => {
            socket.write("zINSTREAM\0");
            const chunk = Buffer.alloc(chunkSize, fill);
            try {
                while (sent < total && !answered) {
                    const n = Math.min(chunkSize, total - sent);
                    const size = Buffer.alloc(4);
                    size.writeUInt32BE(n);
                    sent += n;
                    if (!socket.write(Buffer.concat([size, chunk.subarray(0, n)]))) await new Promise((r) => socket.once("drain", r));
                }
                if (!answered) socket.write(Buffer.alloc(4));
            } catch {
                // the socket closed under us: the reply (or the error) says why
            }
        });
        socket.on("data", (d) => {
            reply += d;
            answered = true;
        });
        // clamd closes after refusing a stream: a write racing that close fails with EPIPE or ECONNRESET.
        socket.on("error", (err: NodeJS.ErrnoException) => {
            if (!answered && !["EPIPE", "ECONNRESET"].includes(err.code ?? "")) reject(err);
        });
        socket.on("close", () => resolve({ reply: reply.replace(/\0$/, ""), sent }));
    });
}
