import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadCapacity } from "../../lib/capacity";
import { labels } from "../shared/labels";
import { adminScript, CLAIRCTL_APP, clairctlIdentity, clairctlPod, KEEP_FINISHED_JOB, versionSlug, type ClairctlPodSettings } from "./clairctl";

export interface ClairUpgradeJobArgs {
    /** Namespace of the Job: Clair's, where its config Secret is. */
    namespace: pulumi.Input<string>;
    /** The clairctl pod's image, user, config, placement and resources. */
    pod: ClairctlPodSettings;
    /** `pre` runs before the Clair pods change, `post` once they have all rolled out. */
    phase: "pre" | "post";
    /** The Clair version being deployed (from the image tag): clairctl's `admin pre|post v<version>`. */
    version: string;
    /** What the Job waits for: nothing for `pre` (the workloads wait for it), the three workloads for `post`. */
    after?: pulumi.Resource[];
}

/** Long enough for `admin pre v4.7.0` building an index CONCURRENTLY on a large indexer database. */
const DEADLINE_SECONDS = 3600;

/**
 * `clairctl admin pre|post v<version>` as a Job named after the version. Jobs are immutable and
 * the name holds the version, so the Job is replaced (deleted, then created and awaited) exactly
 * when the version changes; an update that changes anything else leaves it alone and it does not
 * run again. The workloads depend on the pre Job, the post Job on the workloads: Pulumi creates
 * the pre Job and waits for it to complete before it touches a Clair pod, and starts the post Job
 * once every Clair workload has rolled out and is ready.
 */
export class ClairUpgradeJob extends pulumi.ComponentResource {
    readonly jobName: pulumi.Output<string>;
    /** Its one pod, app "clairctl": counted as if running, like a CronJob's run (docs/capacity.md). */
    readonly capacity: WorkloadCapacity;

    constructor(name: string, args: ClairUpgradeJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:clair:UpgradeJob", name, {}, opts);
        const id = clairctlIdentity("upgrade");
        // Short enough for the capacity table's 100 columns: clair-pre-v4-8-0, clair-post-v4-8-0.
        const objectName = `clair-${args.phase}-${versionSlug(args.version)}`;
        const pod = clairctlPod({
            ...args.pod,
            command: ["/bin/sh", "-c", adminScript(args.phase, args.version)],
        });
        const job = new k8s.batch.v1.Job(
            name,
            {
                metadata: { name: objectName, namespace: args.namespace, labels: labels(id, objectName), annotations: pod.annotations(KEEP_FINISHED_JOB) },
                spec: {
                    backoffLimit: 2,
                    activeDeadlineSeconds: DEADLINE_SECONDS,
                    template: { metadata: pod.metadata(labels(id)), spec: pod.spec },
                },
            },
            {
                parent: this,
                dependsOn: args.after,
                // Same name, changed spec (resources, say): a Job cannot be updated in place.
                deleteBeforeReplace: true,
                customTimeouts: { create: `${DEADLINE_SECONDS / 60 + 5}m` },
            },
        );
        this.capacity = pod.capacity({ name: objectName, app: CLAIRCTL_APP, kind: "Job", replicas: 1 });
        this.jobName = job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
