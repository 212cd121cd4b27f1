/**
 * `<app>.pod` at the config, without running the program: Kubernetes' rules for label keys and
 * values (an optional DNS-subdomain prefix and '/', a name of at most 63 characters of letters,
 * digits, '-', '_' and '.', starting and ending with a letter or digit; a value empty or the
 * same) and for tolerations (an empty key only with Exists, no value with Exists,
 * tolerationSeconds only with NoExecute), each at its boundary: just valid and just invalid.
 */
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config/load";
import { PROJECT } from "../config/platform";
import { stackConfig } from "../tools/mock-run";
import { ZOD_WORDING } from "./plain-words";

const key = (k: string) => `${PROJECT}:${k}`;

/** prod's config with clamav.pod set to `pod`. */
function withClamavPod(pod: unknown): Record<string, string> {
    const raw = { ...stackConfig("prod") };
    const clamav = raw[key("clamav")] ? JSON.parse(raw[key("clamav")]) : {};
    raw[key("clamav")] = JSON.stringify({ ...clamav, pod });
    return raw;
}

const accepted = (pod: unknown) => parseConfig(withClamavPod(pod)).clamav.pod;

function refused(pod: unknown): string[] {
    try {
        parseConfig(withClamavPod(pod), [], () => "Pulumi.prod.yaml");
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        for (const p of err.problems) assert.doesNotMatch(p, ZOD_WORDING, p);
        return err.problems;
    }
    assert.fail(`expected clamav.pod = ${JSON.stringify(pod)} to be refused`);
}

const KEY_WORDS = "must be a key such as example.com/team or team: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.'";
const VALUE_WORDS = "must be a label value: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
const ALPHABET = "may hold only letters, digits, '-', '_' and '.', and must start and end with a letter or digit";
const at = (where: string, shown: string) => `Pulumi.prod.yaml: scanning-platform:clamav.pod.${where} = ${shown}: `;

describe("<app>.pod at the config: label keys and values at Kubernetes' limits", () => {
    it("without a pod block, nothing is added to the pods", () => {
        const raw = { ...stackConfig("prod") };
        const clamav = raw[key("clamav")] ? JSON.parse(raw[key("clamav")]) : {};
        delete clamav.pod;
        raw[key("clamav")] = JSON.stringify(clamav);
        assert.deepEqual(parseConfig(raw).clamav.pod, { imagePullSecrets: [], nodeSelector: {}, tolerations: [], labels: {}, annotations: {} });
    });

    it("a label name of 63 characters passes, 64 do not; the same for a value", () => {
        const n63 = "a".repeat(62) + "1";
        const n64 = "a".repeat(63) + "1";
        assert.deepEqual(accepted({ labels: { [n63]: n63, [`example.com/${n63}`]: "" } }).labels, { [n63]: n63, [`example.com/${n63}`]: "" });
        assert.deepEqual(refused({ labels: { [n64]: "x" } }), [
            `${at(`labels.${n64}`, '"x"')}the key "${n64}" has a name of 64 characters, over the limit of 63; ${KEY_WORDS}`,
        ]);
        assert.deepEqual(refused({ labels: { team: n64 } }), [`${at("labels.team", `"${n64}"`)}is 64 characters long, over the limit of 63; ${VALUE_WORDS}`]);
        assert.deepEqual(refused({ nodeSelector: { pool: n64 } }), [
            `${at("nodeSelector.pool", `"${n64}"`)}is 64 characters long, over the limit of 63; ${VALUE_WORDS}`,
        ]);
    });

    it("a one-character name and value pass; an empty name, with or without a prefix, does not", () => {
        assert.deepEqual(accepted({ labels: { a: "b", "example.com/c": "D" } }).labels, { a: "b", "example.com/c": "D" });
        assert.deepEqual(refused({ labels: { "example.com/": "x" } }), [
            `${at("labels.example.com/", '"x"')}the key "example.com/" has an empty name; ${KEY_WORDS}`,
        ]);
        assert.deepEqual(refused({ labels: { "": "x" } }), [`${at("labels.", '"x"')}the key "" has an empty name; ${KEY_WORDS}`]);
    });

    it("names and values that start or end with a non-alphanumeric character are refused; inside, '-', '_' and '.' pass", () => {
        assert.deepEqual(accepted({ labels: { "a-b_c.d": "e-f_g.h" } }).labels, { "a-b_c.d": "e-f_g.h" });
        assert.deepEqual(refused({ labels: { "team-": "x" } }), [
            `${at("labels.team-", '"x"')}the key "team-" has the name 'team-', which ${ALPHABET}; ${KEY_WORDS}`,
        ]);
        assert.deepEqual(refused({ labels: { team: "x_" } }), [`${at("labels.team", '"x_"')}${ALPHABET}; ${VALUE_WORDS}`]);
    });

    it("a prefix that is no DNS subdomain is named with why", () => {
        assert.deepEqual(refused({ labels: { "/team": "x" } }), [
            `${at("labels./team", '"x"')}the key "/team" has the prefix '', which is empty; ${KEY_WORDS}`,
        ]);
        assert.deepEqual(refused({ labels: { "example..com/team": "x" } }), [
            `${at("labels.example..com/team", '"x"')}the key "example..com/team" has the prefix 'example..com', which has an empty part between dots; ${KEY_WORDS}`,
        ]);
    });

    it("a label the program sets itself is refused, with the five it sets and why", () => {
        // README, <app>.pod.labels: the program's own app.kubernetes.io/ name, component, instance, part-of and managed-by.
        const own = ["name", "component", "instance", "part-of", "managed-by"].map((n) => `app.kubernetes.io/${n}`);
        for (const label of own) {
            const [line, ...more] = refused({ labels: { [label]: "x" } });
            assert.equal(more.length, 0);
            assert.ok(line.startsWith(`${at(`labels.${label}`, '"x"')}the key "${label}" is one the program sets itself (${own.join(", ")}): `), line);
            assert.match(line, /overriding them would orphan the pods from their workload, Service and NetworkPolicy; use another key$/);
        }
        assert.deepEqual(accepted({ labels: { "app.kubernetes.io/version": "4.8.0" } }).labels, { "app.kubernetes.io/version": "4.8.0" });
    });

    it("annotation values are free text; their keys follow the label key rules", () => {
        const text = "owner: team A (see https://wiki.example.com); " + "x".repeat(100);
        assert.deepEqual(accepted({ annotations: { "example.com/owner": text } }).annotations, { "example.com/owner": text });
        assert.deepEqual(refused({ annotations: { "owner!": "x" } }), [
            `${at("annotations.owner!", '"x"')}the key "owner!" has the name 'owner!', which ${ALPHABET}; ${KEY_WORDS}`,
        ]);
    });
});

