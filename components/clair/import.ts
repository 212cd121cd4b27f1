import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import type { WorkloadCapacity } from "../../lib/capacity";
import { cronJobSpec } from "../shared/cron-job";
import { labels } from "../shared/labels";
import { BUNDLE_DIR, CLAIRCTL, CLAIRCTL_APP, clairctlIdentity, clairctlPod, KEEP_FINISHED_JOB, type ClairctlPodSettings } from "./clairctl";

/** Where `clairctl export-updaters` left its bundle: an http(s) URL, or a file on a claim. */
export type UpdatersBundle = { url: string } | { claim: string; path: string };

export interface ClairUpdatersImportArgs {
    /** Namespace of the Job and the CronJob: Clair's, where the config Secret and the bundle's claim are. */
    namespace: pulumi.Input<string>;
    /** The clairctl pod's image, user, config, placement and resources. */
    pod: ClairctlPodSettings;
    /**
     * The bundle clairctl import-updaters reads: fetched from the URL, or read from the file at path
     * in the claim, which is mounted read-only at BUNDLE_DIR. The Job's name is a hash of it.
     */
    bundle: UpdatersBundle;
    /** A CronJob imports again on this schedule (a bundle refreshed at the same place). */
    schedule?: string;
    /** The matcher: its pods create the tables the import writes into (OfflineImport runs no migrations). */
    after: pulumi.Resource[];
}

export const IMPORT_CRONJOB_NAME = "clair-import-updaters";
const DEADLINE_SECONDS = 3600;

/** The argument clairctl import-updaters gets: the URL, or the file's path in the mounted claim. */
export function bundleArgument(bundle: UpdatersBundle): string {
    return "url" in bundle ? bundle.url : `${BUNDLE_DIR}/${bundle.path}`;
}

/**
 * Disconnected mode's data path: `clairctl import-updaters <bundle>` into the matcher database,
 * once as a Job after the matcher is ready (named after the bundle's place, so pointing at a new
 * bundle imports it, and an unchanged one is not imported again), and optionally on a schedule.
 */
export class ClairUpdatersImport extends pulumi.ComponentResource {
    readonly jobName: pulumi.Output<string>;
    readonly cronJobName?: pulumi.Output<string>;
    /** The Job's pod, and one run of the CronJob: counted as if running (docs/capacity.md). */
    readonly capacity: WorkloadCapacity[];

    constructor(name: string, args: ClairUpdatersImportArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:UpdatersImport", name, {}, opts);
        const id = clairctlIdentity("import");
        const source = bundleArgument(args.bundle);
        const pod = clairctlPod({
            ...args.pod,
            command: [CLAIRCTL, "import-updaters", source],
            bundleClaim: "claim" in args.bundle ? args.bundle.claim : undefined,
        });
        const sourceKey = createHash("sha256").update(JSON.stringify(args.bundle)).digest("hex").slice(0, 8);
        const jobObjectName = `clair-import-${sourceKey}`;
        const jobSpec = {
            backoffLimit: 3,
            activeDeadlineSeconds: DEADLINE_SECONDS,
            template: { metadata: pod.metadata(labels(id)), spec: pod.spec },
        };
        const job = new k8s.batch.v1.Job(
            name,
            {
                metadata: {
                    name: jobObjectName,
                    namespace: args.namespace,
                    labels: labels(id, jobObjectName),
                    annotations: pod.annotations(KEEP_FINISHED_JOB),
                },
                spec: jobSpec,
            },
            {
                parent: this,
                dependsOn: args.after,
                deleteBeforeReplace: true,
                customTimeouts: { create: `${DEADLINE_SECONDS / 60 + 5}m` },
            },
        );
        this.capacity = [pod.capacity({ name: jobObjectName, app: CLAIRCTL_APP, kind: "Job", replicas: 1 })];

        if (args.schedule) {
            const cronJob = new k8s.batch.v1.CronJob(
                `${name}-cronjob`,
                {
                    metadata: { name: IMPORT_CRONJOB_NAME, namespace: args.namespace, labels: labels(id, IMPORT_CRONJOB_NAME), annotations: pod.annotations() },
                    spec: cronJobSpec(args.schedule, labels(id), jobSpec),
                },
                { parent: this, dependsOn: args.after },
            );
            this.capacity.push(pod.capacity({ name: IMPORT_CRONJOB_NAME, app: CLAIRCTL_APP, kind: "CronJob", replicas: 1 }));
            this.cronJobName = cronJob.metadata.name;
        }
        this.jobName = job.metadata.name;
        this.registerOutputs({ jobName: this.jobName, cronJobName: this.cronJobName });
    }
}
