/**
 * The one rule for a pinned container image, shared by the pinned-images policy and the
 * program (config validation, the digest exemption): a digest, or a tag other than `latest`.
 */

/** `@sha256:` and 64 hex digits at the end: the image is pinned to its exact bits. */
const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** A tag as the distribution reference grammar allows it: a word character, then up to 127 of [\w.-]. */
const TAG = /^[\w][\w.-]{0,127}$/;

export type ImagePinning =
    | { pinned: true; by: "digest" | "tag"; why?: undefined }
    /** latest: names a tag, but the moving one; unpinned: no tag (or a malformed one) and no digest. */
    | { pinned: false; why: "latest" | "unpinned"; by?: undefined };

/** How `image` is pinned, or why it is not. Anything but a non-empty string is unpinned. */
export function imagePinning(image: unknown): ImagePinning {
    if (typeof image !== "string" || image === "") return { pinned: false, why: "unpinned" };
    if (DIGEST.test(image)) return { pinned: true, by: "digest" };
    // The tag follows the last colon of the last path segment (a registry's port is in an earlier one).
    const lastSegment = image.split("/").pop() ?? "";
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return { pinned: false, why: "unpinned" };
    const tag = lastSegment.slice(colon + 1);
    if (!TAG.test(tag)) return { pinned: false, why: "unpinned" };
    if (tag === "latest") return { pinned: false, why: "latest" };
    return { pinned: true, by: "tag" };
}

/** True for name:tag (tag other than latest) or name@sha256:digest. */
export function isPinned(image: unknown): boolean {
    return imagePinning(image).pinned;
}

/** True for name@sha256:digest (with or without a tag before it). */
export function isDigestPinned(image: unknown): boolean {
    const pinning = imagePinning(image);
    return pinning.pinned && pinning.by === "digest";
}
