import { statfsOf } from './space.js';

// A commit that fails for want of space is what lmdb-js does not survive: after one, the process was seen to abort
// with a corrupted heap (glibc's "malloc(): invalid size") or a segmentation fault, most often when the commit was a
// purge's (a fresh review: 4 crashes in 6 tries on a 16 MiB tmpfs filled with values of a 6 s TTL; issue
// kriszyp/lmdb-js#40: "the only time I have seen this is when running out of disk space"). So values are refused
// before their commit while the room left is under a reserve, which stays for what frees space: deletes, TTL
// changes and the purge of expired values. A refused commit remains the last resort.

/**
 * Room kept for deletes and purges. A purge's batch of 1,000 removals dirties at most about 1,000 leaf and branch
 * pages (4 MiB) and its freelist; a value write of a few MiB in flight from each worker also draws on it before
 * another worker sees it.
 */
export const reserveBytes = 8 * 1024 * 1024;

/** What LMDB says of an environment and of each of its databases (lmdb-js's getStats). */
export interface PageStats {
  readonly pageSize: number;
  readonly lastPageNumber: number;
  /** Pages in use by the main database, each named one, and the freelist. */
  readonly pagesInUse: number;
}

/**
 * The bytes a write of a value may still use: the filesystem's free bytes, and, when those are under the reserve,
 * the pages the LMDB file holds free (freed by deletes and purges, reused before the file grows; an estimate:
 * the file's pages past those in use). `pageStats` is read only then, as it costs a call per database.
 */
export function roomFor(path: string, pageStats: () => PageStats): number | undefined {
  const filesystem = statfsOf(path);
  if (filesystem === undefined) return undefined;
  if (filesystem.freeBytes >= reserveBytes) return filesystem.freeBytes;
  const { pageSize, lastPageNumber, pagesInUse } = pageStats();
  // Pages 0 and 1 are LMDB's meta pages.
  const freePages = Math.max(0, lastPageNumber + 1 - 2 - pagesInUse);
  return filesystem.freeBytes + freePages * pageSize;
}

/** Whether a write of a value is refused before its commit: the room left is under the reserve. */
export function underReserve(path: string, pageStats: () => PageStats): boolean {
  const room = roomFor(path, pageStats);
  return room !== undefined && room < reserveBytes;
}
