/**
 * A trusted CA bundle (config `trustedCA`) where each updater reads it, added to what the image
 * already trusts wherever the client allows:
 *
 * - Clair (Go): the image sets SSL_CERT_DIR="/etc/ssl/certs:/etc/pki/tls/certs:/var/run/certs"
 *   (quay/clair Dockerfile at v4.8.0), and Go's crypto/x509 reads every file of every listed
 *   directory on top of the system bundle. A file in /var/run/certs adds roots; public trust stays.
 *   Go loads the roots once per process: a changed bundle reaches Clair at its next restart.
 * - freshclam (libcurl): CURL_CA_BUNDLE becomes CURLOPT_CAINFO (ClamAV 1.4
 *   common/linux/cert_util_linux.c set_tls_ca_bundle, called for every curl handle in
 *   libfreshclam_internal.c), which REPLACES the CA file libcurl would use: the bundle must be
 *   complete (public roots plus the inspecting CA), as OpenShift's injected one is. freshclam makes a
 *   handle per request, so a changed bundle is read at the next download.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { podVolume, type PodVolume, type VolumeMountOf } from "./workload";

/** A PEM bundle in a ConfigMap of the platform's namespace. */
export interface TrustedCa {
    configMapName: pulumi.Input<string>;
    /** The data key holding the bundle (OpenShift: ca-bundle.crt). */
    key: string;
}

/** The file name the bundle gets in Clair's certificate directory (beside the database CA, if any). */
export const CLAIR_TRUSTED_CA_FILE = "trusted-ca-bundle.pem";

/** Where freshclam's containers see the bundle, and CURL_CA_BUNDLE's value. */
export const FRESHCLAM_CA_DIR = "/var/run/trusted-ca";
export const FRESHCLAM_CA_FILE = "ca-bundle.crt";
export const FRESHCLAM_CA_BUNDLE = `${FRESHCLAM_CA_DIR}/${FRESHCLAM_CA_FILE}`;

/**
 * The bundle as one source of a projected volume, under `fileName`. Not optional: until the key
 * exists (OpenShift fills it shortly after the ConfigMap is created) the pod waits in
 * ContainerCreating instead of starting without the CA, which Clair would then never load.
 */
export function trustedCaProjection(ca: TrustedCa, fileName: string): k8s.types.input.core.v1.VolumeProjection {
    return { configMap: { name: ca.configMapName, items: [{ key: ca.key, path: fileName }] } };
}

/** What a freshclam container adds: the bundle's volume, its mount and CURL_CA_BUNDLE. */
export interface FreshclamTrustedCa {
    volume: PodVolume;
    mount: VolumeMountOf;
    env: k8s.types.input.core.v1.EnvVar[];
}

export function freshclamTrustedCa(ca: TrustedCa): FreshclamTrustedCa {
    const volume = podVolume("trusted-ca", { configMap: { name: ca.configMapName, items: [{ key: ca.key, path: FRESHCLAM_CA_FILE }] } });
    return { volume, mount: volume.mount(FRESHCLAM_CA_DIR, { readOnly: true }), env: [{ name: "CURL_CA_BUNDLE", value: FRESHCLAM_CA_BUNDLE }] };
}

/**
 * Whether freshclam fetching from `source` speaks TLS: the CDN (no source: https://database.clamav.net,
 * freshclam's default scheme) or an https:// mirror. Plain http (the in-cluster mirror) needs no CA.
 */
export function freshclamUsesTls(source: string | undefined): boolean {
    return source === undefined || new URL(source).protocol === "https:";
}
