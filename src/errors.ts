// Typed errors of amu and the one table that maps them to process exit codes.

/** Exit codes, documented in README-amu.md. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  key: 4,
  external: 5,
  partial: 6,
  verifyMismatch: 7,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error amu expects; its message is shown to the user without a stack trace. */
export abstract class AmuError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /** Extra lines shown under the message (hints, lists). */
  readonly details: string[];
  constructor(message: string, details: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Wrong or missing options, unknown commands. */
export class UsageError extends AmuError {
  readonly exitCode = ExitCode.usage;
}

/** Input that cannot be read as what it should be: a malformed or truncated dump, a file of the wrong format. */
export class InputError extends AmuError {
  readonly exitCode = ExitCode.input;
}

/** A key or password is wrong: store password, key password, KEK, DEK. */
export class KeyError extends AmuError {
  readonly exitCode = ExitCode.key;
}

/** An outside tool or service failed: cassandra-cli, Kubernetes, Cassandra. */
export class ExternalError extends AmuError {
  readonly exitCode = ExitCode.external;
}

/** An external system refused the request for lack of permission (Kubernetes RBAC: HTTP 403). */
export class ForbiddenError extends ExternalError {}

/** The command ran to the end but not everything could be done (some KVMs not exported). */
export class PartialError extends AmuError {
  readonly exitCode = ExitCode.partial;
}

/** `kvms verify` found differences. */
export class MismatchError extends AmuError {
  readonly exitCode = ExitCode.verifyMismatch;
}

/** The user interrupted the run (SIGINT/SIGTERM). */
export class InterruptedError extends AmuError {
  readonly exitCode = ExitCode.interrupted;
}

export function exitCodeFor(err: unknown): ExitCodeValue {
  return err instanceof AmuError ? err.exitCode : ExitCode.internal;
}
