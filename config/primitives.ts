/**
 * The building blocks of the stack config schema: each one names what it accepts in its error,
 * so a bad value fails `pulumi preview` with the key, the value and what is allowed.
 */
import { z } from "zod";
import { imagePinning } from "../policy/lib/images";
import { isQuantity, quantitiesEqual } from "../lib/quantity";

export const quantity = (example: string) =>
    z
        .union([z.string(), z.number()])
        .transform(String)
        .refine(isQuantity, {
            error: `must be a Kubernetes quantity such as ${example} (a number with an optional suffix m, k, M, G, Ki, Mi, Gi, Ti or an exponent e3)`,
        });

export const replicas = (max: number) =>
    z.int({ error: "must be a whole number" }).min(0, { error: "must be >= 0" }).max(max, { error: `must be <= ${max}` });

export const nonEmpty = z.string().min(1, { error: "must not be empty" });

/** Pinned image reference: a tag other than `latest`, or a digest (the policy pack's own rule). */
export const pinnedImage = z.string().refine((ref) => imagePinning(ref).pinned || imagePinning(ref).why === "latest", {
    error: "must pin a version: name:tag or name@sha256:digest",
}).refine((ref) => imagePinning(ref).why !== "latest", { error: "must not use the moving tag 'latest'" });

/**
 * Container resources. Every container runs with Guaranteed QoS, so requests must equal limits
 * (compared by value: "2" equals "2000m").
 */
export const guaranteedResources = (cpu: string, memory: string) =>
    z
        .strictObject({
            requests: z.strictObject({ cpu: quantity("2 or 500m").default(cpu), memory: quantity("2Gi or 512Mi").default(memory) }).prefault({}),
            limits: z.strictObject({ cpu: quantity("2 or 500m").default(cpu), memory: quantity("2Gi or 512Mi").default(memory) }).prefault({}),
        })
        .prefault({})
        .superRefine((value, ctx) => {
            for (const kind of ["cpu", "memory"] as const) {
                const request = value.requests[kind];
                const limit = value.limits[kind];
                if (isQuantity(request) && isQuantity(limit) && !quantitiesEqual(request, limit)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["requests", kind],
                        input: request,
                        message: `differs from limits.${kind} ${JSON.stringify(limit)}: requests must equal limits (Guaranteed QoS)`,
                    });
                }
            }
        })
        .transform((value) => ({ cpu: value.limits.cpu, memory: value.limits.memory }));

export const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR such as 10.0.0.0/16" });
const durationPattern = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
export const goDuration = z.string().regex(durationPattern, { error: "must be a Go duration such as 6h, 30m or 90s" });
export const cronSchedule = z.string().regex(/^(\S+\s+){4}\S+$/, { error: "must be a five-field cron schedule such as '0 */6 * * *'" });
export const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "must be a DNS label (lower-case letters, digits and '-', at most 63 characters)" });
export const hostname = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "must be a DNS host name such as clair.example.com" });
export const backupWindow = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, { error: "must be a UTC window hh:mm-hh:mm such as 03:00-04:00" });
export const maintenanceWindow = z.string().regex(/^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/, {
    error: "must be a UTC window ddd:hh:mm-ddd:hh:mm such as sun:05:00-sun:06:00",
});
export const uid = z.int({ error: "must be a whole number" }).min(1, { error: "must be >= 1 (non-root)" });
