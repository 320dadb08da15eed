/** A required environment variable is missing or invalid: the function cannot start. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Reads a required environment variable once, at cold start; a missing one fails loudly. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(`environment variable ${name} is required but not set`);
  }
  return value;
}

/** Reads an optional environment variable once: undefined when unset (its feature is off). */
export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Reads a required JSON object of strings, such as a map of source name to secret ARN. */
export function requireJsonMap(name: string): ReadonlyMap<string, string> {
  const text = requireEnv(name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`environment variable ${name} must be a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`environment variable ${name} must be a JSON object`);
  }
  const entries = Object.entries(parsed);
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw new ConfigurationError(`environment variable ${name} must map names to strings`);
  }
  return new Map(entries as [string, string][]);
}

/** Reads a required positive whole number. */
/** Reads a required JSON array of strings (`[]` is allowed: a list that may be empty). */
export function requireJsonList(name: string): readonly string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(requireEnv(name));
  } catch {
    throw new ConfigurationError(`environment variable ${name} must be a JSON array`);
  }
  if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== 'string')) {
    throw new ConfigurationError(`environment variable ${name} must be a JSON array of strings`);
  }
  return parsed as string[];
}

export function requirePositiveInteger(name: string): number {
  const value = Number(requireEnv(name));
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigurationError(`environment variable ${name} must be a positive whole number`);
  }
  return value;
}

/** A whole number ≥ 0 (where 0 turns something off). */
export function requireWholeNumber(name: string): number {
  const value = Number(requireEnv(name));
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(`environment variable ${name} must be a whole number`);
  }
  return value;
}
