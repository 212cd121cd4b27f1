/**
 * Kubernetes' rules for names, label keys and label values (DNS-1123 labels and subdomains,
 * qualified names), as functions that say why a value breaks them: the config schema words its
 * errors with them, and components check the annotation keys they write.
 */

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `value` is not a DNS-1123 label of at most `max` characters. */
export function dnsLabelProblem(value: string, max = 63): string | undefined {
    if (value.length === 0) return "is empty";
    if (value.length > max) return `is ${value.length} characters long, over the limit of ${max}`;
    if (!LABEL.test(value)) return "may hold only lower-case letters, digits and '-', and must start and end with a letter or digit";
    return undefined;
}

/** Why `value` is not a DNS-1123 subdomain: labels joined by dots, 253 characters at most. */
export function dnsSubdomainProblem(value: string): string | undefined {
    if (value.length === 0) return "is empty";
    if (value.length > 253) return `is ${value.length} characters long, over the limit of 253`;
    for (const label of value.split(".")) {
        const why = dnsLabelProblem(label);
        if (why)
            return label === "" ? "has an empty part between dots" : `has the part '${label.length > 20 ? `${label.slice(0, 20)}…` : label}', which ${why}`;
    }
    return undefined;
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Why `key` is not a label or annotation key (Kubernetes' qualified name): an optional
 * DNS-subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' and '.',
 * starting and ending with a letter or digit.
 */
export function qualifiedNameProblem(key: string): string | undefined {
    const parts = key.split("/");
    if (parts.length > 2) return "has more than one '/'";
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined) {
        const why = dnsSubdomainProblem(prefix);
        if (why) return `has the prefix '${prefix}', which ${why}`;
    }
    if (name.length === 0) return "has an empty name";
    if (name.length > 63) return `has a name of ${name.length} characters, over the limit of 63`;
    if (!NAME_PART.test(name))
        return `has the name '${name}', which may hold only letters, digits, '-', '_' and '.', and must start and end with a letter or digit`;
    return undefined;
}

/** Why `value` is not a label value: empty, or at most 63 characters of the name alphabet. */
export function labelValueProblem(value: string): string | undefined {
    if (value === "") return undefined;
    if (value.length > 63) return `is ${value.length} characters long, over the limit of 63`;
    if (!NAME_PART.test(value)) return "may hold only letters, digits, '-', '_' and '.', and must start and end with a letter or digit";
    return undefined;
}
