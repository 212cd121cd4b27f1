import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "./shared/labels";

export interface PlatformNamespaceArgs {
    /** The namespace of every object. */
    name: string;
    /** Create it (and keep it on destroy), or use one that exists. */
    create: boolean;
}

/**
 * The platform's namespace. Kept on `pulumi destroy` (retainOnDelete): deleting it would delete
 * Malwar's retained claim with it. Give it a provider that adopts existing objects
 * (upsertExistingObjects) so the next `up` takes the kept namespace over again.
 */
export class PlatformNamespace extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: PlatformNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:kubernetes:Namespace", name, {}, opts);
        this.name = args.create
            ? new k8s.core.v1.Namespace(
                  name,
                  {
                      metadata: { name: args.name, labels: platformLabels() },
                  },
                  { parent: this, retainOnDelete: true, aliases: [{ name, parent: pulumi.rootStackResource }] },
              ).metadata.name
            : pulumi.output(args.name);
        this.registerOutputs({ name: this.name });
    }
}
