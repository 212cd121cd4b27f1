/**
 * Per-app pod settings for fitting a real cluster (`<app>.pod` in each app's block): pull
 * secrets, node selection, tolerations, an affinity override, extra pod labels and annotations.
 * They land on every pod the app creates (components/shared/workload.ts `PodSettings`).
 */
import { z } from "zod";
import { labelValueProblem, qualifiedNameProblem } from "../lib/kubernetes-names";
import { objectName } from "./primitives";

const KEY_WORDS = "a key such as example.com/team or team: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.'";
const VALUE_WORDS = "a label value: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

/**
 * The labels the program sets on pods itself: name and component select a workload's pods
 * (Deployments, StatefulSets, PodDisruptionBudgets, spreading), instance is what the
 * NetworkPolicies select on, part-of and managed-by say whose the pod is.
 */
export const PROGRAM_POD_LABELS = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
] as const;

/** key: value pairs whose keys are qualified names; values checked by `valueProblem` when given. */
const keyValues = (what: string, valueProblem?: (v: string) => string | undefined) =>
    z
        .record(z.string(), z.string({ error: "must be text (quote numbers and booleans)" }), { error: `must be a block of ${what}` })
        .superRefine((record, ctx) => {
            for (const [key, value] of Object.entries(record)) {
                const keyWhy = qualifiedNameProblem(key);
                if (keyWhy) ctx.addIssue({ code: "custom", path: [key], input: key, message: `the key ${JSON.stringify(key)} ${keyWhy}; must be ${KEY_WORDS}` });
                const valueWhy = valueProblem?.(value);
                if (valueWhy) ctx.addIssue({ code: "custom", path: [key], input: value, message: `${valueWhy}; must be ${VALUE_WORDS}` });
            }
        });

const TOLERATION_OPERATORS = ["Exists", "Equal"] as const;
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

const toleration = z
    .strictObject({
        key: z.string({ error: "must be text" }).optional(),
        operator: z.enum(TOLERATION_OPERATORS, { error: `must be one of ${TOLERATION_OPERATORS.join(", ")}` }).default("Equal"),
        value: z.string({ error: "must be text (quote numbers and booleans)" }).optional(),
        effect: z.enum(TAINT_EFFECTS, { error: `must be one of ${TAINT_EFFECTS.join(", ")} (or left out for every effect)` }).optional(),
        tolerationSeconds: z.int({ error: "must be a whole number of seconds" }).min(0, { error: "must be 0 or more" }).optional(),
    }, { error: "must be a toleration: {key, operator, value, effect, tolerationSeconds}" })
    .superRefine((t, ctx) => {
        if (t.key !== undefined && t.key !== "") {
            const why = qualifiedNameProblem(t.key);
            if (why) ctx.addIssue({ code: "custom", path: ["key"], input: t.key, message: `${why}; must be a taint key such as node-role.kubernetes.io/infra` });
        } else if (t.operator !== "Exists") {
            ctx.addIssue({ code: "custom", path: ["operator"], input: t.operator, message: "must be Exists when key is empty (an empty key with Exists tolerates every taint)" });
        }
        if (t.operator === "Exists" && t.value !== undefined && t.value !== "") {
            ctx.addIssue({ code: "custom", path: ["value"], input: t.value, message: "must be empty with operator Exists" });
        }
        if (t.value) {
            const why = labelValueProblem(t.value);
            if (why) ctx.addIssue({ code: "custom", path: ["value"], input: t.value, message: `${why}; must be a taint value` });
        }
        if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
            ctx.addIssue({ code: "custom", path: ["tolerationSeconds"], input: t.tolerationSeconds, message: "applies only with effect NoExecute" });
        }
    });

/**
 * The affinity override: the Kubernetes Affinity object as written in a pod spec, passed through
 * (the API server and kubeconform check its inside). Only its three fields are accepted.
 */
const affinity = z.strictObject(
    {
        nodeAffinity: z.record(z.string(), z.unknown(), { error: "must be a Kubernetes NodeAffinity block" }).optional(),
        podAffinity: z.record(z.string(), z.unknown(), { error: "must be a Kubernetes PodAffinity block" }).optional(),
        podAntiAffinity: z.record(z.string(), z.unknown(), { error: "must be a Kubernetes PodAntiAffinity block" }).optional(),
    },
    { error: "must be a Kubernetes Affinity block: nodeAffinity, podAffinity, podAntiAffinity" },
);

/** `<app>.pod`: every field optional; the defaults change nothing in the rendered pods. */
export const podSettingsSchema = z
    .strictObject({
        imagePullSecrets: z.array(objectName, { error: "must be a list of Secret names" }).default([]),
        nodeSelector: keyValues("node label: value pairs", labelValueProblem).default({}),
        tolerations: z.array(toleration, { error: "must be a list of tolerations" }).default([]),
        affinity: affinity.optional(),
        labels: keyValues("label: value pairs", labelValueProblem)
            .superRefine((record, ctx) => {
                for (const key of Object.keys(record)) {
                    if ((PROGRAM_POD_LABELS as readonly string[]).includes(key)) {
                        ctx.addIssue({
                            code: "custom",
                            path: [key],
                            input: key,
                            message: `the key ${JSON.stringify(key)} is one the program sets itself (${PROGRAM_POD_LABELS.join(", ")}): name, component and instance select the pods, so overriding them would orphan the pods from their workload, Service and NetworkPolicy; use another key`,
                        });
                    }
                }
            })
            .default({}),
        annotations: keyValues("annotation: value pairs").default({}),
    })
    .prefault({});

export type PodSettingsConfig = z.infer<typeof podSettingsSchema>;
