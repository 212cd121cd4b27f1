/**
 * What a killed `pulumi up` leaves behind, and the safe way back (scripts/ci/deploy --recover,
 * npm run local:up -- --recover):
 *
 *   node -r ./tools/fast-load.js tools/stack-lock.ts --stack S --action status|clear-stale|recover
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
 * `clear-stale`, with no live lock, repairs what a kill mid-write left of a file backend's
 * checkpoint (repairCheckpoint), then removes the stale locks.
 *
 * `recover` (with no lock) deletes the orphans an unfinished update left (findOrphans: objects it
 * made that the state does not record as resources, whether as a pending create or not at all,
 * since a kill can outrun the checkpoint write that records a create), so that the update creates
 * them again instead of failing on "already exists"; namespaces and claims are never deleted,
 * only named. It then prints the state's pending operations, one per line: `clear <urn>` for a
 * create, `refresh <urn>` for an update or delete, whose outcome a refresh reads.
 *
 * Exit status of `status`: 0 no lock, 3 a live lock (another update is running), 4 only stale locks.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MANAGED_BY } from "../components/shared/labels";
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
    return end < 0
        ? undefined
        : stat
              .slice(end + 1)
              .trim()
              .split(/\s+/);
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
        return {
            ...lock,
            stale: true,
            reason: `held by pid ${lock.pid} of ${lock.username}@${lock.hostname} ${since}; older than SSCAN_LOCK_MAX_AGE_MINUTES=${maxAgeMinutes}`,
        };
    }
    const hint = maxAgeMinutes === undefined ? " (set SSCAN_LOCK_MAX_AGE_MINUTES to judge such locks by age)" : "";
    return {
        ...lock,
        stale: false,
        reason: `held by pid ${lock.pid} of ${lock.username}@${lock.hostname} ${since}; on another host, which this one cannot check${hint}`,
    };
}

/** The lock files of the stack in a file backend (both the project-scoped and the older layout). */
export function lockFiles(backendDir: string, stack: string): string[] {
    const dirs = [path.join(backendDir, ".pulumi", "locks", "organization", PROJECT, stack), path.join(backendDir, ".pulumi", "locks", stack)];
    return dirs.flatMap((dir) =>
        fs.existsSync(dir)
            ? fs
                  .readdirSync(dir)
                  .filter((f) => f.endsWith(".json"))
                  .map((f) => path.join(dir, f))
            : [],
    );
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
 * A file backend's checkpoint as a killed engine can leave it. The blob library (gocloud.dev's
 * fileblob) writes each new checkpoint to `<file>.<random>.tmp`, then its metadata to
 * `<file>.attrs`, then renames the `.tmp` over the file. A kill between those steps leaves an
 * empty `.attrs` (every later command then fails with "failed to load checkpoint: EOF") and the
 * `.tmp`; when that `.tmp` is whole JSON it is the newest checkpoint, the one recording the
 * killed engine's last step (an object created, or begun), and dropping it would lose that
 * record: it is renamed over the file, as the write would have done. Only a `.tmp` written after
 * the file is taken (an older leftover would roll the state back). Removes an `.attrs` that is
 * not JSON (the blob library reads a missing one as no metadata) and every other `.tmp`; a
 * checkpoint that is itself not JSON, with no whole `.tmp`, is replaced by the `.bak` the backend
 * keeps. Returns what it did.
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
    const mtime = (f: string) => fs.statSync(f).mtimeMs;
    const tmps = fs
        .readdirSync(dir)
        .filter((f) => f.startsWith(`${stack}.json.`) && f.endsWith(".tmp"))
        .map((f) => path.join(dir, f));
    const newest = tmps.filter((f) => isJson(f) && mtime(f) >= mtime(file)).sort((a, b) => mtime(b) - mtime(a))[0];
    for (const tmp of tmps) {
        if (tmp === newest) continue;
        fs.rmSync(tmp);
        done.push(`removed the unfinished write ${path.basename(tmp)}`);
    }
    if (newest) {
        fs.renameSync(newest, file);
        // Its metadata, if any was written, may describe the file it replaces.
        fs.rmSync(`${file}.attrs`, { force: true });
        done.push(
            `took the finished write ${path.basename(newest)} as ${path.basename(file)} (the kill came before its rename: it holds the update's last recorded step)`,
        );
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

export interface PendingOperation {
    type: string;
    resource: { urn: string; type: string; inputs?: any; custom?: boolean };
}

/** The pending operations of the stack's state: what an update was doing when it stopped. */
function pendingOperations(stack: string): PendingOperation[] {
    return exportedDeployment(stack).pending_operations ?? [];
}

/** The stack's state (`pulumi stack export`): its resources and pending operations. */
function exportedDeployment(stack: string): { resources?: any[]; pending_operations?: PendingOperation[] } {
    return pulumiJson(["stack", "export", "--stack", stack]).deployment ?? {};
}

/** "updating Deployment clair-matcher, creating Service x": what the killed update was doing. */
export function describePending(pending: PendingOperation[]): string {
    return pending.map((op) => `${op.type} ${op.resource.type.split(":").pop()} ${op.resource.urn.split("::").pop()}`).join(", ");
}

/**
 * What recovery does with each pending operation of the stack's state: a create is cleared
 * (`pulumi refresh --clear-pending-creates`), its object, if the cluster received it, having been
 * deleted by sweepOrphans; the refresh reads what the other operations did.
 */
export function pendingDecisions(pending: PendingOperation[]): string[] {
    return pending.map((op) => `${op.type === "creating" ? "clear" : "refresh"} ${op.resource.urn}`);
}

/**
 * The kinds of object the program registers on any stack, as kubectl names them (a fast test
 * renders every stack and fails on a kind missing here). Recovery looks for orphans among them.
 */
export const PROGRAM_KINDS: readonly { group: string; kind: string; resource: string }[] = [
    { group: "", kind: "ConfigMap", resource: "configmaps" },
    { group: "", kind: "Namespace", resource: "namespaces" },
    { group: "", kind: "PersistentVolumeClaim", resource: "persistentvolumeclaims" },
    { group: "", kind: "Secret", resource: "secrets" },
    { group: "", kind: "Service", resource: "services" },
    { group: "", kind: "ServiceAccount", resource: "serviceaccounts" },
    { group: "apps", kind: "Deployment", resource: "deployments.apps" },
    { group: "apps", kind: "StatefulSet", resource: "statefulsets.apps" },
    { group: "autoscaling", kind: "HorizontalPodAutoscaler", resource: "horizontalpodautoscalers.autoscaling" },
    { group: "batch", kind: "CronJob", resource: "cronjobs.batch" },
    { group: "batch", kind: "Job", resource: "jobs.batch" },
    { group: "monitoring.coreos.com", kind: "PodMonitor", resource: "podmonitors.monitoring.coreos.com" },
    { group: "monitoring.coreos.com", kind: "PrometheusRule", resource: "prometheusrules.monitoring.coreos.com" },
    { group: "networking.k8s.io", kind: "Ingress", resource: "ingresses.networking.k8s.io" },
    { group: "networking.k8s.io", kind: "NetworkPolicy", resource: "networkpolicies.networking.k8s.io" },
    { group: "policy", kind: "PodDisruptionBudget", resource: "poddisruptionbudgets.policy" },
    { group: "rbac.authorization.k8s.io", kind: "Role", resource: "roles.rbac.authorization.k8s.io" },
    { group: "rbac.authorization.k8s.io", kind: "RoleBinding", resource: "rolebindings.rbac.authorization.k8s.io" },
    { group: "route.openshift.io", kind: "Route", resource: "routes.route.openshift.io" },
];

/** Kinds recovery never deletes: deleting a namespace deletes everything in it, a claim its data. */
const NEVER_DELETED = new Set(["Namespace", "PersistentVolumeClaim"]);

/** How far the cluster's clock may run behind this host's when comparing creation times. */
export const CLOCK_SKEW_SECONDS = 60;

export interface LiveObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        creationTimestamp: string;
        labels?: Record<string, string>;
        ownerReferences?: unknown[];
        managedFields?: { manager?: string }[];
    };
}

