/** ClamAV's part of the stack config. */
import { z } from "zod";
import { autoscalingIssues, autoscalingSchema } from "./autoscaling";
import { podSettingsSchema } from "./pod";
import { MAX_CHECKS_PER_DAY } from "../lib/clamav-conf";
import { belowFloor, bool, cronSchedule, dnsLabel, guaranteedResources, objectName, pinnedImage, quantity, replicas, uid, url } from "./primitives";

/**
 * clamd holds the whole signature set in memory: ClamAV's documentation asks for at least
 * 3 GiB with the full set (4 GiB preferred); below that it is killed while loading it.
 */
export const CLAMD_MEMORY_MINIMUM = "3Gi";

export const clamavSchema = z
    .strictObject({
        image: pinnedImage.default("clamav/clamav:1.4.3"),
        replicas: replicas(50).default(2),
        autoscaling: autoscalingSchema(50),
        resources: guaranteedResources("1", "4Gi"),
        /** Lets clamd's memory go below CLAMD_MEMORY_MINIMUM: for pods that never load the signatures (kwok's fake pods). */
        allowBelowMinimumMemory: bool.default(false),
        updaterResources: guaranteedResources("500m", "1Gi"),
        runAsUser: uid.default(100),
        runAsGroup: uid.default(101),
        /** A private signature mirror (ClamAV advises one beyond about 10 hosts). */
        privateMirror: url(["http", "https"], "https://clamav-mirror.example.com").optional(),
        /**
         * The in-cluster signature mirror: clamd pods fetch from it, not from the CDN, and the
         * refresh restarts clamd only when it holds newer signatures.
         */
        mirror: z
            .strictObject({
                enabled: bool.default(true),
                /** "internet": freshclam updates it from the CDN (or privateMirror); "none": disconnected, seeded by hand. */
                upstream: z.enum(["internet", "none"], { error: 'must be "internet" or "none"' }).default("internet"),
                checksPerDay: z
                    .int({ error: "must be a whole number" })
                    .min(1, { error: "must be at least 1" })
                    .max(MAX_CHECKS_PER_DAY, { error: `must be at most ${MAX_CHECKS_PER_DAY}: ClamAV asks mirrors to check at most once an hour` })
                    .default(12),
                // main + daily + bytecode take about 0.4 GiB; freshclam needs room for a second copy while it patches.
                storageSize: quantity("bytes", "2Gi").default("2Gi"),
                storageClass: objectName.optional(),
                serverImage: pinnedImage.default("nginx:1.28.0-alpine"),
                updaterResources: guaranteedResources("500m", "1Gi"),
                serverResources: guaranteedResources("100m", "128Mi"),
            })
            .prefault({}),
        refresh: z
            .strictObject({
                // A CronJob's name is at most 52 characters: its Jobs append an 11-character suffix.
                name: dnsLabel(52).default("refresh-clamav-db"),
                schedule: cronSchedule.default("0 */6 * * *"),
                image: pinnedImage.default("registry.k8s.io/kubectl:v1.33.5"),
                resources: guaranteedResources("100m", "128Mi"),
            })
            .prefault({}),
        /** The Prometheus exporter sidecar (with monitoring.podMonitors): clamd's STATS on 3310 as metrics on 9906. */
        exporter: z
            .strictObject({
                image: pinnedImage.default("sergeymakinen/clamav_exporter:v2.1.4"),
                resources: guaranteedResources("100m", "128Mi"),
            })
            .prefault({}),
        /** Cluster fit: pull secrets, node selection, tolerations, affinity, extra pod labels and annotations (config/pod.ts). */
        pod: podSettingsSchema,
    })
    .prefault({})
    .superRefine((clamav, ctx) => {
        autoscalingIssues("clamav", clamav.replicas, clamav.autoscaling, ["autoscaling"], ctx);
        if (!clamav.allowBelowMinimumMemory && belowFloor(clamav.resources.memory, CLAMD_MEMORY_MINIMUM)) {
            ctx.addIssue({
                code: "custom",
                path: ["resources", "limits", "memory"],
                input: clamav.resources.memory,
                message:
                    `is below ${CLAMD_MEMORY_MINIMUM}, the memory clamd needs to load the full signature set (ClamAV's documentation: 3 GiB minimum, 4 GiB preferred); ` +
                    "give it more, or set clamav.allowBelowMinimumMemory: true where clamd never loads the signatures (fake or test pods)",
            });
        }
    });
