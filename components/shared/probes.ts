import type * as k8s from "@pulumi/kubernetes";

type Probe = k8s.types.input.core.v1.Probe;

export interface ProbeTiming {
    initialDelaySeconds?: number;
    periodSeconds: number;
    timeoutSeconds: number;
    failureThreshold: number;
}

export function httpProbe(path: string, port: number | string, timing: ProbeTiming): Probe {
    return { httpGet: { path, port }, ...timing };
}

export function tcpProbe(port: number | string, timing: ProbeTiming): Probe {
    return { tcpSocket: { port }, ...timing };
}

export function execProbe(command: string[], timing: ProbeTiming): Probe {
    return { exec: { command }, ...timing };
}
