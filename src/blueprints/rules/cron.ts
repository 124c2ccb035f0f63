import { Cron } from "croner";
import { findTemplates } from "../templates.js";

/**
 * Why `schedule` is not a cron expression Render would run, or undefined when it is one.
 * Render's cron jobs take five fields (minute, hour, day of month, month, day of week) and
 * run in UTC; the expression is parsed with croner, as the local target runs it, so what
 * validates here is also what the local target schedules. A templated schedule is checked
 * once it is rendered.
 */
export function cronProblem(schedule: string): string | undefined {
  if (findTemplates(schedule).length > 0) return undefined;
  const trimmed = schedule.trim();
  if (trimmed === "") return "the schedule is empty: write a cron expression such as `*/15 * * * *`";
  let next: Date | null;
  try {
    const probe = new Cron(trimmed, { mode: "5-part", timezone: "UTC", paused: true });
    next = probe.nextRun();
    probe.stop();
  } catch (err) {
    const why = (err as Error).message.replace(/^CronPattern: /, "");
    return `\`${schedule}\` is not a 5-field cron expression (minute hour day-of-month month day-of-week, UTC): ${why}`;
  }
  if (next === null) return `\`${schedule}\` never fires (no such date)`;
  return undefined;
}
