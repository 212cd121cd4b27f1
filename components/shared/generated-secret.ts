import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface GeneratedSecretArgs {
    /** Number of characters of the secret (RandomPassword length), e.g. 40 for an RDS master password. */
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

/**
 * A random key in base64, the form of Clair's PSK: the base64 of `characters` random letters and
 * digits (about 5.95 bits each, so 64 give 381 bits). Not random.RandomBytes: pulumi-random makes
 * that resource's base64 value its ID, and IDs are stored in plaintext in the state.
 */
export function generatedBase64Key(name: string, characters: number, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    const material = new random.RandomPassword(name, { length: characters, special: false }, opts);
    return pulumi.secret(material.result.apply((text) => Buffer.from(text, "utf8").toString("base64")));
}
