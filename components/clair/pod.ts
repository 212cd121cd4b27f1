/**
 * The pod shape shared by the three Clair node types: one image, one mounted config file,
 * CLAIR_MODE picking the role, probes on the introspection port.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AutoscalingRange } from "../shared/autoscaling";
import type { AppIdentity } from "../shared/labels";
import { httpProbe } from "../shared/probes";
import type { GuaranteedResources } from "../../lib/resources";
import { CLAIR_TRUSTED_CA_FILE, trustedCaProjection, type TrustedCa } from "../shared/trusted-ca";
import type { ClairMode } from "../../lib/clair-pools";
import {
    perPodClaimVolume,
    podTemplate,
    podVolume,
    type ContainerDeclaration,
    type PodPlacement,
    type PodTemplate,
    type PodVolume,
    type WorkloadPlacement,
} from "../shared/workload";

export const HTTP_PORT = 8080;
export const INTROSPECTION_PORT = 8089;
export const CONFIG_DIR = "/etc/clair";
export const CONFIG_FILE = "config.yaml";
/** The dedicated updater pod's config file, beside CONFIG_FILE in the same Secret. */
export const UPDATER_CONFIG_FILE = "updater.yaml";
/** Clair's image puts this directory on SSL_CERT_DIR: a CA bundle mounted here is trusted. */
export const CA_DIR = "/var/run/certs";
export const CA_FILE = "database-ca.pem";
/**
 * Where the indexer sees Red Hat's mapping files in disconnected mode: its own directory, since
 * CONFIG_DIR is the config Secret's mount.
 */
export const RHEL_MAPPINGS_DIR = "/etc/clair-rhel-mappings";
/** Layer downloads go to TMPDIR. */
export const SCRATCH_DIR = "/var/tmp";

/** What every Clair pod needs, whatever its node type. */
export interface ClairPodBase extends PodPlacement {
    image: string;
    resources: GuaranteedResources;
    /** Numeric uid (and gid, fsGroup). */
    runAsUser: number;
    /** The Secret holding the one config file. */
    configSecretName: pulumi.Input<string>;
    /** The ConfigMap with the database CA, when one is configured. */
    caConfigMapName?: pulumi.Input<string>;
    /** The trusted CA bundle for outbound TLS (config trustedCA), added to CA_DIR. */
    trustedCa?: TrustedCa;
    /**
     * How long the startup probe waits for /readyz before liveness takes over, in minutes: a
     * first start runs the migrations (on a large database, and the matcher's first
     * vulnerability load), which can take most of an hour (config clair.startupMinutes).
     */
    startupMinutes: number;
    /** Added to the Clair container's environment: the egress proxy's variables. */
    extraEnv?: k8s.types.input.core.v1.EnvVar[];
}

/** Red Hat's two mapping files for the RHEL scanners: an existing ConfigMap and the key of each. */
export interface RhelMappings {
    configMap: string;
    repo2cpeKey: string;
    name2reposKey: string;
}

/** The paths the indexer's config names: one file per ConfigMap key, under RHEL_MAPPINGS_DIR. */
export function rhelMappingFiles(mappings: RhelMappings): { repo2cpe: string; name2repos: string } {
    return { repo2cpe: `${RHEL_MAPPINGS_DIR}/${mappings.repo2cpeKey}`, name2repos: `${RHEL_MAPPINGS_DIR}/${mappings.name2reposKey}` };
}

/**
 * The mapping files' volume. The two keys are listed as items, not left optional: a ConfigMap or
 * key that is missing keeps the pod from starting (the kubelet names it in the pod's events),
 * where a missing file would only make claircore drop the scanner with a log line, and Red Hat
 * images would be indexed without their repository CPEs, with no error.
 */
export function rhelMappingsVolume(mappings: RhelMappings): PodVolume {
    return podVolume("rhel-mappings", {
        configMap: { name: mappings.configMap, items: [mappings.repo2cpeKey, mappings.name2reposKey].map((key) => ({ key, path: key })) },
    });
}

export interface ClairPodArgs extends ClairPodBase {
    /** The node type the container runs as (its CLAIR_MODE), and the labels its pods spread by unless identity is set. */
    mode: ClairMode;
    /** The file in the config Secret this pod reads (CONFIG_FILE unless set). */
    configFile?: string;
    /** Labels the pods spread by, when they are not the node type's own (the dedicated updater's). */
    identity?: AppIdentity;
    /** Layer scratch space at /var/tmp: the indexer's is a per-pod claim of this size, the others' an emptyDir. */
    scratchClaimSize?: string;
    /** Disconnected mode, the indexer: Red Hat's mapping files mounted read-only at RHEL_MAPPINGS_DIR. */
    rhelMappings?: RhelMappings;
}

/** A Clair workload: its pods plus how many, where, and the annotations it carries. */
export interface ClairWorkloadArgs extends ClairPodBase, WorkloadPlacement {
    /** Pods; with `autoscaling`, the count the workload starts at. */
    replicas: number;
    /** A HorizontalPodAutoscaler owns the replica count between these bounds; a fixed count when absent. */
    autoscaling?: AutoscalingRange;
    /** Pod-template annotations: the config checksum. */
    podAnnotations: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Workload annotations: the database and pool size (read by the policy pack). */
    annotations: Record<string, string>;
    /** Resources that must complete before the workload object changes: the pre-upgrade Job. */
    after?: pulumi.Resource[];
}

