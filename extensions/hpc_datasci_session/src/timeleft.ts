/**
 * The time arithmetic of the session's clock, apart from JupyterLab so that
 * it reads (and could be tested) on its own.
 */

/** What the server extension answers (GET <base>/hpc-datasci-session/time). */
export interface ISessionTime {
  /** Slurm job id, or null outside a Slurm job. */
  job_id: string | null;
  /** End of the job in seconds since the epoch, or null: no end known. */
  end: number | null;
  /** The server's clock when it answered (seconds since the epoch). */
  now: number;
  /** Minutes before the end at which the user is warned, largest first. */
  warn_minutes: number[];
  /** How to get a longer session (shown in each warning). */
  longer_session: string;
  /** Seconds after which to ask again (an administrator may extend the job). */
  refresh: number;
}

/** "1:05:09" for 3909 seconds; "0:00" once the time is up. */
export function formatLeft(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const mm = hours > 0 ? String(minutes).padStart(2, '0') : String(minutes);
  const ss = String(secs).padStart(2, '0');
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * The warnings due now: the warning times (minutes) reached by `left`
 * (seconds) that were not given yet. The caller gives one notification for
 * the smallest of them (a page opened 5 minutes before the end gets the
 * 10-minute warning once, not twice).
 */
export function dueWarnings(left: number, warnMinutes: number[], given: Set<number>): number[] {
  return warnMinutes.filter(m => left > 0 && left <= m * 60 && !given.has(m));
}

/** Forget the warnings that are ahead again (an administrator extended the job). */
export function forgetPassed(left: number, given: Set<number>): void {
  for (const m of Array.from(given)) {
    if (left > m * 60) {
      given.delete(m);
    }
  }
}
