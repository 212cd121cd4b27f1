/**
 * Runs a rendered container's command on this machine the way OpenShift's restricted-v2 runs it:
 * as an arbitrary UID (the namespace range's first, 1000680000) with group 0 and the pod's fsGroup
 * as its only supplementary group, no capabilities, no new privileges, HOME=/ (the UID has no
 * passwd entry), a read-only root filesystem, and writable only where the rendered pod mounts an
 * emptyDir or a claim. A path the program needs to write that the pod does not mount fails with
 * EROFS or EACCES, as it would in the cluster.
 *
 * How: `unshare --mount` (a private mount namespace; needs root, which CI has), each of the
 * container's volumeMounts bound from a host folder that stands for the pod volume (emptyDir and
 * claims: group fsGroup, setgid, group-writable, as the kubelet prepares them for an fsGroup;
 * configMap and secret: the rendered files, read-only), then `/` remounted read-only, then setpriv.
 * The binaries are this machine's (Debian's clamd, freshclam, nginx, python3), not the images'.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The first UID and group of a namespace annotated 1000680000/10000: what restricted-v2 assigns. */
export const OPENSHIFT_UID = 1000680000;
export const OPENSHIFT_FSGROUP = 1000680000;
/** Where the host folders of the pod volumes live: a path no rendered container mounts over. */
const VOLUMES_ROOT = "/var/cache/sscan-pod-volumes";

