// A recording must not fill the disk it is on (on a Raspberry Pi the SD card holds the system too): one
// is refused below a floor of free space, and stopped when the disk reaches it.
import { statfsSync } from 'node:fs';

/** The floor by default: room for the system and the rest of the workbench. */
export const DEFAULT_MIN_FREE_BYTES = 256 * 1024 * 1024;

/** Bytes an unprivileged process may still write on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const { bavail, bsize } = statfsSync(dir);
  return bavail * bsize;
}

/** Why there is not room enough for a recording in `dir`, or null when there is. */
export function lowDisk(dir: string, minFreeBytes: number): string | null {
  const free = freeBytes(dir);
  if (free >= minFreeBytes) return null;
  return `only ${mib(free)} free on the disk of ${dir}; a recording stops when less than ${mib(minFreeBytes)} is left`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}
