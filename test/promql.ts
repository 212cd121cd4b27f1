/** PromQL read with Prometheus's own Lezer grammar (@prometheus-io/lezer-promql, the one Prometheus's UI uses). */
import { parser } from "@prometheus-io/lezer-promql";

/** Where the parser found a syntax error in `expr`, or [] when it parses. */
export function syntaxErrors(expr: string): number[] {
    const errors: number[] = [];
    parser.parse(expr).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
    return errors;
}

/** Metric names an expression selects (each vector selector's name). */
export function metricNames(expr: string): string[] {
    const names: string[] = [];
    parser.parse(expr).iterate({ enter: (node) => void (node.name === "VectorSelector" && names.push(expr.slice(node.from, node.to).split("{")[0].trim())) });
    return names;
}
