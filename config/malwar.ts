/** Malwar's part of the stack config. */
import { z } from "zod";
import { guaranteedResources, hostname, pinnedImage, quantity, replicas, uid } from "./primitives";

export const malwarSchema = z
    .strictObject({
        image: pinnedImage.default("ghcr.io/ap6pack/malwar:0.2.0"),
        replicas: replicas(50).default(1),
        resources: guaranteedResources("500m", "512Mi"),
        runAsUser: uid.default(1000),
        logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"], { error: "must be one of DEBUG, INFO, WARNING, ERROR" }).default("INFO"),
        autoMigrate: z.boolean({ error: "must be true or false" }).default(true),
        webhookUrls: z.array(z.url({ error: "must be an http(s) URL" })).default([]),
        corsOrigins: z.array(z.string()).default([]),
        storageSize: quantity("1Gi").default("1Gi"),
        storageClass: z.string().optional(),
        database: z
            .strictObject({
                backend: z.enum(["sqlite", "postgres"], { error: "must be 'sqlite' or 'postgres'" }).default("sqlite"),
                /** With postgres: give Malwar its own RDS instance (else set the secret malwarPostgresUrl). */
                rds: z.boolean({ error: "must be true or false" }).default(false),
            })
            .prefault({}),
        ingress: z
            .strictObject({
                enabled: z.boolean({ error: "must be true or false" }).default(false),
                className: z.string().default("nginx"),
                annotations: z.record(z.string(), z.string()).default({}),
                hosts: z.array(hostname).default([]),
                tlsSecretName: z.string().optional(),
            })
            .prefault({}),
        autoscaling: z
            .strictObject({
                enabled: z.boolean({ error: "must be true or false" }).default(false),
                minReplicas: replicas(50).default(1),
                maxReplicas: replicas(50).default(5),
                targetCPUUtilizationPercentage: z.int().min(1).max(100).default(80),
                targetMemoryUtilizationPercentage: z.int().min(1).max(100).default(80),
            })
            .prefault({}),
    })
    .prefault({})
    .superRefine((malwar, ctx) => {
        if (malwar.database.backend === "sqlite") {
            const why = "SQLite on a ReadWriteOnce volume allows one writer: set malwar.database.backend to 'postgres' first";
            if (malwar.replicas > 1) ctx.addIssue({ code: "custom", path: ["replicas"], input: malwar.replicas, message: `must be 0 or 1 while malwar.database.backend is 'sqlite' (${why})` });
            if (malwar.autoscaling.enabled) ctx.addIssue({ code: "custom", path: ["autoscaling", "enabled"], input: true, message: `must be false while malwar.database.backend is 'sqlite' (${why})` });
        }
        if (malwar.autoscaling.enabled && malwar.autoscaling.minReplicas > malwar.autoscaling.maxReplicas) {
            ctx.addIssue({ code: "custom", path: ["autoscaling", "minReplicas"], input: malwar.autoscaling.minReplicas, message: `must be <= autoscaling.maxReplicas (${malwar.autoscaling.maxReplicas})` });
        }
        if (malwar.ingress.enabled && malwar.ingress.hosts.length === 0) {
            ctx.addIssue({ code: "custom", path: ["ingress", "hosts"], input: [], message: "must list at least one host when ingress.enabled is true" });
        }
    });
