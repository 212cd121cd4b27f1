import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DatabaseNetworkArgs {
    /** VPC (vpc-...) the security group is created in: the VPC of the cluster and of subnetIds. */
    vpcId: string;
    /** Private subnets (subnet-...) of the DB subnet group the RDS instances are placed in. */
    subnetIds: string[];
    /** Cluster node/pod CIDRs admitted on 5432. */
    allowedCidrs: string[];
    /** Security groups (e.g. the cluster's node group) admitted on 5432. */
    allowedSecurityGroupIds: string[];
    /** AWS tags on the subnet group, the security group and each ingress rule. */
    tags: Record<string, string>;
}

/** The subnet group and security group the platform's RDS instances share. */
export class DatabaseNetwork extends pulumi.ComponentResource {
    readonly subnetGroupName: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;

    constructor(name: string, args: DatabaseNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scanning:aws:DatabaseNetwork", name, {}, opts);

        const subnetGroup = new aws.rds.SubnetGroup(
            name,
            {
                description: "Private subnets for the security-scanning databases",
                subnetIds: args.subnetIds,
                tags: args.tags,
            },
            { parent: this },
        );

        const securityGroup = new aws.ec2.SecurityGroup(
            name,
            {
                description: "PostgreSQL from the Kubernetes cluster only",
                vpcId: args.vpcId,
                tags: args.tags,
            },
            { parent: this },
        );

        // Ingress rules are separate resources so that adding a CIDR does not replace the group.
        args.allowedCidrs.forEach(
            (cidr, i) =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-cidr-${i}`,
                    {
                        securityGroupId: securityGroup.id,
                        description: `PostgreSQL from ${cidr}`,
                        ipProtocol: "tcp",
                        fromPort: 5432,
                        toPort: 5432,
                        cidrIpv4: cidr,
                        tags: args.tags,
                    },
                    { parent: this },
                ),
        );
        args.allowedSecurityGroupIds.forEach(
            (sg, i) =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-sg-${i}`,
                    {
                        securityGroupId: securityGroup.id,
                        description: `PostgreSQL from ${sg}`,
                        ipProtocol: "tcp",
                        fromPort: 5432,
                        toPort: 5432,
                        referencedSecurityGroupId: sg,
                        tags: args.tags,
                    },
                    { parent: this },
                ),
        );

        this.subnetGroupName = subnetGroup.name;
        this.securityGroupId = securityGroup.id;
        this.registerOutputs({ subnetGroupName: this.subnetGroupName, securityGroupId: this.securityGroupId });
    }
}