/** "apps/Deployment/ns/name": one object, the same key from the state and from the cluster. */
const objectKey = (group: string, kind: string, namespace: string | undefined, name: string) => `${group}/${kind}/${namespace ?? ""}/${name}`;
const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

/**
 * The objects a state records as resources. A pending create is not among them: the killed update
 * may or may not have made its object, and recovery treats one it made as an orphan.
 */
export function recordedObjects(deployment: { resources?: any[] }): Set<string> {
    const recorded = new Set<string>();
    for (const r of deployment.resources ?? []) {
        const body = r.outputs ?? r.inputs;
        if (!r.type?.startsWith("kubernetes:") || !body?.metadata?.name) continue;
        const [, groupVersion, kind] = r.type.split(":");
        recorded.add(objectKey(groupVersion.startsWith("core/") ? "" : groupVersion.split("/")[0], kind, body.metadata.namespace, body.metadata.name));
    }
    return recorded;
}

export interface Orphans {
    /** Made by an unfinished update and recorded nowhere: deleted, so the update creates them again. */
    remove: LiveObject[];
    /** The same, of a kind recovery never deletes: left for the operator, with why. */
    keep: LiveObject[];
}

/**
 * The objects an update that did not finish created but the state does not record as resources
 * (a pending create, or nothing at all: a kill can outrun the checkpoint write that records a
 * create): written by the Kubernetes provider (a managedFields manager `pulumi-kubernetes…`),
 * with the program's managed-by label, owned by no other object (controllers copy labels onto
 * what they create), created after the last update or destroy that succeeded (less
 * CLOCK_SKEW_SECONDS). The next update would fail on each with "already exists".
 */