describe("<app>.pod at the config: tolerations as Kubernetes reads them", () => {
    it("a key with a value defaults to Equal; an empty key with Exists tolerates every taint", () => {
        assert.deepEqual(accepted({ tolerations: [{ key: "example.com/dedicated", value: "scanning" }] }).tolerations, [
            { key: "example.com/dedicated", operator: "Equal", value: "scanning" },
        ]);
        assert.deepEqual(accepted({ tolerations: [{ operator: "Exists" }, { key: "", operator: "Exists" }] }).tolerations, [
            { operator: "Exists" },
            { key: "", operator: "Exists" },
        ]);
    });

    it("an empty key needs Exists, written or defaulted", () => {
        assert.deepEqual(refused({ tolerations: [{ value: "x" }] }), [
            `${at("tolerations.0.operator", '"Equal"')}must be Exists when key is empty (an empty key with Exists tolerates every taint)`,
        ]);
        assert.deepEqual(refused({ tolerations: [{ key: "", operator: "Equal" }] }), [
            `${at("tolerations.0.operator", '"Equal"')}must be Exists when key is empty (an empty key with Exists tolerates every taint)`,
        ]);
    });

    it("a taint key must be a label key", () => {
        assert.deepEqual(refused({ tolerations: [{ key: "dedicated!", operator: "Exists" }] }), [
            `${at("tolerations.0.key", '"dedicated!"')}has the name 'dedicated!', which ${ALPHABET}; must be a taint key such as node-role.kubernetes.io/infra`,
        ]);
    });

    it("Exists takes no value (an empty one passes); a value must be a label value", () => {
        assert.deepEqual(accepted({ tolerations: [{ key: "k", operator: "Exists", value: "" }] }).tolerations, [{ key: "k", operator: "Exists", value: "" }]);
        assert.deepEqual(refused({ tolerations: [{ key: "k", operator: "Exists", value: "v" }] }), [
            `${at("tolerations.0.value", '"v"')}must be empty with operator Exists`,
        ]);
        assert.deepEqual(refused({ tolerations: [{ key: "k", value: "two words" }] }), [
            `${at("tolerations.0.value", '"two words"')}${ALPHABET}; must be a taint value`,
        ]);
    });

    it("tolerationSeconds only with effect NoExecute, 0 included", () => {
        assert.deepEqual(accepted({ tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 }] }).tolerations, [
            { key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 },
        ]);
        for (const effect of ["NoSchedule", "PreferNoSchedule", undefined]) {
            assert.deepEqual(
                refused({ tolerations: [{ key: "k", operator: "Exists", effect, tolerationSeconds: 300 }] }),
                [`${at("tolerations.0.tolerationSeconds", "300")}applies only with effect NoExecute`],
                String(effect),
            );
        }
    });

    it("each toleration of a list is checked at its own index", () => {
        const ok = { key: "k", value: "v" };
        assert.deepEqual(refused({ tolerations: [ok, ok, { key: "k", operator: "Exists", value: "v" }] }), [
            `${at("tolerations.2.value", '"v"')}must be empty with operator Exists`,
        ]);
    });
});
