import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface GeneratedSecretArgs {
    length: number;
    /** Characters RDS and URLs accept without escaping: letters and digits only by default. */
    special?: boolean;
}

/**
 * A random secret kept in the stack state (encrypted) so it is stable across updates.
 * The value is an Output marked secret.
 */
export function generatedSecret(name: string, args: GeneratedSecretArgs, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    const password = new random.RandomPassword(name, { length: args.length, special: args.special ?? false }, opts);
    return pulumi.secret(password.result);
}

/** A random key as base64 of `bytes` random bytes (Clair's PSK format). */
export function generatedBase64Key(name: string, bytes: number, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    const key = new random.RandomBytes(name, { length: bytes }, opts);
    return pulumi.secret(key.base64);
}
