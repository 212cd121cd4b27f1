/** Kubernetes quantities: the policy pack owns the one parser (policy/lib/quantity.ts); the program uses it. */
export * from "../policy/lib/quantity";
