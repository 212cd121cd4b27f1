/**
 * The objects a mock run of the program registers, read the way the kubelet would: a workload's pod
 * spec, its volumes (StatefulSet claims included) and the files its ConfigMaps and Secrets project.
 */
import { strict as assert } from "assert";
import { unwrapSecrets, type MockRun } from "../../../tools/mock-run";
import type { RenderedContainer, RenderedVolume } from "../pod-sandbox";

/** The one object of `kind` named `name` the run registers, secrets unwrapped. */
export function objectOf(run: MockRun, kind: string, name: string): any {
    const found = run.resources.map((r) => unwrapSecrets(r.inputs)).filter((o) => o.kind === kind && o.metadata?.name === name);
    assert.equal(found.length, 1, `${kind} ${name}`);
    return found[0];
}

export interface RenderedPod {
    spec: any;
    volumes: RenderedVolume[];
    /** Volume name -> file name -> content, for configMap and secret volumes. */
    files: Record<string, Record<string, string>>;
}

/** A pod spec's volumes plus its StatefulSet's per-pod claims, and the files of its ConfigMaps and Secrets. */
export function podOf(run: MockRun, kind: string, name: string): RenderedPod {
    const workload = objectOf(run, kind, name);
    const template = kind === "CronJob" ? workload.spec.jobTemplate.spec.template : workload.spec.template;
    const claims = (workload.spec.volumeClaimTemplates ?? []).map((c: any) => ({
        name: c.metadata.name,
        persistentVolumeClaim: { claimName: c.metadata.name },
    }));
    const volumes: RenderedVolume[] = [...(template.spec.volumes ?? []), ...claims];
    const files: Record<string, Record<string, string>> = {};
    for (const v of volumes) {
        if (v.configMap) files[v.name] = objectOf(run, "ConfigMap", v.configMap.name).data;
        if (v.secret) {
            const secret = objectOf(run, "Secret", v.secret.secretName);
            files[v.name] = {
                ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, b]) => [k, Buffer.from(String(b), "base64").toString()])),
                ...(secret.stringData ?? {}),
            };
        }
    }
    return { spec: template.spec, volumes, files };
}

/** A container or init container of a pod spec, by name. */
export function containerOf(spec: any, name: string): RenderedContainer {
    const found = [...(spec.initContainers ?? []), ...spec.containers].find((c: any) => c.name === name);
    assert.ok(found, `container ${name}`);
    return found;
}

/** The value of an environment variable a container sets literally. */
export function envOf(container: RenderedContainer, name: string): string | undefined {
    return container.env?.find((e) => e.name === name)?.value;
}

/** A container port by name or number, as probes, Services and PodMonitors name them. */
export function portOf(container: any, port: string | number): number {
    if (typeof port === "number") return port;
    const found = (container.ports ?? []).find((p: any) => p.name === port);
    assert.ok(found, `container ${container.name} has no port named ${port}`);
    return found.containerPort;
}
