/**
 * What a killed `pulumi up` leaves behind, and the safe way back (scripts/ci/deploy --recover,
 * npm run local:up -- --recover):
 *
 *   node -r ./tools/fast-load.js tools/stack-lock.ts --stack S --action status|clear-stale|pending
 *
 * Locks: a file or S3 backend keeps one lock object per running update at
 * .pulumi/locks/organization/<project>/<stack>/<uuid>.json, holding {pid, username, hostname,
 * timestamp}; a killed engine leaves it, and every later update of the stack is refused. A lock
 * is stale when it was taken on this host by a process that is gone, or, taken on another host
 * (whose processes this one cannot see), is older than SSCAN_LOCK_MAX_AGE_MINUTES (unset: never
 * by age). A lock whose holder runs on this host is never cleared. This tool reads
 * file backends (file://); for an S3 backend it prints the lock's key and the `aws s3 rm` that
 * clears it after the same checks by hand; Pulumi Cloud keeps no lock file (`pulumi cancel`).
 *
 * Pending operations: the state's pending_operations, the operations the killed engine had begun
 * (`pulumi stack export`). `pending` prints, one per line, `import <urn> <id>` for a Kubernetes
 * create whose object the cluster has (it was created but not recorded: import it, so nothing is
 * orphaned and nothing is created twice) and `clear <urn>` for the rest (a create the cluster
 * never received, or a resource outside the cluster).
 *
 * Exit status of `status`: 0 no lock, 3 a live lock (another update is running), 4 only stale locks.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run, UsageError, type Options } from "./cli";

const ROOT = path.resolve(__dirname, "..");
const PROJECT = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"))![1];

export interface LockInfo {
    file: string;
    pid: number;
    username: string;
    hostname: string;
    timestamp: string;
}

export interface LockVerdict extends LockInfo {
    stale: boolean;
    /** Why it is stale or live, in plain words. */
    reason: string;
}

/**
 * A process state from Linux's /proc/<pid>/stat (the field after the command name in
 * parentheses), or undefined where there is no such file.
 */
export function procState(stat: string): string | undefined {
    return procFields(stat)?.[0];
}

/** The fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, ...), or undefined. */
export function procFields(stat: string): string[] | undefined {
    const end = stat.lastIndexOf(")");
    return end < 0 ? undefined : stat.slice(end + 1).trim().split(/\s+/);
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch (err) {
        // EPERM: the process exists under another user.
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
    // A killed engine whose parent died with it stays a zombie until PID 1 reaps it, and a
    // container's PID 1 that is not an init never does: it answers kill(pid, 0) but holds nothing.
    let stat: string;
    try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
        return true;
    }
    const state = procState(stat);
    return state !== "Z" && state !== "X";
}

/** Judges one lock: stale only when its holder is provably gone or it is older than the bound. */
export function judge(lock: LockInfo, now: Date, host: string, maxAgeMinutes: number | undefined, isAlive: (pid: number) => boolean = alive): LockVerdict {
    const ageMinutes = (now.getTime() - Date.parse(lock.timestamp)) / 60000;
    const since = `since ${lock.timestamp} (${Math.round(ageMinutes)} min)`;
    if (lock.hostname === host) {
        // This host can tell: a running holder is live whatever the lock's age.
        return isAlive(lock.pid)
            ? { ...lock, stale: false, reason: `held by pid ${lock.pid} of ${lock.username}@${lock.hostname} ${since}; pid ${lock.pid} is running` }
            : { ...lock, stale: true, reason: `held by pid ${lock.pid} of ${lock.username}@${lock.hostname} ${since}; that process is gone` };
    }
    if (maxAgeMinutes !== undefined && ageMinutes > maxAgeMinutes) {
        return { ...lock, stale: true, reason: `held by pid ${lock.pid} of ${lock.username}@${lock.hostname} ${since}; older than SSCAN_LOCK_MAX_AGE_MINUTES=${maxAgeMinutes}` };
    }
    const hint = maxAgeMinutes === undefined ? " (set SSCAN_LOCK_MAX_AGE_MINUTES to judge such locks by age)" : "";
    return { ...lock, stale: false, reason: `held by pid ${lock.pid} of ${lock.username}@${lock.hostname} ${since}; on another host, which this one cannot check${hint}` };
}