export function findOrphans(live: LiveObject[], recorded: Set<string>, lastSucceeded: Date | undefined, managedBy: string): Orphans {
    const since = lastSucceeded ? Math.floor(lastSucceeded.getTime() / 1000) * 1000 - CLOCK_SKEW_SECONDS * 1000 : -Infinity;
    const orphans = live.filter(
        (o) =>
            o.metadata.labels?.["app.kubernetes.io/managed-by"] === managedBy &&
            !(o.metadata.ownerReferences ?? []).length &&
            (o.metadata.managedFields ?? []).some((f) => f.manager?.startsWith("pulumi-kubernetes")) &&
            Date.parse(o.metadata.creationTimestamp) >= since &&
            !recorded.has(objectKey(groupOf(o.apiVersion), o.kind, o.metadata.namespace, o.metadata.name)),
    );
    return { remove: orphans.filter((o) => !NEVER_DELETED.has(o.kind)), keep: orphans.filter((o) => NEVER_DELETED.has(o.kind)) };
}

/**
 * When the last `pulumi up` or `destroy` of the stack that succeeded ended (`pulumi stack
 * history`, newest first; a killed update is not among them), or undefined when none has.
 */
export function lastSucceeded(history: { kind: string; result: string; endTime?: string }[]): Date | undefined {
    const last = history.find((h) => (h.kind === "update" || h.kind === "destroy") && h.result === "succeeded" && h.endTime);
    return last ? new Date(last.endTime!) : undefined;
}

const pulumiJson = (args: string[]) =>
    JSON.parse(
        execFileSync(process.env.SSCAN_CI_PULUMI || "pulumi", [...args, "--non-interactive"], {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 1 << 28,
            stdio: ["ignore", "pipe", "pipe"],
        }),
    );
const kubectlJson = (args: string[]) =>
    JSON.parse(execFileSync("kubectl", [...args, "-o", "json"], { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] }));

/**
 * Deletes the orphans (findOrphans) in the namespaces the state knows, and waits until they are
 * gone; an object of a kind never deleted is reported and left. Deleting rather than importing:
 * the update creates each again from the program, and `pulumi refresh --import-pending-creates`
 * (Pulumi 3.259) marks the operation "importing" and then drops it without importing anything
 * (seen on the local stack: the next update failed with "already exists").
 */
