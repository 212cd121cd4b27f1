/**
 * Kubernetes resource quantities ("2", "500m", "2Gi", "1e3"), parsed exactly.
 *
 * The value is kept as a fraction of BigInts so that "2" == "2000m", "2Gi" == "2048Mi" and
 * "1e3" == "1k" compare equal without floating-point error. No dependency (the npm quantity
 * parsers we looked at accept "2GB" as 2). The policy pack owns this module; the program
 * (config validation, capacity) uses the same one.
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|(n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

const BINARY_EXPONENT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export interface Quantity {
    /** The value as numerator / denominator (denominator > 0). */
    readonly numerator: bigint;
    readonly denominator: bigint;
}

/** Parses a quantity; returns undefined when it is not a valid Kubernetes quantity. */
export function parseQuantity(input: unknown): Quantity | undefined {
    // A YAML number arrives as a number: its text is the quantity (NaN and Infinity fail the pattern).
    const text = typeof input === "number" ? String(input) : input;
    if (typeof text !== "string") return undefined;
    // The pattern is anchored at both ends, so surrounding space fails it too.
    const match = QUANTITY.exec(text);
    if (!match) return undefined;
    const [, sign, digits, binarySuffix, decimalSuffix, exponent] = match;
    const [whole, fraction = ""] = digits.split(".");
    const magnitude = BigInt((whole || "0") + fraction);
    let numerator = sign === "-" ? -magnitude : magnitude;
    let denominator = 10n ** BigInt(fraction.length);
    let power10 = 0;
    if (binarySuffix) numerator *= 2n ** BigInt(BINARY_EXPONENT[binarySuffix]);
    if (decimalSuffix) power10 = DECIMAL_EXPONENT[decimalSuffix];
    if (exponent !== undefined) power10 = Number(exponent);
    if (Math.abs(power10) > 1000) return undefined;
    if (power10 >= 0) numerator *= 10n ** BigInt(power10);
    else denominator *= 10n ** BigInt(-power10);
    return { numerator, denominator };
}

export function isQuantity(input: unknown): boolean {
    return parseQuantity(input) !== undefined;
}

/** -1, 0 or 1; throws on a malformed quantity (check with isQuantity first). */
export function compareQuantities(a: unknown, b: unknown): number {
    const qa = mustParse(a);
    const qb = mustParse(b);
    const left = qa.numerator * qb.denominator;
    const right = qb.numerator * qa.denominator;
    return left === right ? 0 : left < right ? -1 : 1;
}

export function quantitiesEqual(a: unknown, b: unknown): boolean {
    return compareQuantities(a, b) === 0;
}

/** The value as a JavaScript number (for sums and reports, not for equality). */
export function quantityToNumber(input: unknown): number {
    const q = mustParse(input);
    return Number(q.numerator) / Number(q.denominator);
}

const GIB = 2 ** 30;

/** Bytes expressed in GiB, for memory and storage summaries. */
export function quantityToGiB(input: unknown): number {
    return quantityToNumber(input) / GIB;
}

/**
 * What a field counts: `cpu` in cores ("2", "0.5") or millicores ("500m"), at least 1m;
 * `bytes` (memory, storage) as a whole number of bytes, with a byte unit (Ki, Mi, Gi, Ti, Pi,
 * Ei or k, M, G, T, P, E) or, where `unit` is "optional", a bare number of bytes.
 */
export type QuantityKind = "cpu" | "bytes";

export interface QuantityRules {
    /** Bytes only: "required" refuses a bare number ("100" is 100 bytes, rarely what was meant). */
    unit?: "required" | "optional";
}

const CPU_SPELLING = /^(\d+(\.\d+)?|\.\d+|\d+m)$/;
const BYTE_SUFFIX = /(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)$/;

/**
 * Why `input` is not a positive quantity of `kind`, in plain words, or undefined when it is.
 * Zero is refused: no container runs on no CPU or no memory, and no claim holds nothing.
 */
export function quantityProblem(input: unknown, kind: QuantityKind, rules: QuantityRules = {}): string | undefined {
    const q = parseQuantity(input);
    if (!q) return "is not a Kubernetes quantity";
    const text = String(input);
    if (q.numerator <= 0n) return "must be more than 0";
    if (kind === "cpu") {
        if (!CPU_SPELLING.test(text)) return "is not a CPU amount: CPU is counted in cores (2, 0.5) or millicores (500m)";
        // 1m is the smallest CPU unit: finer values are rounded up by the API server.
        if ((q.numerator * 1000n) % q.denominator !== 0n) return "is finer than 1m, the smallest CPU unit";
        return undefined;
    }
    if (/[num]$/.test(text))
        return `is a fraction of a byte: the suffix ${text.slice(-1)} means ${{ n: "nano", u: "micro", m: "milli" }[text.slice(-1)]}- (for mebibytes write Mi)`;
    if (q.numerator % q.denominator !== 0n) return "is not a whole number of bytes";
    if (rules.unit === "required" && !BYTE_SUFFIX.test(text)) return `has no unit, so it counts bytes (${text} bytes)`;
    return undefined;
}

function mustParse(input: unknown): Quantity {
    const q = parseQuantity(input);
    if (!q) throw new Error(`${JSON.stringify(input)} is not a Kubernetes quantity`);
    return q;
}
