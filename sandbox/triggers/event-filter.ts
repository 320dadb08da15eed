/** A filter pattern the sandbox cannot evaluate: refuse loudly rather than guess. */
export class UnsupportedFilterError extends Error {
  override name = 'UnsupportedFilterError';
}

/**
 * Lambda event filtering (FilterCriteria patterns) on a record: every key of the pattern
 * must match; a list matches when the value equals one entry or satisfies one of the
 * `prefix`, `exists` or `anything-but` operators; an object descends.
 */
export function matchesPattern(record: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) {
    throw new UnsupportedFilterError(
      `a filter pattern must be an object: ${JSON.stringify(pattern)}`,
    );
  }
  const object = (record ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = typeof object === 'object' ? object[key] : undefined;
    if (Array.isArray(expected)) return expected.some((rule) => matchesRule(actual, rule));
    return matchesPattern(actual, expected);
  });
}

function matchesRule(actual: unknown, rule: unknown): boolean {
  if (rule === null || typeof rule !== 'object') return actual === rule;
  const [operator, operand] = Object.entries(rule)[0] ?? [];
  switch (operator) {
    case 'prefix':
      return typeof actual === 'string' && actual.startsWith(String(operand));
    case 'exists':
      return (actual !== undefined) === operand;
    case 'anything-but':
      return ![operand].flat().includes(actual);
    default:
      throw new UnsupportedFilterError(
        `the sandbox does not evaluate filter operator "${operator}"`,
      );
  }
}
