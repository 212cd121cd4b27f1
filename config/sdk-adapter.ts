/**
 * The one place the program reaches into @pulumi/pulumi beyond its public API: whether a config
 * key was set with `--secret`. No public API tells (pulumi.Config.getSecret wraps any value as
 * secret), and the program must refuse a secret given in plaintext. Checked against
 * @pulumi/pulumi 3.270.0; test/sdk-adapter.test.ts fails if a later SDK moves it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module the typings do not declare
const runtimeConfig: { isConfigSecret?: (key: string) => boolean } = require("@pulumi/pulumi/runtime/config");

export function isConfigSecret(fullKey: string): boolean {
    if (typeof runtimeConfig.isConfigSecret !== "function") {
        throw new Error("@pulumi/pulumi no longer exports runtime/config isConfigSecret: update config/sdk-adapter.ts for this SDK version");
    }
    return runtimeConfig.isConfigSecret(fullKey);
}
