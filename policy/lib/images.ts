/**
 * The one rule for a pinned container image, shared by the pinned-images policy and the
 * program (config validation, the digest exemption): a digest, or a tag other than `latest`.
 * References are read by the kubelet's own rule (./image-reference.ts); one it would refuse
 * pins nothing.
 */
import { parseImageReference } from "./image-reference";

export type ImagePinning =
    | { pinned: true; by: "digest" | "tag"; why?: undefined }
    /** latest: names a tag, but the moving one; unpinned: no tag and no digest, or no image reference at all. */
    | { pinned: false; why: "latest" | "unpinned"; by?: undefined };

/** How `image` is pinned, or why it is not. Anything but a string the kubelet pulls is unpinned. */
export function imagePinning(image: unknown): ImagePinning {
    if (typeof image !== "string") return { pinned: false, why: "unpinned" };
    const ref = parseImageReference(image);
    if (typeof ref === "string") return { pinned: false, why: "unpinned" };
    if (ref.digest !== undefined) return { pinned: true, by: "digest" };
    if (ref.tag === undefined) return { pinned: false, why: "unpinned" };
    if (ref.tag === "latest") return { pinned: false, why: "latest" };
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