export interface RenderedContainer {
    name: string;
    command?: string[];
    args?: string[];
    env?: { name: string; value?: string }[];
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface RenderedVolume {
    name: string;
    emptyDir?: unknown;
    configMap?: { name: string };
    secret?: { secretName: string };
    persistentVolumeClaim?: { claimName: string };
    projected?: unknown;
}

export interface RunningContainer {
    child: ChildProcess;
    output(): string;
    running(): boolean;
    stop(): Promise<void>;
}

export interface SandboxOptions {
    uid?: number;
    /** Added to the container's own env. */
    env?: Record<string, string>;
    /** Instead of the container's command (a binary at another path here). */
    command?: string[];
    /** /etc/hosts entries, name -> address (a Service's name resolving to this machine). */
    hosts?: Record<string, string>;
    /**
     * Files of the image at their image paths, bound read-only from this machine: path in the
     * image -> host file (e.g. "/usr/bin/clairctl" -> the built binary), so a rendered script
     * that names the image's path runs unchanged.
     */
    imageFiles?: Record<string, string>;
}

/** Whether this machine can build the sandbox: root, unshare and setpriv. */
export function sandboxAvailable(): string | undefined {
    if (process.getuid?.() !== 0) return "not root (unshare --mount needs it)";
    for (const tool of ["unshare", "setpriv", "mount"]) {
        if (spawnSync("bash", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not on PATH`;
    }
    return undefined;
}

/** The host folders standing for one pod's volumes; emptyDirs and claims outlive each container, as in a pod. */
export class PodVolumes {
    readonly root: string;
    private readonly dirs = new Map<string, { dir: string; readOnly: boolean }>();
    /** Mount points this class created on the host's filesystem (removed by cleanup). */
    private readonly created: string[] = [];

    constructor(
        volumes: RenderedVolume[],
        files: Record<string, Record<string, string | Buffer>> = {},
        readonly fsGroup = OPENSHIFT_FSGROUP,
    ) {
        // Not under /tmp: a container that mounts its own /tmp would hide the folders bound after it.
        fs.mkdirSync(VOLUMES_ROOT, { recursive: true, mode: 0o755 });
        this.root = fs.mkdtempSync(path.join(VOLUMES_ROOT, "pod-"));
        fs.chmodSync(this.root, 0o755);
        for (const v of volumes) {
            const dir = path.join(this.root, v.name);
            fs.mkdirSync(dir);
            if (v.configMap || v.secret) {
                for (const [file, content] of Object.entries(files[v.name] ?? {})) fs.writeFileSync(path.join(dir, file), content, { mode: 0o644 });
                this.dirs.set(v.name, { dir, readOnly: true });
            } else if (v.emptyDir || v.persistentVolumeClaim) {
                // The kubelet's fsGroup ownership: group fsGroup, group rwx, setgid.
                fs.chownSync(dir, 0, fsGroup);
                fs.chmodSync(dir, v.emptyDir ? 0o2777 : 0o2775);
                this.dirs.set(v.name, { dir, readOnly: false });
            } else {
                // projected tokens and the like: an empty read-only folder.
                this.dirs.set(v.name, { dir, readOnly: true });
            }
        }
    }

    /** The host folder of a volume, to put files in or read them back. */
    dir(volume: string): string {
        const found = this.dirs.get(volume);
        if (!found) throw new Error(`the pod has no volume ${volume}`);
        return found.dir;
    }

    /** The shell script that enters the container: bind mounts, read-only root, setpriv, exec. */
    script(container: RenderedContainer, options: SandboxOptions = {}): string {
        const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
        const lines = ["set -eu"];
        if (options.hosts) {
            // The kubelet writes each pod's /etc/hosts; here it names the pod's Services.
            const hostsFile = path.join(this.root, `hosts-${container.name}`);
            fs.writeFileSync(hostsFile, ["127.0.0.1 localhost", ...Object.entries(options.hosts).map(([name, ip]) => `${ip} ${name}`)].join("\n") + "\n", {
                mode: 0o644,
            });
            lines.push(`mount --bind ${q(hostsFile)} /etc/hosts`);
        }
        for (const [imagePath, hostFile] of Object.entries(options.imageFiles ?? {})) {
            if (!fs.existsSync(imagePath)) {
                fs.mkdirSync(path.dirname(imagePath), { recursive: true });
                fs.writeFileSync(imagePath, "");
                this.created.push(imagePath);
            }
            lines.push(`mount --bind ${q(hostFile)} ${q(imagePath)}`, `mount -o remount,bind,ro ${q(imagePath)}`);
        }
        for (const m of container.volumeMounts ?? []) {
            const { dir, readOnly } =
                this.dirs.get(m.name) ??
                (() => {
                    throw new Error(`container ${container.name} mounts ${m.name}, which the pod does not declare`);
                })();
            if (!fs.existsSync(m.mountPath)) {
                fs.mkdirSync(m.mountPath, { recursive: true });
                this.created.push(m.mountPath);
            }
            lines.push(`mount --bind ${q(dir)} ${q(m.mountPath)}`);
            if (readOnly || m.readOnly) lines.push(`mount -o remount,bind,ro ${q(m.mountPath)}`);
        }
        lines.push("mount -o remount,bind,ro /");
        const env = {
            PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            HOME: "/",
            ...Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
            ...(options.env ?? {}),
        };
        const command = options.command ?? [...(container.command ?? []), ...(container.args ?? [])];
        if (command.length === 0) throw new Error(`container ${container.name} has no command to run here`);
        // stdout and stderr: a pipe owned by the container's user, as runc hands them over (its
        // fixStdioPermissions); Node's own stdio are sockets, which a program reopening
        // /dev/stdout (nginx's access_log) could not open.
        const uid = options.uid ?? OPENSHIFT_UID;
        const fifo = path.join(this.root, `stdio-${container.name}-${process.hrtime.bigint()}`);
        lines.splice(1, 0, `mkfifo -m 0600 ${q(fifo)}`, `chown ${uid} ${q(fifo)}`, `cat ${q(fifo)} &`);
        lines.push(
            `exec setpriv --reuid=${uid} --regid=0 --groups=${this.fsGroup} --inh-caps=-all --bounding-set=-all --no-new-privs ` +
                `env -i ${Object.entries(env)
                    .map(([k, v]) => q(`${k}=${v}`))
                    .join(" ")} ${command.map(q).join(" ")} >${q(fifo)} 2>&1`,
        );
        return lines.join("\n");
    }

    /** Runs the container's command to its end. */
    run(container: RenderedContainer, options: SandboxOptions & { timeoutMs?: number } = {}): { status: number | null; output: string } {
        const r = spawnSync("unshare", ["--mount", "--propagation", "private", "bash", "-c", this.script(container, options)], {
            encoding: "utf8",
            timeout: options.timeoutMs ?? 120000,
        });
        return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
    }

    /**
     * Starts the container's command and leaves it running (a server). stop() sends SIGTERM to its
     * whole process group, as the kubelet stops a container (a server's workers included), and
     * waits for it to end.
     */
    start(container: RenderedContainer, options: SandboxOptions = {}): RunningContainer {
        const child = spawn("unshare", ["--mount", "--propagation", "private", "bash", "-c", this.script(container, options)], {
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
        });
        let output = "";
        child.stdout!.on("data", (d) => (output += d));
        child.stderr!.on("data", (d) => (output += d));
        const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
        return {
            child,
            output: () => output,
            running: () => child.exitCode === null && child.signalCode === null,
            stop: async () => {
                try {
                    process.kill(-child.pid!, "SIGTERM");
                } catch {
                    // already gone
                }
                await closed;
            },
        };
    }

    cleanup(): void {
        for (const dir of this.created.reverse()) fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