/** Writable layer and logs of a Clair container; layers go to the scratch volume. */
export const CLAIR_EPHEMERAL_STORAGE = "1Gi";

export const clairIdentity = (mode: ClairMode): AppIdentity => ({ name: "clair", component: mode, partOf: "clair" });

export const SCRATCH_VOLUME = "layers";

/**
 * The volume at CA_DIR, which the image's SSL_CERT_DIR lists: the database CA alone as before, or
 * with a trusted CA bundle both files in one projected volume (one directory, two files; Go reads
 * every file there on top of the image's own roots).
 */
export function certsVolume(databaseCaConfigMap?: pulumi.Input<string>, trustedCa?: TrustedCa): PodVolume | undefined {
    if (!trustedCa) return databaseCaConfigMap ? podVolume("database-ca", { configMap: { name: databaseCaConfigMap } }) : undefined;
    return podVolume("certs", {
        projected: {
            sources: [...(databaseCaConfigMap ? [{ configMap: { name: databaseCaConfigMap } }] : []), trustedCaProjection(trustedCa, CLAIR_TRUSTED_CA_FILE)],
        },
    });
}

/** The startup probe's failureThreshold that covers `minutes` at one try every `periodSeconds`. */
export function startupFailureThreshold(minutes: number, periodSeconds: number): number {
    return Math.ceil((minutes * 60) / periodSeconds);
}

/**
 * The pod of one Clair node type, declared once: the Clair container, its volumes and, on the
 * indexer, an init container that empties the scratch claim a crashed pod may have left full.
 */
export function clairPod(args: ClairPodArgs): PodTemplate {
    const runAs = { user: args.runAsUser, group: args.runAsUser };
    const config = podVolume("config", { secret: { secretName: args.configSecretName } });
    const tmp = podVolume("tmp", { emptyDir: { sizeLimit: "1Gi" } });
    const scratch = args.scratchClaimSize
        ? perPodClaimVolume(SCRATCH_VOLUME, args.scratchClaimSize)
        : podVolume(SCRATCH_VOLUME, { emptyDir: { sizeLimit: "1Gi" } });
    const certs = certsVolume(args.caConfigMapName, args.trustedCa);
    const mappings = args.rhelMappings ? rhelMappingsVolume(args.rhelMappings) : undefined;
    const probeTiming = { timeoutSeconds: 5, periodSeconds: 10, failureThreshold: 3 };
    const shape = { resources: args.resources, ephemeralStorage: CLAIR_EPHEMERAL_STORAGE };

    const cleanScratch: ContainerDeclaration = {
        name: "clean-scratch",
        image: args.image,
        command: ["/bin/sh", "-c", `rm -rf ${SCRATCH_DIR}/* ${SCRATCH_DIR}/.[!.]* 2>/dev/null; exit 0`],
        mounts: [scratch.mount(SCRATCH_DIR)],
        ...shape,
    };
    const clair: ContainerDeclaration = {
        name: "clair",
        image: args.image,
        env: [
            { name: "CLAIR_CONF", value: `${CONFIG_DIR}/${args.configFile ?? CONFIG_FILE}` },
            { name: "CLAIR_MODE", value: args.mode },
            { name: "TMPDIR", value: SCRATCH_DIR },
            ...(args.extraEnv ?? []),
        ],
        ports: [
            { name: "http", containerPort: HTTP_PORT },
            { name: "introspection", containerPort: INTROSPECTION_PORT },
        ],
        // Migrations on a fresh or large database (the matcher's first vulnerability load) run
        // before /readyz answers: the probe tries every periodSeconds for startupMinutes before
        // liveness takes over (50 by default: Quay's operator allows 300 x 10 s, see
        // CLAIR_STARTUP_MINUTES_DEFAULT in config/clair.ts).
        startupProbe: httpProbe("/readyz", "introspection", {
            ...probeTiming,
            failureThreshold: startupFailureThreshold(args.startupMinutes, probeTiming.periodSeconds),
        }),
        readinessProbe: httpProbe("/readyz", "introspection", probeTiming),
        livenessProbe: httpProbe("/healthz", "introspection", { ...probeTiming, periodSeconds: 30 }),
        mounts: [
            config.mount(CONFIG_DIR, { readOnly: true }),
            scratch.mount(SCRATCH_DIR),
            tmp.mount("/tmp"),
            ...(certs ? [certs.mount(CA_DIR, { readOnly: true })] : []),
            ...(mappings ? [mappings.mount(RHEL_MAPPINGS_DIR, { readOnly: true })] : []),
        ],
        ...shape,
    };
    return podTemplate({
        runAs,
        fsGroup: args.runAsUser,
        terminationGracePeriodSeconds: 60,
        placement: args,
        spread: args.identity ?? clairIdentity(args.mode),
        ...(args.scratchClaimSize ? { initContainers: [cleanScratch] } : {}),
        containers: [clair],
        volumes: [config, tmp, scratch, ...(certs ? [certs] : []), ...(mappings ? [mappings] : [])],
    });
}