/** The lock files of the stack in a file backend (both the project-scoped and the older layout). */
export function lockFiles(backendDir: string, stack: string): string[] {
    const dirs = [path.join(backendDir, ".pulumi", "locks", "organization", PROJECT, stack), path.join(backendDir, ".pulumi", "locks", stack)];
    return dirs.flatMap((dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => path.join(dir, f)) : []));
}

function backend(): { kind: "file"; dir: string } | { kind: "s3" | "cloud" | "other"; url: string } {
    const url = process.env.PULUMI_BACKEND_URL ?? "";
    if (url.startsWith("file://")) return { kind: "file", dir: url.slice("file://".length).replace(/^~(?=\/)/, os.homedir()) };
    if (url.startsWith("s3://")) return { kind: "s3", url };
    if (!url || url.startsWith("https://")) return { kind: "cloud", url: url || "Pulumi Cloud" };
    return { kind: "other", url };
}

function maxAge(): number | undefined {
    const raw = process.env.SSCAN_LOCK_MAX_AGE_MINUTES;
    if (raw === undefined || raw === "") return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`SSCAN_LOCK_MAX_AGE_MINUTES=${raw}: expected a whole number of minutes, at least 1`);
    return Number(raw);
}

/**
 * A file backend's checkpoint as a killed engine can leave it: the blob library keeps each
 * object's metadata in `<file>.attrs` beside it and writes through `<file>.<random>.tmp`; a kill
 * mid-write left an empty `.attrs` (every later command then fails with "failed to load
 * checkpoint: EOF") and the `.tmp`. Removes an `.attrs` that is not JSON (the blob library reads
 * a missing one as no metadata) and the leftover `.tmp` files; a checkpoint that is itself not
 * JSON is replaced by the `.bak` the backend keeps, when that one is. Returns what it did.
 */
export function repairCheckpoint(backendDir: string, stack: string): string[] {
    const dir = path.join(backendDir, ".pulumi", "stacks", PROJECT);
    const file = path.join(dir, `${stack}.json`);
    const done: string[] = [];
    const isJson = (f: string) => {
        try {
            JSON.parse(fs.readFileSync(f, "utf8"));
            return true;
        } catch {
            return false;
        }
    };
    if (!fs.existsSync(file)) return done;
    for (const attrs of [`${file}.attrs`, `${file}.bak.attrs`]) {
        if (fs.existsSync(attrs) && !isJson(attrs)) {
            fs.rmSync(attrs);
            done.push(`removed ${path.basename(attrs)}, empty or not JSON (a write cut off by the kill)`);
        }
    }
    for (const tmp of fs.readdirSync(dir).filter((f) => f.startsWith(`${stack}.json.`) && f.endsWith(".tmp"))) {
        fs.rmSync(path.join(dir, tmp));
        done.push(`removed the unfinished write ${tmp}`);
    }
    if (!isJson(file) && fs.existsSync(`${file}.bak`) && isJson(`${file}.bak`)) {
        fs.copyFileSync(`${file}.bak`, file);
        done.push(`restored ${path.basename(file)} from ${path.basename(file)}.bak (the checkpoint was cut off)`);
    }
    return done;
}

export function verdicts(stack: string): LockVerdict[] {
    const b = backend();
    if (b.kind !== "file") return [];
    return lockFiles(b.dir, stack).map((file) => judge({ file, ...JSON.parse(fs.readFileSync(file, "utf8")) }, new Date(), os.hostname(), maxAge()));
}

export interface PendingOperation { type: string; resource: { urn: string; type: string; inputs?: any; custom?: boolean } }

/** The pending operations of the stack's state: what an update was doing when it stopped. */
function pendingOperations(stack: string): PendingOperation[] {
    const cli = process.env.SSCAN_CI_PULUMI || "pulumi";
    const exported = JSON.parse(execFileSync(cli, ["stack", "export", "--stack", stack, "--non-interactive"], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] }));
    return exported.deployment?.pending_operations ?? [];
}

