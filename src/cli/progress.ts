// Progress bars for long steps, drawn with cli-progress on a terminal only (never when piped, never with --quiet).
import cliProgress from 'cli-progress';
import type { CliIo } from './context.js';
import { escapeControl, type Output } from './output.js';

export interface Progress {
  /** `value` of `total` done; `payload` fills the `{label}` and `{detail}` of the line. */
  update(value: number, detail?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, setTotal() {}, stop() {} };

/** True when progress should be drawn: stderr is a terminal and the user did not ask for quiet. */
export function progressWanted(io: CliIo, out: Output): boolean {
  return io.isTTY && !out.quiet;
}

/**
 * A progress line for one step. With a `total` it shows a bar and a percentage; without one (bytes
 * streamed from a tool that does not say how much will come) it shows the count only.
 */
export function startProgress(io: CliIo, out: Output, label: string, total?: number, unit = ''): Progress {
  if (!progressWanted(io, out)) return SILENT;
  const format =
    total === undefined
      ? `{label} {value}${unit} {detail}`
      : `{label} [{bar}] {percentage}% {value}/{total}${unit} {detail}`;
  const bar = new cliProgress.SingleBar(
    { format, stream: out.progressStream, hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 10, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  // Labels and details may come from input (table names): escaped like every other output.
  const shownLabel = escapeControl(label);
  bar.start(total ?? 0, 0, { label: shownLabel, detail: '' });
  return {
    update: (value, detail = '') => bar.update(value, { label: shownLabel, detail: escapeControl(detail) }),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}
