import { strict as assert } from "assert";
import { CLAMAV_UID_EXEMPTIONS } from "../components/clamav";
import { NETWORK_POLICY_EXEMPTIONS } from "../components/clamav/refresh";
import { MALWAR_RECREATE_EXEMPTIONS, MALWAR_SECRET_ENV_EXEMPTIONS, MALWAR_UID_EXEMPTIONS } from "../components/malwar";
import { BACKUP_EXEMPTIONS } from "../components/malwar/backup";
import { PASSWORD_FILE_EXEMPTIONS, POSTGRES_UID_EXEMPTIONS } from "../components/postgres/in-cluster";
import { EXEMPTIONS, exemptionAnnotations, type Exemption } from "../components/shared/exemptions";
import {
    alignedTable,
    auditExemptions,
    declaredExemptions,
    formatReport,
    stripExemptions,
    type CheckerReport,
    type DeclaredExemption,
    type Finding,
    type Report,
} from "../tools/check-manifests";

const deployment = (annotations: Record<string, string>) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", annotations },
    spec: { template: { metadata: { annotations: { "kube-score/ignore": "pod-probes", "prometheus.io/scrape": "true" } }, spec: {} } },
});

const finding = (checker: Finding["checker"], object: string, check: string): Finding => ({
    checker,
    object,
    check,
    severity: "warning",
    message: `${check} on ${object}`,
});

