/** zod's own wording, which must never reach a user of the stack config. */
export const ZOD_WORDING =
    /Invalid input|expected \w+, received|Too (small|big)|Unrecognized key|Invalid (string|option|enum|url|element|key)|must match pattern|Expected /;