function sweepOrphans(stack: string, deployment: { resources?: any[] }): { done: string[]; left: string[] } {
    const recorded = recordedObjects(deployment);
    const namespaces = new Set<string>();
    for (const key of recorded) {
        const [, kind, namespace, name] = key.split("/");
        if (namespace) namespaces.add(namespace);
        else if (kind === "Namespace") namespaces.add(name);
    }
    if (!namespaces.size) return { done: [], left: [] };
    const since = lastSucceeded(pulumiJson(["stack", "history", "--stack", stack, "--json"]));
    const served = new Set(
        execFileSync("kubectl", ["api-resources", "--verbs=list,delete", "-o", "name"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n"),
    );
    const kinds = PROGRAM_KINDS.filter((k) => k.kind !== "Namespace" && served.has(k.resource)).map((k) => k.resource);
    const live: LiveObject[] = [...namespaces].flatMap(
        (ns) => kubectlJson(["get", kinds.join(","), "-n", ns, "--show-managed-fields", "-l", `app.kubernetes.io/managed-by=${MANAGED_BY}`]).items,
    );
    const { remove, keep } = findOrphans(live, recorded, since, MANAGED_BY);
    const name = (o: LiveObject) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name} (created ${o.metadata.creationTimestamp})`;
    const done = remove.map((o) => {
        const resource = PROGRAM_KINDS.find((k) => k.kind === o.kind && k.group === groupOf(o.apiVersion))!.resource;
        execFileSync("kubectl", ["delete", resource, o.metadata.name, "-n", o.metadata.namespace!, "--wait=true"], { stdio: ["ignore", "pipe", "pipe"] });
        return `deleted ${name(o)}: an unfinished update made it and the state does not record it; the update creates it again`;
    });
    const left = keep.map(
        (o) =>
            `${name(o)}: an unfinished update made it and the state does not record it; recovery never deletes a ${o.kind} (it may hold data): delete it, or leave it if the program adopts it`,
    );
    return { done, left };
}

export const USAGE = "node tools/stack-lock.ts --stack <name> --action status|clear-stale|recover";
export const OPTIONS = { stack: { type: "string" }, action: { type: "string" } } satisfies Options;

if (require.main === module) {
    run({
        name: "stack-lock",
        usage: USAGE,
        options: OPTIONS,
        async main(values) {
            const { stack, action } = values;
            if (!stack) throw new UsageError("--stack is required");
            if (!["status", "clear-stale", "recover"].includes(action ?? ""))
                throw new UsageError(`--action ${action ?? "(missing)"}: expected status, clear-stale or recover`);
            const b = backend();
            if (action === "recover") {
                const deployment = exportedDeployment(stack);
                const { done, left } = sweepOrphans(stack, deployment);
                for (const line of done) process.stderr.write(`stack-lock: ${stack}: ${line}\n`);
                for (const line of left) process.stderr.write(`stack-lock: ${stack}: LEFT ${line}\n`);
                for (const line of pendingDecisions(deployment.pending_operations ?? [])) process.stdout.write(`${line}\n`);
                return 0;
            }
            if (b.kind !== "file") {
                const hint =
                    b.kind === "s3"
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
                    process.stderr.write(
                        `stack-lock: ${stack}: ${pending.length ? `the update had begun ${describePending(pending)}` : "the update recorded no operation in progress"}\n`,
                    );
                } catch {
                    // The state cannot be read here (no CLI or backend access): the lock says enough.
                }
            }
            if (action === "status") return found.some((v) => !v.stale) ? 3 : found.length ? 4 : 0;
            if (found.some((v) => !v.stale)) {
                process.stderr.write(`stack-lock: ${stack}: not clearing anything while a live update holds the stack\n`);
                return 3;
            }
            // No update runs: what a kill mid-write left of the checkpoint can be set right.
            for (const line of repairCheckpoint(b.dir, stack)) process.stderr.write(`stack-lock: ${stack}: ${line}\n`);
            for (const v of found) {
                fs.rmSync(v.file);
                fs.rmSync(`${v.file}.attrs`, { force: true });
                process.stderr.write(`stack-lock: ${stack}: cleared the stale lock ${path.basename(v.file)}\n`);
            }
            return 0;
        },
    });
}
