/**
 * docs/deployer-iam-policy.json, the permissions `pulumi up` needs in AWS: every aws: resource
 * type the program registers on any stack is covered, each with the actions its provider calls to
 * create, read, update, tag and delete it.
 *
 * The actions per type are written here, not read from the document: the API calls each
 * pulumi-aws resource makes (it is the Terraform AWS provider underneath), named as IAM actions by
 * AWS's Service Authorization Reference and the S3 API reference's "Permissions" notes (e.g.
 * DeletePublicAccessBlock is authorised as s3:PutBucketPublicAccessBlock, HeadBucket as
 * s3:ListBucket, tags on create need the tagging action too).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { listStacks, runProgram, type MockResource, type MockRun } from "../tools/mock-run";

const POLICY_FILE = path.join(__dirname, "..", "docs", "deployer-iam-policy.json");

/** The resource an action is authorised on: an ARN, or "*" for any (names set in stack config). */
type Target = (resource: MockResource, run: MockRun) => string;

const ANY: Target = () => "*";
/** The bucket a bucket setting belongs to: its ARN as the (mock) provider reports it. */
const bucketArn: Target = (_r, run) => {
    const buckets = run.resources.filter((x) => x.type === "aws:s3/bucket:Bucket");
    assert.equal(buckets.length, 1, "one bucket: the setting belongs to it");
    return buckets[0].state.arn;
};
const roleArn: Target = (r, run) => {
    const role = r.type === "aws:iam/role:Role" ? r : run.resources.find((x) => x.type === "aws:iam/role:Role");
    assert.ok(role, "the role the inline policy belongs to");
    return role.state.arn;
};

const RDS_TAGS = ["rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"];
const EC2_TAGS = ["ec2:CreateTags", "ec2:DeleteTags"];

