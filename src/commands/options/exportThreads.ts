// --export-threads (EXPORT_THREADS) of kvms export and kvms verify: checked once, the same way for both.
import { UsageError } from '../../errors.js';

/** The worker threads asked for, as an option object to spread (empty when not given); a usage error when out of range. */
export function exportThreadsOption(values: { 'export-threads'?: number | undefined }): { threads?: number } {
  const threads = values['export-threads'];
  if (threads === undefined) return {};
  if (!Number.isInteger(threads) || threads < 0 || threads > 64) {
    throw new UsageError(`--export-threads (EXPORT_THREADS) must be a whole number from 0 to 64, not ${String(threads)}`);
  }
  return { threads };
}
