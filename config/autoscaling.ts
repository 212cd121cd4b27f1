/**
 * `<workload>.autoscaling`: an optional HorizontalPodAutoscaler for the Clair indexer and matcher
 * and for clamd. Off by default (the capacity plan is fixed replica counts).
 */
import { z } from "zod";
import type { AutoscalingRange } from "../components/shared/autoscaling";
import { bool } from "./primitives";

/** Highest CPU target: requests equal limits, so average use can reach 100% but never pass it. */
export const MAX_TARGET_CPU_UTILIZATION = 90;

const count = (max: number) =>
    z
        .int({ error: "must be a whole number" })
        .min(1, { error: "must be at least 1 (an autoscaler never scales to zero)" })
        .max(max, { error: `must be at most ${max}` });

export const autoscalingSchema = (maxReplicas: number) =>
    z
        .strictObject({
            enabled: bool
                .default(false)
                .describe("a HorizontalPodAutoscaler (autoscaling/v2, on CPU) owns the workload's replica count " + "([Autoscaling](capacity.md#autoscaling))"),
            /** The fewest pods; the workload's `replicas` when absent. */
            minReplicas: count(maxReplicas).optional().meta({
                description: "the fewest pods, and the count the workload starts at; only with `enabled`",
                defaultText: "(none: the workload's `replicas` then)",
            }),
            /** The most pods: the capacity report's upper figure and, for Clair, the connection-pool budget's pod count. */
            maxReplicas: count(maxReplicas)
                .optional()
                .meta({
                    description:
                        "the most pods; the capacity report's upper figure, and for Clair the pods the connection-pool budget counts; " + "only with `enabled`",
                    defaultText: "(none; required with `enabled`)",
                }),
            targetCPUUtilization: z
                .int({ error: "must be a whole number of percent" })
                .min(10, { error: "must be at least 10 (percent of the CPU request)" })
                .max(MAX_TARGET_CPU_UTILIZATION, {
                    error: `must be at most ${MAX_TARGET_CPU_UTILIZATION}: requests equal limits, so a pod's CPU use never passes 100% of its request and a target near it never scales out`,
                })
                .default(70)
                .describe("average CPU use aimed at, percent of the request, 10 to 90 (requests equal limits, so use never " + "passes 100)"),
        })
        .prefault({});

export type AutoscalingConfig = z.infer<ReturnType<typeof autoscalingSchema>>;

/** The autoscaler's range for a workload of `replicas`, or undefined while it is off. */
export function autoscalingRange(replicas: number, a: AutoscalingConfig): AutoscalingRange | undefined {
    if (!a.enabled) return undefined;
    const minReplicas = a.minReplicas ?? replicas;
    // The schema refuses an enabled autoscaler without maxReplicas (autoscalingIssues).
    return { minReplicas, maxReplicas: a.maxReplicas ?? minReplicas, targetCPUUtilization: a.targetCPUUtilization };
}

/** The most pods the workload can run at once, before any rolling-update surge. */
export function mostReplicas(replicas: number, a: AutoscalingConfig): number {
    return autoscalingRange(replicas, a)?.maxReplicas ?? replicas;
}

/**
 * Rules across keys, for the parent's superRefine. `key` is the workload's config path
 * ("clair.matcher"), for messages; `path` the autoscaling block's path inside the parent.
 */
export function autoscalingIssues(key: string, replicas: number, a: AutoscalingConfig, path: (string | number)[], ctx: z.RefinementCtx): void {
    const issue = (field: string, input: unknown, message: string) => ctx.addIssue({ code: "custom", path: [...path, field], input, message });
    if (!a.enabled) {
        for (const field of ["minReplicas", "maxReplicas"] as const) {
            if (a[field] !== undefined) issue(field, a[field], `is used only while ${key}.autoscaling.enabled is true: set it to true, or remove this key`);
        }
        return;
    }
    const min = a.minReplicas ?? replicas;
    if (min < 1) {
        issue("minReplicas", a.minReplicas, `is required when ${key}.replicas is 0 and ${key}.autoscaling.enabled is true: an autoscaler runs at least 1 pod`);
    }
    if (a.maxReplicas === undefined) {
        issue(
            "maxReplicas",
            a.maxReplicas,
            `is required when ${key}.autoscaling.enabled is true: the most pods the autoscaler may start (the capacity report and the connection-pool check count them)`,
        );
    } else if (a.maxReplicas < min) {
        issue(
            "maxReplicas",
            a.maxReplicas,
            `is below the autoscaler's minimum ${min} (${a.minReplicas === undefined ? `${key}.replicas` : `${key}.autoscaling.minReplicas`}): it must be at least that`,
        );
    }
}
