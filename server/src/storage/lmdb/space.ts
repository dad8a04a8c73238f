import { statfsSync } from 'node:fs';
import type { Refusal } from '../storage.js';

// Whether a write LMDB failed was refused for want of space, and whether the space has come back since. A
// refused commit changes nothing (LMDB aborts the transaction), so the store goes on serving reads, and the
// next write is tried as if nothing happened: it succeeds as soon as there is room.

// errno values Linux gives (and lmdb-js passes on as the error's code): no space, quota exceeded, and
// LMDB's MDB_MAP_FULL.
const enospc = 28;
const edquot = 122;
const eio = 5;
const mdbMapFull = -30792;

/**
 * Below this many free bytes on the store's filesystem, an EIO from a commit is taken for a full disk: LMDB
 * reports a short write, which is what a filesystem with room for part of a commit's pages answers, as EIO
 * (mdb_page_flush: "short write, filesystem full?"; seen on a full tmpfs with lmdb 3.5 on Linux 6.18),
 * while a disk with room that answers EIO is failing (500).
 */
export const nearlyFullBytes = 64 * 1024 * 1024;

/** Free space must grow by this much since a refusal before the store says it has room again without a write. */
const recoveredBytes = 1024 * 1024;

/** Bytes the unprivileged user may still write on the filesystem holding `path`; undefined when it cannot be read. */
export function freeBytesOf(path: string): number | undefined {
  return statfsOf(path)?.freeBytes;
}

/** The size and free space of the filesystem holding `path`; undefined when they cannot be read. */
export function statfsOf(path: string): { freeBytes: number; sizeBytes: number } | undefined {
  try {
    const stats = statfsSync(path);
    return { freeBytes: stats.bavail * stats.bsize, sizeBytes: stats.blocks * stats.bsize };
  } catch {
    return undefined;
  }
}

/** The error code an lmdb-js error carries, if any. */
function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * The error behind a failed lmdb-js write: a failed commit rejects each write of the transaction with
 * `Commit failed` and the reason as the promise `commitError`, which nobody else handles; reading it here
 * also keeps it from ending the process as an unhandled rejection.
 */
export async function commitErrorOf(error: unknown): Promise<unknown> {
  const commitError = typeof error === 'object' && error !== null ? (error as { commitError?: unknown }).commitError : undefined;
  if (!(commitError instanceof Promise)) return error;
  return commitError.then(
    () => error,
    (reason: unknown) => reason,
  );
}

/** Why the write that failed with `error` was refused for want of space at `path`, or undefined when it was not. */
export function refusalOf(error: unknown, path: string): Refusal | undefined {
  const code = codeOf(error);
  if (code === enospc || code === edquot || code === 'ENOSPC' || code === 'EDQUOT') return 'disk_full';
  if (code === mdbMapFull) return 'map_full';
  if (code === eio || code === 'EIO') {
    const free = freeBytesOf(path);
    return free !== undefined && free < nearlyFullBytes ? 'disk_full' : undefined;
  }
  return undefined;
}

/** What the operator reads of a refusal: in /healthz, /readyz and the log. */
export function refusalReason(refusal: Refusal): string {
  return refusal === 'map_full'
    ? "the embedded store's LMDB map is full"
    : 'the filesystem of the embedded store is full: writes are refused until there is room';
}

/** Whether an LMDB environment's writes are being refused for want of space; shared by its namespaces' stores. */
export class SpaceWatch {
  readonly #path: string;
  #refused: { readonly refusal: Refusal; readonly freeBytes: number | undefined } | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** A write was refused so. */
  refused(refusal: Refusal): void {
    this.#refused = { refusal, freeBytes: freeBytesOf(this.#path) };
  }

  /** A write committed: there is room. */
  written(): void {
    this.#refused = undefined;
  }

  /**
   * Why writes are refused now, or undefined: a refusal holds until a write commits, or until the filesystem has
   * gained room since (an operator freed or grew it), so that a store nobody writes to does not stay full.
   */
  refusing(): string | undefined {
    const refused = this.#refused;
    if (refused === undefined) return undefined;
    const free = freeBytesOf(this.#path);
    if (refused.freeBytes !== undefined && free !== undefined && free >= refused.freeBytes + recoveredBytes) {
      this.#refused = undefined;
      return undefined;
    }
    return refusalReason(refused.refusal);
  }
}
