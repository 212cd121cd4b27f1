import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * A sha256 of a (possibly secret) document, for a pod-template annotation that rolls the pods
 * when the document changes. The digest reveals nothing of generated secrets, so it is
 * unsecreted: a secret annotation would hide the whole pod template in every diff.
 */
export function checksum(document: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.output(document).apply((text) => createHash("sha256").update(text).digest("hex")));
}
