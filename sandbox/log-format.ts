const LEVEL_COLOURS: Record<string, string> = {
  DEBUG: '\u001b[90m',
  INFO: '\u001b[36m',
  WARN: '\u001b[33m',
  ERROR: '\u001b[31m',
  CRITICAL: '\u001b[31m',
};
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';

/** Keys every Powertools line carries: shown in the prefix or not at all. */
const NOISE = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
]);

/**
 * One structured log line of a function, made readable: time, function, level, message,
 * then the remaining keys as `key=value`. Lines that are not JSON pass through as they are.
 */
export function formatFunctionLog(functionName: string, line: string, colour: boolean): string {
  const name = functionName.padEnd(20);
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${colour ? DIM : ''}${name}${colour ? RESET : ''} ${line}`;
  }
  if (entry === null || typeof entry !== 'object') return `${name} ${line}`;
  const metrics = entry._aws as
    | { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] }
    | undefined;
  if (metrics) {
    const values = (metrics.CloudWatchMetrics ?? [])
      .flatMap((group) => group.Metrics ?? [])
      .map((metric) => `${metric.Name}=${JSON.stringify(entry[metric.Name])}`)
      .join(' ');
    return `${''.padEnd(12)} ${name} ${colour ? DIM : ''}metric${colour ? RESET : ''} ${values}`;
  }
  const level = String(entry.level ?? 'INFO').toUpperCase();
  const time = typeof entry.timestamp === 'string' ? entry.timestamp.slice(11, 23) : '';
  const details = Object.entries(entry)
    .filter(([key]) => !NOISE.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const levelText = level.padEnd(5);
  return colour
    ? `${DIM}${time}${RESET} ${name} ${LEVEL_COLOURS[level] ?? ''}${levelText}${RESET} ${String(entry.message ?? '')} ${DIM}${details}${RESET}`
    : `${time} ${name} ${levelText} ${String(entry.message ?? '')} ${details}`;
}
