/**
 * The sandbox's EventBridge Scheduler: moto stores schedules but never fires them, so the
 * sandbox evaluates each template schedule's cron expression in its time zone once a
 * minute and sends its input to its target queue, as the scheduler would.
 */
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { wallClockAt } from '#shared/domain/zoned-time.ts';

/** A schedule of the template, as the sandbox fires it. */
export interface LocalSchedule {
  name: string;
  /** `cron(minutes hours day-of-month month day-of-week year)`. */
  expression: string;
  timeZone: string;
  targetArn: string;
  input: string;
}

/** Whether one cron field allows a value: `*`, `?`, numbers, lists, ranges, steps. */
function fieldAllows(field: string, value: number): boolean {
  return field.split(',').some((part) => {
    if (part === '*' || part === '?') return true;
    const [range = '', step] = part.split('/');
    const [low, high] =
      range === '*'
        ? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]
        : range.split('-').map(Number);
    const from = low ?? Number.NaN;
    // `5/15` starts at 5 and runs to the field's end, as `*/15` starts at its beginning.
    const to = high ?? (step === undefined ? from : Number.POSITIVE_INFINITY);
    if (value < from || value > to) return false;
    return step === undefined || (value - (Number.isFinite(from) ? from : 0)) % Number(step) === 0;
  });
}

/**
 * Whether an AWS cron expression fires in the minute of `at`, read in `timeZone`.
 * Supports what the template uses and a little more; anything else is refused loudly.
 */
export function cronMatches(expression: string, at: Date, timeZone: string): boolean {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6 || fields.some((field) => !/^[0-9*?,\-/]+$/.test(field))) {
    throw new Error(`the sandbox cannot evaluate the schedule expression ${expression}`);
  }
  const [minutes = '', hours = '', dayOfMonth = '', month = '', dayOfWeek = '', year = ''] = fields;
  const clock = wallClockAt(at, timeZone);
  // AWS numbers days of the week 1 (Sunday) to 7 (Saturday).
  const weekday = new Date(Date.UTC(clock.year, clock.month - 1, clock.day)).getUTCDay() + 1;
  return (
    fieldAllows(minutes, clock.minute) &&
    fieldAllows(hours, clock.hour) &&
    fieldAllows(dayOfMonth, clock.day) &&
    fieldAllows(month, clock.month) &&
    fieldAllows(dayOfWeek, weekday) &&
    fieldAllows(year, clock.year)
  );
}

/** Fires the schedules whose minute has come, each at most once per minute. */
export class ScheduleRunner {
  private readonly fired = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  private readonly schedules: readonly LocalSchedule[];
  private readonly sqs: SQSClient;
  private readonly onFire: ((schedule: LocalSchedule) => void) | undefined;

  constructor(
    schedules: readonly LocalSchedule[],
    sqs: SQSClient,
    onFire?: (schedule: LocalSchedule) => void,
  ) {
    this.schedules = schedules;
    this.sqs = sqs;
    this.onFire = onFire;
  }

  get all(): readonly LocalSchedule[] {
    return this.schedules;
  }

  /** Fires what is due at `at` (tests pass a time; the sandbox passes the clock's). */
  async tick(at: Date): Promise<LocalSchedule[]> {
    const minute = Math.floor(at.getTime() / 60_000);
    const due = this.schedules.filter(
      (schedule) =>
        !this.fired.has(`${schedule.name}@${minute}`) &&
        cronMatches(schedule.expression, at, schedule.timeZone),
    );
    for (const schedule of due) {
      this.fired.add(`${schedule.name}@${minute}`);
      const queueName = schedule.targetArn.split(':').at(-1) ?? '';
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      // The scheduler's context attribute, as it fills it in: the minute it fired for.
      const scheduledTime = new Date(minute * 60_000).toISOString().replace('.000Z', 'Z');
      const MessageBody = schedule.input.replaceAll(
        '<aws.scheduler.scheduled-time>',
        scheduledTime,
      );
      await this.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }));
      this.onFire?.(schedule);
    }
    return due;
  }

  /** Checks twice a minute, as long as the sandbox runs. */
  start(onError: (error: Error) => void): void {
    this.timer ??= setInterval(() => {
      this.tick(new Date()).catch(onError);
    }, 30_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
