// Adaptive request concurrency: a shared gate that closes on quota (429) until Retry-After, halves on 5xx, grows back on success.

export interface ThrottleOptions {
  /** The most requests in flight (--concurrency). */
  max: number;
  now?: () => number;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Waiter {
  resolve: () => void;
  retry: boolean;
}

/** Without Retry-After the quota pause starts at 1 s and doubles up to a minute (Apigee's quota window). */
const FIRST_QUOTA_PAUSE_MS = 1000;
const MAX_QUOTA_PAUSE_MS = 60_000;

export class Throttle {
  /** Current limit on requests in flight, between 1 and `max`. */
  limit: number;
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];
  private pausedUntil = 0;
  private quotaPause = FIRST_QUOTA_PAUSE_MS;
  private successes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  readonly stats = { quota: 0, unavailable: 0, pausedMs: 0 };

  constructor(private readonly options: ThrottleOptions) {
    this.limit = options.max;
    this.now = options.now ?? Date.now;
  }

  /** Waits for a slot; retries go ahead of first attempts so a call rejected for quota is first in the next window. */
  async acquire(retry = false, signal?: AbortSignal): Promise<() => void> {
    if (this.canStart() && this.waiting.length === 0) this.inFlight += 1;
    else {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason as Error);
        };
        const waiter: Waiter = {
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          retry,
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        const firstNew = this.waiting.findIndex((w) => !w.retry);
        if (retry && firstNew >= 0) this.waiting.splice(firstNew, 0, waiter);
        else this.waiting.push(waiter);
        this.pump();
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.pump();
    };
  }

  private canStart(): boolean {
    return this.inFlight < this.limit && this.now() >= this.pausedUntil;
  }

  /** Lets waiters start while there is room (counting them in flight for them), else wakes up when a pause ends. */
  private pump(): void {
    while (this.waiting.length > 0 && this.canStart()) {
      this.inFlight += 1;
      this.waiting.shift()!.resolve();
    }
    const wait = this.pausedUntil - this.now();
    if (this.waiting.length > 0 && wait > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
    }
  }

  /**
   * A 429: nobody starts before Retry-After. Without one, a pause of 1 s that doubles (up to a minute) each time the
   * quota still refuses after a pause; the other calls of the same burst refused meanwhile do not lengthen it.
   */
  onQuota(retryAfterMs: number | undefined): void {
    this.stats.quota += 1;
    this.successes = 0;
    const now = this.now();
    let until: number;
    if (retryAfterMs !== undefined) until = now + retryAfterMs;
    else {
      if (now < this.pausedUntil) return;
      until = now + this.quotaPause;
      this.quotaPause = Math.min(this.quotaPause * 2, MAX_QUOTA_PAUSE_MS);
    }
    if (until > this.pausedUntil) {
      this.stats.pausedMs += until - Math.max(this.pausedUntil, now);
      this.pausedUntil = until;
    }
  }

  /** A 5xx or a lost connection: fewer requests at once. */
  onUnavailable(): void {
    this.stats.unavailable += 1;
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.successes = 0;
  }

  onSuccess(): void {
    this.quotaPause = FIRST_QUOTA_PAUSE_MS;
    this.successes += 1;
    if (this.limit < this.options.max && this.successes >= this.limit) {
      this.limit += 1;
      this.successes = 0;
      this.pump();
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
