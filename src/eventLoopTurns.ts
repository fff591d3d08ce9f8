// Turns of the event loop taken during a long loop on the main thread, so other work of the thread runs meanwhile.
//
// A loop whose awaits resolve at once (data read ahead) never lets the event loop run: worker threads' replies and
// the other side of a `kvms verify` would wait until it ends. Every few milliseconds it takes a turn instead.

/** How long a loop runs between turns. */
const TURN_MS = 4;

export class EventLoopTurns {
  private last = performance.now();

  /** Whether the loop has run long enough to take a turn (cheap: a clock read). */
  get due(): boolean {
    return performance.now() - this.last >= TURN_MS;
  }

  /** Lets the event loop run its waiting tasks (setImmediate: after I/O and messages), then goes on. */
  async take(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