describe("check:manifests", () => {
    describe("declared exemptions", () => {
        it("reads each checker's own annotation, with the reason beside it or in it", () => {
            const declared = declaredExemptions(
                deployment({
                    "kube-score/ignore": "deployment-replicas, pod-probes",
                    "kube-score.exemptions.scanning-platform/deployment-replicas": "one writer",
                    "ignore-check.kube-linter.io/run-as-non-root": "vendor image",
                    "polaris.fairwinds.com/priorityClassNotSet-exempt": "true",
                    "polaris.fairwinds.com/tagNotSpecified-exempt": "false",
                    "polaris.exemptions.scanning-platform/priorityClassNotSet": "no class here",
                    "checkov.io/skip1": "CKV_K8S_43=tags only; a=b stays in the reason",
                    "app.kubernetes.io/name": "web",
                }),
            );
            const rows = declared.map((d) => `${d.checker}|${d.object}|${d.check}|${d.reason}`).sort();
            assert.deepEqual(rows, [
                "checkov|Deployment/web|CKV_K8S_43|tags only; a=b stays in the reason",
                "kube-linter|Deployment/web|run-as-non-root|vendor image",
                "kube-score|Deployment/web|deployment-replicas|one writer",
                "kube-score|Deployment/web|pod-probes|",
                "polaris|Deployment/web|priorityClassNotSet|no class here",
            ]);
        });

        it("round-trips every exemption the program declares through its annotations", () => {
            // The shared ones and every app's own, where each app declares them.
            const all: Exemption[] = [
                ...Object.values(EXEMPTIONS).flatMap((v) => (typeof v === "function" ? v("why") : v)),
                ...CLAMAV_UID_EXEMPTIONS,
                ...NETWORK_POLICY_EXEMPTIONS,
                ...MALWAR_UID_EXEMPTIONS,
                ...MALWAR_SECRET_ENV_EXEMPTIONS,
                ...MALWAR_RECREATE_EXEMPTIONS,
                ...BACKUP_EXEMPTIONS,
                ...POSTGRES_UID_EXEMPTIONS,
                ...PASSWORD_FILE_EXEMPTIONS,
            ];
            assert.ok(all.length >= 10);
            for (const e of all) {
                const declared = declaredExemptions({ kind: "Deployment", metadata: { name: "x", annotations: exemptionAnnotations([e]) } });
                assert.deepEqual(declared, [{ checker: e.checker, object: "Deployment/x", check: e.check, reason: e.reason }], `${e.checker} ${e.check}`);
            }
        });

        it("refuses an annotation key the API server would refuse (a name part over 63 characters)", () => {
            // kube-score's longest check name so far has 60 characters: it fits as the name part.
            const longest = "deployment-targeted-by-hpa-does-not-have-replicas-configured";
            assert.equal(longest.length, 60);
            assert.deepEqual(Object.keys(exemptionAnnotations([{ checker: "kube-score", check: longest, reason: "r" }])), [
                "kube-score/ignore",
                `kube-score.exemptions.scanning-platform/${longest}`,
            ]);
            assert.throws(
                () => exemptionAnnotations([{ checker: "polaris", check: "x".repeat(64), reason: "r" }]),
                /polaris.fairwinds.com\/x{64}-exempt has a name of 71 characters, over the limit of 63/,
            );
        });

        it("strips every exemption annotation, pod template included, and keeps the rest", () => {
            const stripped = stripExemptions(
                deployment({
                    "kube-score/ignore": "deployment-replicas",
                    "ignore-check.kube-linter.io/run-as-non-root": "x",
                    "polaris.fairwinds.com/priorityClassNotSet-exempt": "true",
                    "checkov.io/skip1": "CKV_K8S_43=x",
                    "app.kubernetes.io/name": "web",
                }),
            );
            assert.deepEqual(stripped.metadata.annotations, { "app.kubernetes.io/name": "web" });
            assert.deepEqual(stripped.spec.template.metadata.annotations, { "prometheus.io/scrape": "true" });
            assert.equal(stripped.kind, "Deployment");
        });
    });

    describe("exemption audit", () => {
        const declared: DeclaredExemption[] = [
            { checker: "polaris", object: "Deployment/web", check: "priorityClassNotSet", reason: "no class" },
            { checker: "polaris", object: "Deployment/api", check: "priorityClassNotSet", reason: "no class" },
            { checker: "checkov", object: "Deployment/web", check: "CKV_K8S_43", reason: "tags" },
        ];

        it("counts the findings an exemption hides, one per finding, and only the checker's own", () => {
            const unexempted = [
                finding("polaris", "Deployment/web", "priorityClassNotSet"),
                finding("polaris", "Deployment/web", "tagNotSpecified"),
                finding("polaris", "Deployment/api", "priorityClassNotSet"),
                finding("polaris", "Deployment/api", "priorityClassNotSet"),
            ];
            const audit = auditExemptions("polaris", unexempted, declared);
            assert.equal(audit.exempted.length, 3);
            assert.deepEqual(
                audit.exempted.map((f) => f.reason),
                ["no class", "no class", "no class"],
            );
            assert.deepEqual(audit.stale, []);
        });

        it("reports an exemption that hides nothing as stale", () => {
            const audit = auditExemptions(
                "polaris",
                [finding("polaris", "Deployment/web", "priorityClassNotSet"), finding("polaris", "Service/api", "priorityClassNotSet")],
                declared,
            );
            assert.equal(audit.exempted.length, 1);
            assert.deepEqual(audit.stale, [declared[1]]);
        });
    });

    describe("report", () => {
        const checker = (c: Partial<CheckerReport> & Pick<CheckerReport, "checker">): CheckerReport => ({
            status: "ran",
            version: "1.0.0",
            pinned: "1.0.0",
            findings: 0,
            exempted: 0,
            staleExemptions: 0,
            seconds: 1,
            ...c,
        });

        it("aligns the table's columns, numbers to the right", () => {
            assert.deepEqual(
                alignedTable(
                    ["name", "n"],
                    [
                        ["kube-score", "7"],
                        ["x", "12"],
                    ],
                    [false, true],
                ),
                ["name         n", "kube-score   7", "x           12"],
            );
        });

        it("shows findings under their object, a missing checker as a warning, and how many ran", () => {
            const report: Report = {
                stack: "stage",
                objects: 3,
                passed: false,
                checkersRan: 2,
                seconds: 4.26,
                checkers: [
                    checker({ checker: "kube-score", version: "1.20.0", pinned: "1.20.0", findings: 1, exempted: 2, seconds: 0.5 }),
                    checker({
                        checker: "polaris",
                        status: "unavailable",
                        version: "10.2.2",
                        pinned: "10.2.2",
                        reason: "archive missing",
                        exempted: null,
                        seconds: 0,
                    }),
                    checker({ checker: "kubeconform", version: "v0.7.0", pinned: "v0.8.0", exempted: null, seconds: 12.26, note: "3 valid" }),
                ],
                byObject: [
                    {
                        object: "Deployment/web",
                        findings: [finding("kube-score", "Deployment/web", "pod-probes")],
                        exempted: [{ ...finding("kube-score", "Deployment/web", "deployment-replicas"), reason: "one writer" }],
                        staleExemptions: [],
                    },
                ],
            };
            assert.deepEqual(formatReport(report, false), [
                // the version column is as wide as "v0.7.0 (pinned: v0.8.0)" (23), the others as their headers
                "checker      version                  findings  exempted    time",
                "kube-score   1.20.0                          1         2   0.5 s",
                "polaris      10.2.2                          -         -       -  UNAVAILABLE",
                "kubeconform  v0.7.0 (pinned: v0.8.0)         0         -  12.3 s  3 valid",
                "WARNING: polaris did not run (--allow-missing): archive missing",
                "",
                "Deployment/web",
                "  kube-score   pod-probes  [warning]  pod-probes on Deployment/web",
                "",
                "stack stage: 2 of 3 checkers ran on 3 objects; 1 finding, 2 exempted, 0 stale exemptions -> FAIL (4.3 s)",
            ]);
            const verbose = formatReport(report, true);
            assert.ok(verbose.includes("  kube-score   deployment-replicas  [exempted]  one writer"));
        });
    });
});
