/**
 * Pods that run one `clairctl` command with the same config file the Clair pods mount: the
 * updaters import (disconnected mode) and the admin tasks around a version change.
 *
 * Read in quay/clair's source (cmd/clairctl, v4.9.0 from the Go module proxy; the proxy refuses
 * v4.8.0, whose admin.go the research notes describe the same way):
 * - main.go: the global flag `--config` takes its value from CLAIR_CONF when absent, and
 *   `loadConfig` reads the file with cmd.LoadConfig without validating it for a mode;
 * - import.go: `import-updaters input[.gz|.zst]|-` takes exactly one argument, a file or an
 *   http(s) URL (os.Open first, then an HTTP GET), decompresses by suffix, and writes with
 *   libvuln.OfflineImport into a pool opened on `matcher.connstring`; claircore's OfflineImport
 *   (libvuln/updates.go) runs no migrations and skips update operations whose fingerprint is
 *   already there, so it needs the matcher's tables and is safe to repeat;
 * - admin.go: `admin pre v4.8.0` inserts 13 into `libvuln_migrations` on `matcher.connstring`
 *   (the v4.8.0 matcher then skips the slow RHEL OVAL delete migration), `admin post v4.8.0`
 *   deletes those vulnerabilities; `admin pre v4.7.0`/`v4.7.3` build indexes on
 *   `indexer.connstring`; a version with no task ("Before: otherVersion") exits 0.
 *
 * So the pods need only the config Secret: the connection strings (passwords included) stay in it.
 */
import type { Exemption } from "../shared/exemptions";
import type { AppIdentity } from "../shared/labels";
import { podTemplate, podVolume, type PodTemplate, type PodVolume, type VolumeMountOf } from "../shared/workload";
import { CA_DIR, certsVolume, CONFIG_DIR, CONFIG_FILE, type ClairPodBase } from "./pod";

export const CLAIRCTL = "/usr/bin/clairctl";
/**
 * The capacity table's app for these pods: apart from "clair", whose row holds Clair's capacity plan
 * for the serving pods (indexer, matcher, notifier).
 */
export const CLAIRCTL_APP = "clairctl";
/** Where a bundle claim is mounted in the import pod. */
export const BUNDLE_DIR = "/var/lib/clair-bundle";

/** The labels of every clairctl pod: the in-cluster databases admit this identity beside the node types'. */
export const clairctlIdentity = (component: "import" | "upgrade"): AppIdentity => ({ name: "clair", component: `clairctl-${component}`, partOf: "clair" });

/**
 * What every clairctl pod takes from the Clair component (image, user, config, CAs, placement,
 * resources, proxy): a Clair pod's settings without the startup probe, since a Job has none.
 */
export type ClairctlPodSettings = Omit<ClairPodBase, "startupMinutes">;

export interface ClairctlPodArgs extends ClairctlPodSettings {
    /** The container's command: clairctl itself, or a shell around it. */
    command: string[];
    /** A claim mounted read-only at BUNDLE_DIR (the import from a claim). */
    bundleClaim?: string;
}

/** The one clairctl pod declaration; Jobs and CronJobs wrap its spec, capacity follows from it. */
export function clairctlPod(args: ClairctlPodArgs): PodTemplate {
    const config = podVolume("config", { secret: { secretName: args.configSecretName } });
    const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "256Mi" } });
    const certs = certsVolume(args.caConfigMapName, args.trustedCa);
    const bundle = args.bundleClaim ? podVolume("bundle", { persistentVolumeClaim: { claimName: args.bundleClaim, readOnly: true } }) : undefined;
    const volumes: PodVolume[] = [config, tmp, ...(certs ? [certs] : []), ...(bundle ? [bundle] : [])];
    const mounts: VolumeMountOf[] = [
        config.mount(CONFIG_DIR, { readOnly: true }),
        tmp.mount("/tmp"),
        ...(certs ? [certs.mount(CA_DIR, { readOnly: true })] : []),
        ...(bundle ? [bundle.mount(BUNDLE_DIR, { readOnly: true })] : []),
    ];
    return podTemplate({
        runAs: { user: args.runAsUser, group: args.runAsUser },
        fsGroup: args.runAsUser,
        restartPolicy: "Never",
        placement: args,
        containers: [
            {
                name: "clairctl",
                image: args.image,
                command: args.command,
                // clairctl's --config falls back to CLAIR_CONF (cmd/clairctl/main.go).
                env: [{ name: "CLAIR_CONF", value: `${CONFIG_DIR}/${CONFIG_FILE}` }, ...(args.extraEnv ?? [])],
                mounts,
                resources: args.resources,
                ephemeralStorage: "256Mi",
            },
        ],
        volumes,
    });
}

/**
 * A shell around `clairctl admin <phase> v<version>` that treats "no Clair tables yet" as nothing
 * to do: on a first install the pre Job runs before any Clair pod has migrated the databases, and
 * the INSERT into libvuln_migrations (or the indexes on manifest tables) fail with PostgreSQL's
 * undefined_table (SQLSTATE 42P01: pgx v5's PgError.Error() ends in "(SQLSTATE <code>)",
 * pgconn/errors.go at v5.7.6, the version Clair v4.9.0 requires; clairctl logs that error before
 * exiting 1). Any other failure
 * fails the Job, and Pulumi stops before the rollout.
 */
export function adminScript(phase: "pre" | "post", version: string, clairctl = CLAIRCTL): string {
    return [
        `out=$(${clairctl} admin ${phase} v${version} 2>&1); rc=$?`,
        `printf '%s\\n' "$out"`,
        `if [ "$rc" -ne 0 ]; then`,
        `  case "$out" in *"SQLSTATE 42P01"*) echo "no Clair tables yet (first install): nothing for admin ${phase} v${version} to do"; exit 0;; esac`,
        `fi`,
        `exit "$rc"`,
    ].join("\n");
}

/**
 * The one-shot clairctl Jobs keep their finished Job object: Pulumi owns it, and a TTL would let
 * the cluster delete it under Pulumi, whose next refresh (local:up refreshes) would create it again
 * and run clairctl once more for nothing.
 */
export const KEEP_FINISHED_JOB: Exemption[] = [
    {
        checker: "kube-linter",
        check: "job-ttl-seconds-after-finished",
        reason: "Pulumi owns this Job: a TTL would delete it under Pulumi, and the next refresh would create it again and rerun clairctl; it is replaced when its version or bundle changes",
    },
];

/** Job names carry the version (Jobs are immutable): 4.8.0 -> v4-8-0, 4.9.0-rc.1 -> v4-9-0-rc-1. */
export function versionSlug(version: string): string {
    return `v${version.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
}
