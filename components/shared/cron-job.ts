import type * as k8s from "@pulumi/kubernetes";

type CronJobSpec = k8s.types.input.batch.v1.CronJobSpec;
type JobSpec = k8s.types.input.batch.v1.JobSpec;

/**
 * Every CronJob of the platform runs the same way: never two runs at once (a run that overlaps
 * the next would do the same work twice), a run missed by more than 10 minutes is skipped rather
 * than caught up, and the last success and three failures stay for `kubectl logs`.
 */
export function cronJobSpec(schedule: string, jobLabels: Record<string, string>, jobSpec: JobSpec): CronJobSpec {
    return {
        schedule,
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { metadata: { labels: jobLabels }, spec: jobSpec },
    };
}