/** type -> the IAM actions its create, read, update, tag and delete call, and on what. */
const REQUIRED: Record<string, { actions: string[]; on: Target }> = {
    "aws:rds/instance:Instance": {
        actions: [
            "rds:CreateDBInstance",
            "rds:DescribeDBInstances",
            "rds:ModifyDBInstance",
            "rds:DeleteDBInstance",
            // DeleteDBInstance with a FinalDBSnapshotIdentifier (deletionProtection stacks).
            "rds:CreateDBSnapshot",
            // The provider waits for the automated backups to go after a delete.
            "rds:DescribeDBInstanceAutomatedBackups",
            ...RDS_TAGS,
        ],
        on: ANY,
    },
    "aws:rds/subnetGroup:SubnetGroup": {
        actions: ["rds:CreateDBSubnetGroup", "rds:DescribeDBSubnetGroups", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup", ...RDS_TAGS],
        on: ANY,
    },
    "aws:rds/parameterGroup:ParameterGroup": {
        actions: [
            "rds:CreateDBParameterGroup",
            "rds:DescribeDBParameterGroups",
            "rds:DescribeDBParameters",
            "rds:ModifyDBParameterGroup",
            // A parameter removed from the group is reset to the family's default.
            "rds:ResetDBParameterGroup",
            "rds:DeleteDBParameterGroup",
            ...RDS_TAGS,
        ],
        on: ANY,
    },
    "aws:ec2/securityGroup:SecurityGroup": {
        actions: [
            "ec2:CreateSecurityGroup",
            "ec2:DescribeSecurityGroups",
            "ec2:DeleteSecurityGroup",
            // The provider removes the allow-all egress rule AWS adds to a new group.
            "ec2:RevokeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress",
            // A delete waits for the network interfaces still using the group.
            "ec2:DescribeNetworkInterfaces",
            ...EC2_TAGS,
        ],
        on: ANY,
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        actions: [
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:DescribeSecurityGroupRules",
            "ec2:ModifySecurityGroupRules",
            "ec2:RevokeSecurityGroupIngress",
            ...EC2_TAGS,
        ],
        on: ANY,
    },
    "aws:s3/bucket:Bucket": {
        actions: [
            "s3:CreateBucket",
            "s3:DeleteBucket",
            // HeadBucket.
            "s3:ListBucket",
            "s3:PutBucketTagging",
            // What a read of aws_s3_bucket fetches.
            "s3:GetBucketTagging",
            "s3:GetBucketAcl",
            "s3:GetBucketCORS",
            "s3:GetBucketWebsite",
            "s3:GetBucketVersioning",
            "s3:GetAccelerateConfiguration",
            "s3:GetBucketRequestPayment",
            "s3:GetBucketLogging",
            "s3:GetLifecycleConfiguration",
            "s3:GetReplicationConfiguration",
            "s3:GetEncryptionConfiguration",
            "s3:GetBucketObjectLockConfiguration",
            "s3:GetBucketPolicy",
        ],
        on: bucketArn,
    },
    // DeleteBucketOwnershipControls is authorised as s3:PutBucketOwnershipControls.
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": { actions: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"], on: bucketArn },
    // DeletePublicAccessBlock is authorised as s3:PutBucketPublicAccessBlock.
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": { actions: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"], on: bucketArn },
    // A delete suspends versioning (PutBucketVersioning).
    "aws:s3/bucketVersioning:BucketVersioning": { actions: ["s3:PutBucketVersioning", "s3:GetBucketVersioning"], on: bucketArn },
    // DeleteBucketEncryption is authorised as s3:PutEncryptionConfiguration.
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
        actions: ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
        on: bucketArn,
    },
    // DeleteBucketLifecycle is authorised as s3:PutLifecycleConfiguration.
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
        actions: ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
        on: bucketArn,
    },
    "aws:s3/bucketPolicy:BucketPolicy": { actions: ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"], on: bucketArn },
    "aws:iam/role:Role": {
        actions: [
            "iam:CreateRole",
            "iam:GetRole",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
            "iam:UpdateAssumeRolePolicy",
            "iam:DeleteRole",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:ListRoleTags",
            // A read lists the role's inline and attached policies; a delete also its instance profiles.
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
        ],
        on: roleArn,
    },
    "aws:iam/rolePolicy:RolePolicy": { actions: ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"], on: roleArn },
};

interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource: string | string[];
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
/** IAM's wildcards: * any run of characters, ? one; action names ignore case, ARNs do not. */
function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
    const source = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

/** Whether the statements allow `action` on `resource` ("*": on any resource) and none denies it. */
function allows(statements: Statement[], action: string, resource: string): boolean {
    const matches = (s: Statement) => list(s.Action).some((a) => globMatches(a, action, true)) && list(s.Resource).some((r) => globMatches(r, resource, false));
    return statements.some((s) => s.Effect === "Allow" && matches(s)) && !statements.some((s) => s.Effect === "Deny" && matches(s));
}

describe("the deployer's IAM policy (docs/deployer-iam-policy.json)", () => {
    const policy = JSON.parse(fs.readFileSync(POLICY_FILE, "utf8")) as { Version: string; Statement: Statement[] };
    const registered = new Map<string, { resource: MockResource; run: MockRun }[]>();

    before(async function () {
        this.timeout(120000);
        for (const stack of listStacks()) {
            const run = await runProgram(stack);
            for (const resource of run.resources) {
                if (!resource.custom || !resource.type.startsWith("aws:")) continue;
                registered.set(resource.type, [...(registered.get(resource.type) ?? []), { resource, run }]);
            }
        }
    });

    it("is an identity policy AWS takes: version 2012-10-17, and within a managed policy's 6,144 characters", () => {
        assert.equal(policy.Version, "2012-10-17");
        assert.ok(Array.isArray(policy.Statement) && policy.Statement.length > 0);
        // IAM counts a managed policy's size without whitespace.
        const size = JSON.stringify(policy).replace(/\s/g, "").length;
        assert.ok(size <= 6144, `${size} characters`);
        for (const s of policy.Statement) assert.ok(s.Effect && s.Action && s.Resource, JSON.stringify(s));
    });

    it("the stacks register AWS resources (the check below has something to check)", () => {
        assert.ok(registered.size >= 5, [...registered.keys()].join(", "));
    });

    it("covers every aws: resource type the program registers on any stack, with each action on its resource", () => {
        const missing: string[] = [];
        for (const [type, uses] of registered) {
            const required = REQUIRED[type];
            if (!required) {
                missing.push(
                    `${type}: registered (${uses[0].run.stack}: ${uses[0].resource.name}), and this test does not know its actions: add them here from AWS's Service Authorization Reference, and to docs/deployer-iam-policy.json`,
                );
                continue;
            }
            for (const { resource, run } of uses) {
                const on = required.on(resource, run);
                for (const action of required.actions) {
                    if (!allows(policy.Statement, action, on)) missing.push(`${type} (${run.stack}: ${resource.name}): ${action} on ${on}`);
                }
            }
        }
        assert.deepEqual(missing, []);
    });

    it("grants no action this test does not require for a registered type", () => {
        const required = [...registered.keys()].flatMap((t) => REQUIRED[t]?.actions ?? []);
        const extra = policy.Statement.flatMap((s) => list(s.Action)).filter((a) => !required.some((r) => globMatches(a, r, true)));
        assert.deepEqual(extra, []);
    });

    describe("how the check reads a policy", () => {
        const statements: Statement[] = [
            { Effect: "Allow", Action: ["s3:Get*", "rds:CreateDBInstance"], Resource: ["arn:aws:s3:::bucket-*", "*"] },
            { Effect: "Allow", Action: "iam:GetRole", Resource: "arn:aws:iam::*:role/app-*" },
            { Effect: "Deny", Action: "s3:GetBucketPolicy", Resource: "*" },
        ];
        it("matches wildcards in actions (any case) and resources (exact case)", () => {
            assert.ok(allows(statements, "s3:GetBucketAcl", "arn:aws:s3:::bucket-1"));
            assert.ok(allows(statements, "RDS:createdbinstance", "*"));
            assert.ok(allows(statements, "iam:GetRole", "arn:aws:iam::123456789012:role/app-x"));
            assert.ok(!allows(statements, "iam:GetRole", "arn:aws:iam::123456789012:role/other"));
            assert.ok(!allows(statements, "iam:GetRole", "*"), "a scoped statement does not grant on any resource");
            assert.ok(!allows(statements, "iam:GetRole", "arn:aws:iam::123456789012:role/APP-x"));
            assert.ok(!allows(statements, "s3:PutObject", "arn:aws:s3:::bucket-1"));
        });
        it("an explicit deny wins", () => {
            assert.ok(!allows(statements, "s3:GetBucketPolicy", "arn:aws:s3:::bucket-1"));
        });
    });
});