/** "updating Deployment clair-matcher, creating Service x": what the killed update was doing. */
export function describePending(pending: PendingOperation[]): string {
    return pending.map((op) => `${op.type} ${op.resource.type.split(":").pop()} ${op.resource.urn.split("::").pop()}`).join(", ");
}

/** The import-or-clear decision for each pending operation of the stack's state. */
function pendingDecisions(stack: string): string[] {
    const pending = pendingOperations(stack);
    return pending.map((op) => {
        const { urn, type, inputs } = op.resource;
        if (op.type === "creating" && type.startsWith("kubernetes:") && inputs?.metadata?.name) {
            const [group, kind] = [type.split(":")[1], type.split(":")[2]];
            const resource = `${kind.toLowerCase()}${group.includes("/") && !group.startsWith("core/") ? `.${group.split("/")[0]}` : ""}`;
            const ns = inputs.metadata.namespace;
            try {
                execFileSync("kubectl", ["get", resource, inputs.metadata.name, ...(ns ? ["-n", ns] : []), "-o", "name"], { stdio: ["ignore", "pipe", "pipe"] });
                return `import ${urn} ${ns ? `${ns}/` : ""}${inputs.metadata.name}`;
            } catch {
                return `clear ${urn}`;
            }
        }
        return `${op.type === "creating" ? "clear" : "done"} ${urn}`;
    });
}

export const USAGE = "node tools/stack-lock.ts --stack <name> --action status|clear-stale|pending";
export const OPTIONS = { stack: { type: "string" }, action: { type: "string" } } satisfies Options;

if (require.main === module) {
    run({
        name: "stack-lock",
        usage: USAGE,
        options: OPTIONS,
        async main(values) {
            const { stack, action } = values;
            if (!stack) throw new UsageError("--stack is required");
            if (!["status", "clear-stale", "pending"].includes(action ?? "")) throw new UsageError(`--action ${action ?? "(missing)"}: expected status, clear-stale or pending`);
            const b = backend();
            if (action === "pending") {
                for (const line of pendingDecisions(stack)) process.stdout.write(`${line}\n`);
                return 0;
            }
            if (b.kind !== "file") {
                const hint = b.kind === "s3"
                    ? `an S3 backend keeps the lock at ${b.url.replace(/\/$/, "")}/.pulumi/locks/organization/${PROJECT}/${stack}/<uuid>.json: read it (aws s3 cp ... -), and remove it (aws s3 rm) only when its pid and host are gone`
                    : `${b.url} keeps no lock file: \`pulumi cancel --stack ${stack} --yes\` ends an update whose engine is gone`;
                process.stderr.write(`stack-lock: ${hint}\n`);
                return 0;
            }
            const found = verdicts(stack);
            for (const v of found) process.stderr.write(`stack-lock: ${stack}: ${v.stale ? "STALE" : "LIVE"} lock ${path.basename(v.file)}: ${v.reason}\n`);
            if (found.some((v) => v.stale)) {
                // What the killed update was doing, from the operations it recorded as begun.
                try {
                    const pending = pendingOperations(stack);
                    process.stderr.write(`stack-lock: ${stack}: ${pending.length ? `the update had begun ${describePending(pending)}` : "the update recorded no operation in progress"}\n`);
                } catch {
                    // The state cannot be read here (no CLI or backend access): the lock says enough.
                }
            }
            if (action === "status") return found.some((v) => !v.stale) ? 3 : found.length ? 4 : 0;
            if (found.some((v) => !v.stale)) {
                process.stderr.write(`stack-lock: ${stack}: not clearing anything while a live update holds the stack\n`);
                return 3;
            }
            for (const v of found) {
                fs.rmSync(v.file);
                fs.rmSync(`${v.file}.attrs`, { force: true });
                process.stderr.write(`stack-lock: ${stack}: cleared the stale lock ${path.basename(v.file)}\n`);
            }
            // No update runs: what a kill mid-write left of the checkpoint can be set right.
            for (const line of repairCheckpoint(b.dir, stack)) process.stderr.write(`stack-lock: ${stack}: ${line}\n`);
            return 0;
        },
    });
}
