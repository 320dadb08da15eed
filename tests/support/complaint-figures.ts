import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import { complaintReadsOf } from '#shared/indicators/catalogue.ts';
import {
  type ComplaintFigures,
  complaintFiguresOfStates,
  complaintFiguresRequest,
} from '#shared/indicators/complaint-figures.ts';
import { DEFAULT_REPORTING_TIMEZONE, parsePeriod } from '#shared/indicators/periods.ts';

/**
 * The complaint figures a report of `period` reads, from folded states summed into
 * counters as the builder counts them, for the indicators given (ids or profile entries).
 */
export function figuresOfStates(
  states: readonly ComplaintState[],
  period: string,
  indicators: readonly (string | { id: string })[],
  timeZone: string = DEFAULT_REPORTING_TIMEZONE,
): { current: ComplaintFigures; previous: ComplaintFigures } {
  const ids = indicators.map((entry) => (typeof entry === 'string' ? entry : entry.id));
  return complaintFiguresOfStates(
    states,
    timeZone,
    complaintFiguresRequest(parsePeriod(period, timeZone), complaintReadsOf(ids)),
  );
}
