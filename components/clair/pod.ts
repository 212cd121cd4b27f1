/**
 * The pod shape shared by the three Clair node types: one image, one mounted config file,
 * CLAIR_MODE picking the role, probes on the introspection port.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { GuaranteedResources } from "../../lib/config";
import { container } from "../shared/container";
import type { AppIdentity } from "../shared/labels";
import { httpProbe } from "../shared/probes";
import { spreadAcrossNodesAndZones } from "../shared/scheduling";
import { podSecurityContext } from "../shared/security";

export const HTTP_PORT = 8080;
export const INTROSPECTION_PORT = 8089;
export const CONFIG_DIR = "/etc/clair";
export const CONFIG_FILE = "config.yaml";
/** Clair's image puts this directory on SSL_CERT_DIR: a CA bundle mounted here is trusted. */
export const CA_DIR = "/var/run/certs";
export const CA_FILE = "database-ca.pem";
/** Layer downloads go to TMPDIR. */
export const SCRATCH_DIR = "/var/tmp";

export type { ClairMode } from "../../lib/clair-config";
import type { ClairMode } from "../../lib/clair-config";

export interface ClairPodArgs {
    mode: ClairMode;
    image: string;
    resources: GuaranteedResources;
    runAsUser: number;
    configSecretName: pulumi.Input<string>;
    caConfigMapName?: pulumi.Input<string>;
    /** Volume mounted at /var/tmp; the indexer's is a claim from its volumeClaimTemplate. */
    scratchVolume: "claim" | "emptyDir";
    initContainers?: k8s.types.input.core.v1.Container[];
    priorityClassName?: string;
}

/** Writable layer and logs of a Clair container; layers go to the scratch volume. */
export const CLAIR_EPHEMERAL_STORAGE = "1Gi";

export const clairIdentity = (mode: ClairMode): AppIdentity => ({ name: "clair", component: mode, partOf: "clair" });

export const SCRATCH_VOLUME = "layers";

export function clairContainer(args: ClairPodArgs): k8s.types.input.core.v1.Container {
    const probeTiming = { timeoutSeconds: 5, periodSeconds: 10, failureThreshold: 3 };
    return container({
        name: "clair",
        image: args.image,
        env: [
            { name: "CLAIR_CONF", value: `${CONFIG_DIR}/${CONFIG_FILE}` },
            { name: "CLAIR_MODE", value: args.mode },
            { name: "TMPDIR", value: SCRATCH_DIR },
        ],
        ports: [
            { name: "http", containerPort: HTTP_PORT },
            { name: "introspection", containerPort: INTROSPECTION_PORT },
        ],
        // Migrations on a fresh database (the matcher's first vulnerability load) take minutes:
        // the startup probe allows 10 minutes before liveness takes over.
        startupProbe: httpProbe("/readyz", "introspection", { ...probeTiming, failureThreshold: 60 }),
        readinessProbe: httpProbe("/readyz", "introspection", probeTiming),
        livenessProbe: httpProbe("/healthz", "introspection", { ...probeTiming, periodSeconds: 30 }),
        volumeMounts: [
            { name: "config", mountPath: CONFIG_DIR, readOnly: true },
            { name: SCRATCH_VOLUME, mountPath: SCRATCH_DIR },
            { name: "tmp", mountPath: "/tmp" },
            ...(args.caConfigMapName ? [{ name: "database-ca", mountPath: CA_DIR, readOnly: true }] : []),
        ],
    }, { resources: args.resources, ephemeralStorage: CLAIR_EPHEMERAL_STORAGE, runAs: { user: args.runAsUser, group: args.runAsUser } });
}

export function clairPodSpec(args: ClairPodArgs): k8s.types.input.core.v1.PodSpec {
    return {
        automountServiceAccountToken: false,
        securityContext: podSecurityContext({ user: args.runAsUser, group: args.runAsUser }, args.runAsUser),
        terminationGracePeriodSeconds: 60,
        ...(args.priorityClassName ? { priorityClassName: args.priorityClassName } : {}),
        ...spreadAcrossNodesAndZones(clairIdentity(args.mode)),
        ...(args.initContainers ? { initContainers: args.initContainers } : {}),
        containers: [clairContainer(args)],
        volumes: [
            { name: "config", secret: { secretName: args.configSecretName } },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            ...(args.scratchVolume === "emptyDir" ? [{ name: SCRATCH_VOLUME, emptyDir: { sizeLimit: "1Gi" } }] : []),
            ...(args.caConfigMapName ? [{ name: "database-ca", configMap: { name: args.caConfigMapName } }] : []),
        ],
    };
}
