/**
 * Malwar's block at the config, without running the program: the rules that tie one key to
 * another (mail needs a server, a sender and a recipient; an Ingress needs a host; a backup needs
 * the OIDC provider its role trusts), each checked on both sides.
 */
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config/load";
import { PROJECT } from "../config/platform";
import { stackConfig } from "../tools/mock-run";
import { ZOD_WORDING } from "./plain-words";

const key = (k: string) => `${PROJECT}:${k}`;
const OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/PROD0A1B2C3D4E5F60718293A4B5C6D";

/** prod's config with the malwar block replaced by `malwar`. */
const withMalwar = (malwar: Record<string, unknown>) => ({
    ...stackConfig("prod"),
    [key("malwar")]: JSON.stringify({ backup: { oidcProviderArn: OIDC }, ...malwar }),
});
const accepted = (malwar: Record<string, unknown>) => parseConfig(withMalwar(malwar)).malwar;

function refused(malwar: Record<string, unknown>): string[] {
    try {
        parseConfig(withMalwar(malwar), [], () => "Pulumi.prod.yaml");
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        for (const p of err.problems) assert.doesNotMatch(p, ZOD_WORDING, p);
        return err.problems;
    }
    assert.fail(`expected malwar = ${JSON.stringify(malwar)} to be refused`);
}

const at = (where: string, shown: string) => `Pulumi.prod.yaml: scanning-platform:malwar.${where} = ${shown}: `;
const NO_HOST = "is set but malwar.notifications.email.host is not: mail is off without a mail server; set the host or remove this";

describe("malwar at the config: mail", () => {
    it("is off by default: no host, no sender, no recipients, port 587 with STARTTLS", () => {
        assert.deepEqual(accepted({}).notifications.email, { port: 587, useTls: true, to: [] });
    });

    it("a user, a sender or recipients without a host are each refused, naming the key", () => {
        assert.deepEqual(refused({ notifications: { email: { user: "bot", from: "malwar@example.com", to: ["sec@example.com"] } } }), [
            `${at("notifications.email.user", '"bot"')}${NO_HOST}`,
            `${at("notifications.email.from", '"malwar@example.com"')}${NO_HOST}`,
            `${at("notifications.email.to", '["sec@example.com"]')}${NO_HOST}`,
        ]);
        // An empty list of recipients is no setting.
        accepted({ notifications: { email: { to: [] } } });
    });

    it("a host needs a sender and at least one recipient", () => {
        assert.deepEqual(refused({ notifications: { email: { host: "smtp.example.com" } } }), [
            `${at("notifications.email.from", "(unset)")}is required with malwar.notifications.email.host: the sender's address, such as malwar@example.com`,
            `${at("notifications.email.to", "[]")}must list at least one address with malwar.notifications.email.host (Malwar sends no mail without one)`,
        ]);
        const mail = { host: "smtp.example.com", from: "malwar@example.com", to: ["sec@example.com"] };
        assert.deepEqual(accepted({ notifications: { email: mail } }).notifications.email, { ...mail, port: 587, useTls: true });
    });

    it("port 465 is refused only when mail is on", () => {
        const mail = { host: "smtp.example.com", from: "malwar@example.com", to: ["sec@example.com"] };
        assert.equal(refused({ notifications: { email: { ...mail, port: 465 } } }).length, 1);
        assert.equal(accepted({ notifications: { email: { ...mail, port: 25 } } }).notifications.email.port, 25);
        assert.equal(accepted({ notifications: { email: { port: 465 } } }).notifications.email.port, 465);
    });
});

describe("malwar at the config: an Ingress and a backup need what they point at", () => {
    it("an enabled Ingress needs a host; a disabled one does not", () => {
        assert.deepEqual(refused({ ingress: { enabled: true } }), [`${at("ingress.hosts", "[]")}must list at least one host when ingress.enabled is true`]);
        assert.deepEqual(accepted({ ingress: { enabled: true, hosts: ["malwar.example.com"] } }).ingress.hosts, ["malwar.example.com"]);
        assert.equal(accepted({ ingress: { enabled: false } }).ingress.enabled, false);
    });

    it("a backup (on by default) needs the cluster's OIDC provider; with backups off it does not", () => {
        const raw = { ...stackConfig("prod"), [key("malwar")]: JSON.stringify({}) };
        assert.throws(
            () => parseConfig(raw, [], () => "Pulumi.prod.yaml"),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.equal(err.problems.length, 1, err.message);
                assert.match(
                    err.problems[0],
                    /^Pulumi\.prod\.yaml: scanning-platform:malwar\.backup\.oidcProviderArn = \(unset\): is required when malwar\.backup\.enabled is true: .*or set malwar\.backup\.enabled to false$/,
                );
                return true;
            },
        );
        const off = { ...stackConfig("prod"), [key("malwar")]: JSON.stringify({ backup: { enabled: false } }) };
        assert.equal(parseConfig(off).malwar.backup.enabled, false);
    });

    it("one pod at most: 0 and 1 pass, 2 does not", () => {
        assert.equal(accepted({ replicas: 0 }).replicas, 0);
        assert.equal(accepted({ replicas: 1 }).replicas, 1);
        assert.equal(refused({ replicas: 2 }).length, 1);
    });

    it("the per-IP limit is at least the readiness probe's 6 a minute plus one", () => {
        // A probe every 10 s is 6 a minute; Malwar refuses at the limit, and one probe may come late.
        assert.equal(accepted({ rateLimit: { perIp: 7 } }).rateLimit.perIp, 7);
        assert.deepEqual(refused({ rateLimit: { perIp: 6 } }), [
            `${at("rateLimit.perIp", "6")}must be at least 7: the kubelet's readiness probe asks /api/v1/ready every 10 s without an API key (Malwar counts up to 6 of them in a minute from the node's address when one comes late), and a probe answered 429 takes Malwar out of its Service`,
        ]);
    });
});
