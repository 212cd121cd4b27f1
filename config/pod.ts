/**
 * Per-app pod settings for fitting a real cluster (`<app>.pod` in each app's block): pull
 * secrets, node selection, tolerations, an affinity override, extra pod labels and annotations.
 * They land on every pod the app creates (components/shared/workload.ts `PodSettings`).
 */
import { z } from "zod";
import { dnsLabelProblem, dnsSubdomainProblem, labelValueProblem, qualifiedNameProblem } from "../lib/kubernetes-names";
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
                if (keyWhy)
                    ctx.addIssue({ code: "custom", path: [key], input: key, message: `the key ${JSON.stringify(key)} ${keyWhy}; must be ${KEY_WORDS}` });
                const valueWhy = valueProblem?.(value);
                if (valueWhy) ctx.addIssue({ code: "custom", path: [key], input: value, message: `${valueWhy}; must be ${VALUE_WORDS}` });
            }
        });

const TOLERATION_OPERATORS = ["Exists", "Equal"] as const;
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

const toleration = z
    .strictObject(
        {
            key: z.string({ error: "must be text" }).optional(),
            operator: z.enum(TOLERATION_OPERATORS, { error: `must be one of ${TOLERATION_OPERATORS.join(", ")}` }).default("Equal"),
            value: z.string({ error: "must be text (quote numbers and booleans)" }).optional(),
            effect: z.enum(TAINT_EFFECTS, { error: `must be one of ${TAINT_EFFECTS.join(", ")} (or left out for every effect)` }).optional(),
            // The API server takes a negative value, which the taint manager treats as 0 (evict at once): the program's rule asks for 0 to be written.
            tolerationSeconds: z
                .int({ error: "must be a whole number of seconds" })
                .min(0, { error: "must be 0 or more: Kubernetes treats a negative value as 0 (evict at once), so this program asks for 0 to be written" })
                .optional(),
        },
        { error: "must be a toleration: {key, operator, value, effect, tolerationSeconds}" },
    )
    .superRefine((t, ctx) => {
        if (t.key !== undefined && t.key !== "") {
            const why = qualifiedNameProblem(t.key);
            if (why)
                ctx.addIssue({ code: "custom", path: ["key"], input: t.key, message: `${why}; must be a taint key such as node-role.kubernetes.io/infra` });
        } else if (t.operator !== "Exists") {
            ctx.addIssue({
                code: "custom",
                path: ["operator"],
                input: t.operator,
                message: "must be Exists when key is empty (an empty key with Exists tolerates every taint)",
            });
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

// --- affinity, checked by the API server's rules ----------------------------------------------
// kubernetes pkg/apis/core/validation/validation.go: validateAffinity, validateNodeAffinity,
// ValidateNodeSelector / validateNodeSelectorTerm, ValidateNodeSelectorRequirement,
// validateNodeFieldSelectorRequirement, validatePodAffinity / validatePodAntiAffinity,
// validatePodAffinityTerm, validateWeightedPodAffinityTerms, validateMatchLabelKeysAndMismatchLabelKeys;
// k8s.io/apimachinery pkg/apis/meta/v1/validation ValidateLabelSelector (and
// pkg/util/validation IsQualifiedName, IsValidLabelValue, IsDNS1123Label/Subdomain).
// Field names as in the API reference (Affinity, NodeAffinity, PodAffinityTerm, LabelSelector):
// a field the type does not have is the program's refusal (the API server would drop it, or
// refuse it under strict field validation).

const text = z.string({ error: "must be text (quote numbers and booleans)" });
const labelName = (what: string) =>
    z
        .string({
            error: (issue) =>
                issue.input === undefined ? `is required (the API server: "can not be empty"); must be ${what}` : "must be text (quote numbers and booleans)",
        })
        .superRefine((key, ctx) => {
            const why = qualifiedNameProblem(key);
            if (why) ctx.addIssue({ code: "custom", input: key, message: `${why}; must be ${what}: ${KEY_WORDS}` });
        });
const labelValue = text.superRefine((value, ctx) => {
    const why = labelValueProblem(value);
    if (why) ctx.addIssue({ code: "custom", input: value, message: `${why}; must be ${VALUE_WORDS}` });
});
/** Weights of preferred terms: "must be in the range 1-100". */
const weight = z
    .int({ error: "must be a whole number from 1 to 100" })
    .min(1, { error: "must be 1 to 100 (the API server's range for a weight)" })
    .max(100, { error: "must be 1 to 100 (the API server's range for a weight)" });

const NODE_SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] as const;
/** NodeSelectorRequirement in matchExpressions (ValidateNodeSelectorRequirement). */
const nodeSelectorRequirement = z
    .strictObject(
        {
            key: labelName("a node label key"),
            operator: z.enum(NODE_SELECTOR_OPERATORS, { error: `must be one of ${NODE_SELECTOR_OPERATORS.join(", ")}` }),
            values: z.array(text, { error: "must be a list of values" }).optional(),
        },
        { error: "must be a node selector requirement: {key, operator, values}" },
    )
    .superRefine((r, ctx) => {
        const n = r.values?.length ?? 0;
        const problem = (message: string) => ctx.addIssue({ code: "custom", path: ["values"], input: r.values, message });
        if ((r.operator === "In" || r.operator === "NotIn") && n === 0) problem(`must be given when operator is ${r.operator} (at least one value)`);
        if ((r.operator === "Exists" || r.operator === "DoesNotExist") && n > 0) problem(`may not be given when operator is ${r.operator}`);
        if ((r.operator === "Gt" || r.operator === "Lt") && n !== 1) problem(`must be exactly one value when operator is ${r.operator}, not ${n}`);
    });
/** NodeSelectorRequirement in matchFields (validateNodeFieldSelectorRequirement): metadata.name, In or NotIn, one node name. */
const nodeFieldRequirement = z
    .strictObject(
        {
            key: z.literal("metadata.name", { error: "must be metadata.name, the only field a node selector can match" }),
            operator: z.enum(["In", "NotIn"], { error: "must be In or NotIn (the operators of a node field selector)" }),
            values: z.array(text, { error: "must be a list of one node name" }),
        },
        { error: "must be a node field selector requirement: {key: metadata.name, operator, values}" },
    )
    .superRefine((r, ctx) => {
        if (r.values.length !== 1)
            ctx.addIssue({
                code: "custom",
                path: ["values"],
                input: r.values,
                message: `must be exactly one node name with operator ${r.operator}, not ${r.values.length}`,
            });
        r.values.forEach((v, i) => {
            const why = dnsSubdomainProblem(v);
            if (why) ctx.addIssue({ code: "custom", path: ["values", i], input: v, message: `${why}; must be a node name (a DNS subdomain)` });
        });
    });
const nodeSelectorTerm = z.strictObject(
    {
        matchExpressions: z.array(nodeSelectorRequirement, { error: "must be a list of node selector requirements" }).optional(),
        matchFields: z.array(nodeFieldRequirement, { error: "must be a list of node field selector requirements" }).optional(),
    },
    { error: "must be a node selector term: {matchExpressions, matchFields}" },
);
const nodeAffinity = z.strictObject(
    {
        requiredDuringSchedulingIgnoredDuringExecution: z
            .strictObject(
                { nodeSelectorTerms: z.array(nodeSelectorTerm, { error: "must be a list of node selector terms" }) },
                { error: "must be a NodeSelector: {nodeSelectorTerms}" },
            )
            .superRefine((sel, ctx) => {
                if (sel.nodeSelectorTerms.length === 0)
                    ctx.addIssue({
                        code: "custom",
                        path: ["nodeSelectorTerms"],
                        input: sel.nodeSelectorTerms,
                        message: "must have at least one node selector term",
                    });
            })
            .optional(),
        preferredDuringSchedulingIgnoredDuringExecution: z
            .array(z.strictObject({ weight, preference: nodeSelectorTerm }, { error: "must be a preferred scheduling term: {weight, preference}" }), {
                error: "must be a list of preferred scheduling terms",
            })
            .optional(),
    },
    { error: "must be a Kubernetes NodeAffinity block: requiredDuringSchedulingIgnoredDuringExecution, preferredDuringSchedulingIgnoredDuringExecution" },
);

const LABEL_SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;
/** metav1.LabelSelector (ValidateLabelSelector, ValidateLabelSelectorRequirement). */
const labelSelector = z.strictObject(
    {
        matchLabels: keyValues("label: value pairs", labelValueProblem).optional(),
        matchExpressions: z
            .array(
                z
                    .strictObject(
                        {
                            key: labelName("a label key"),
                            operator: z.enum(LABEL_SELECTOR_OPERATORS, { error: `must be one of ${LABEL_SELECTOR_OPERATORS.join(", ")}` }),
                            values: z.array(labelValue, { error: "must be a list of label values" }).optional(),
                        },
                        { error: "must be a label selector requirement: {key, operator, values}" },
                    )
                    .superRefine((r, ctx) => {
                        const n = r.values?.length ?? 0;
                        if ((r.operator === "In" || r.operator === "NotIn") && n === 0)
                            ctx.addIssue({
                                code: "custom",
                                path: ["values"],
                                input: r.values,
                                message: `must be given when operator is ${r.operator} (at least one value)`,
                            });
                        if ((r.operator === "Exists" || r.operator === "DoesNotExist") && n > 0)
                            ctx.addIssue({ code: "custom", path: ["values"], input: r.values, message: `must be empty when operator is ${r.operator}` });
                    }),
                { error: "must be a list of label selector requirements" },
            )
            .optional(),
    },
    { error: "must be a label selector: {matchLabels, matchExpressions}" },
);
const podAffinityTerm = z
    .strictObject(
        {
            labelSelector: labelSelector.optional(),
            namespaceSelector: labelSelector.optional(),
            namespaces: z
                .array(
                    text.superRefine((ns, ctx) => {
                        const why = dnsLabelProblem(ns);
                        if (why) ctx.addIssue({ code: "custom", input: ns, message: `${why}; must be a namespace name (a DNS label)` });
                    }),
                    { error: "must be a list of namespace names" },
                )
                .optional(),
            topologyKey: labelName("a node label key such as kubernetes.io/hostname or topology.kubernetes.io/zone"),
            matchLabelKeys: z.array(labelName("a pod label key"), { error: "must be a list of pod label keys" }).optional(),
            mismatchLabelKeys: z.array(labelName("a pod label key"), { error: "must be a list of pod label keys" }).optional(),
        },
        { error: "must be a pod affinity term: {labelSelector, namespaceSelector, namespaces, topologyKey, matchLabelKeys, mismatchLabelKeys}" },
    )
    .superRefine((t, ctx) => {
        for (const field of ["matchLabelKeys", "mismatchLabelKeys"] as const) {
            if (t[field]?.length && !t.labelSelector)
                ctx.addIssue({ code: "custom", path: [field], input: t[field], message: "must not be given when labelSelector is not set" });
        }
        for (const [i, key] of (t.matchLabelKeys ?? []).entries()) {
            if (t.mismatchLabelKeys?.includes(key))
                ctx.addIssue({
                    code: "custom",
                    path: ["matchLabelKeys", i],
                    input: key,
                    message: `has ${JSON.stringify(key)}, which is also in mismatchLabelKeys; a key may be in only one`,
                });
        }
    });
const podAffinityBlock = (kind: string) =>
    z.strictObject(
        {
            requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm, { error: "must be a list of pod affinity terms" }).optional(),
            preferredDuringSchedulingIgnoredDuringExecution: z
                .array(z.strictObject({ weight, podAffinityTerm }, { error: "must be a weighted pod affinity term: {weight, podAffinityTerm}" }), {
                    error: "must be a list of weighted pod affinity terms",
                })
                .optional(),
        },
        { error: `must be a Kubernetes ${kind} block: requiredDuringSchedulingIgnoredDuringExecution, preferredDuringSchedulingIgnoredDuringExecution` },
    );

/** The affinity override: the Kubernetes Affinity object as written in a pod spec, checked as the API server checks it. */
const affinity = z.strictObject(
    {
        nodeAffinity: nodeAffinity.optional(),
        podAffinity: podAffinityBlock("PodAffinity").optional(),
        podAntiAffinity: podAffinityBlock("PodAntiAffinity").optional(),
    },
    { error: "must be a Kubernetes Affinity block: nodeAffinity, podAffinity, podAntiAffinity" },
);

/** `<app>.pod`: every field optional; the defaults change nothing in the rendered pods. */
export const podSettingsSchema = z
    .strictObject({
        imagePullSecrets: z
            .array(objectName, { error: "must be a list of Secret names" })
            .default([])
            .describe("names of existing pull Secrets (kubernetes.io/dockerconfigjson) in the namespace, on every pod of the app"),
        nodeSelector: keyValues("node label: value pairs", labelValueProblem)
            .default({})
            .describe("node labels every pod of the app requires; keys and values checked as Kubernetes label keys and values"),
        tolerations: z
            .array(toleration, { error: "must be a list of tolerations" })
            .default([])
            .describe(
                "tolerations of every pod of the app: `{key, operator: Equal or Exists, value, effect: NoSchedule, " +
                    "PreferNoSchedule or NoExecute, tolerationSeconds}`. `tolerationSeconds` below 0 is the program's refusal (Kubernetes treats it as 0, evict at once): write 0",
            ),
        affinity: affinity
            .optional()
            .describe(
                "a Kubernetes `affinity` block for every pod of the app, field by field: `nodeAffinity` is added, " +
                    "`podAntiAffinity` replaces the program's spreading over nodes, `podAffinity` is added. Checked as the API server checks it (kubernetes pkg/apis/core/validation): node selector terms (`In`/`NotIn` need values, `Exists`/`DoesNotExist` none, `Gt`/`Lt` one; `matchFields` only `metadata.name`), weights 1-100, pod affinity terms (a label-key `topologyKey`, label selectors, namespaces as DNS labels); a field the Kubernetes type does not have is refused",
            ),
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
            .default({})
            .describe(
                "extra labels of every pod of the app; the program's own `app.kubernetes.io/` name, component, instance, " +
                    "part-of and managed-by are refused (they select the pods)",
            ),
        annotations: keyValues("annotation: value pairs")
            .default({})
            .describe("extra annotations of every pod of the app; the program's own (`checksum/...`) win on the same key"),
    })
    .prefault({});

export type PodSettingsConfig = z.infer<typeof podSettingsSchema>;
