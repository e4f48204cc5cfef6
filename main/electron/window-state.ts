// Where the window was: read, checked and clamped to the screens there are now, and saved on close.
// Plain Node (no Electron), so the clamping is unit-tested; window.ts feeds it screen.getAllDisplays().
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Bounds;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 800, height: 560 };
/** How much of the window must be on some screen for the saved place to count (enough to grab it). */
const MIN_VISIBLE = { width: 160, height: 80 };

/** The saved state, or null when the file is missing or not ours (never throws: a bad file means defaults). */
export function readWindowState(file: string): WindowState | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  return parseWindowState(parsed);
}

export function parseWindowState(value: unknown): WindowState | null {
  if (typeof value !== 'object' || value === null) return null;
  const { bounds, maximized } = value as { bounds?: unknown; maximized?: unknown };
  if (typeof bounds !== 'object' || bounds === null) return null;
  const { x, y, width, height } = bounds as Record<string, unknown>;
  if (!isInt(width) || !isInt(height) || width <= 0 || height <= 0) return null;
  const place = isInt(x) && isInt(y) ? { x, y } : {};
  return { bounds: { ...place, width, height }, maximized: maximized === true };
}

/**
 * Bounds that fit the screens of now: the size at least MIN_SIZE and at most the work area, and the saved
 * position only if enough of the window lands on a screen (a monitor unplugged since: centred instead).
 */
export function clampWindowState(saved: WindowState | null, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  const wanted: Bounds = saved?.bounds ?? DEFAULT_SIZE;
  if (!primary) return { bounds: { width: wanted.width, height: wanted.height }, maximized: saved?.maximized ?? false };
  const x = wanted.x;
  const y = wanted.y;
  const area = x !== undefined && y !== undefined
    ? workAreas.find((a) => overlap(a, { x, y, width: wanted.width, height: wanted.height }))
    : undefined;
  const screen = area ?? primary;
  const width = clamp(wanted.width, Math.min(MIN_SIZE.width, screen.width), screen.width);
  const height = clamp(wanted.height, Math.min(MIN_SIZE.height, screen.height), screen.height);
  const bounds: Bounds = area && x !== undefined && y !== undefined
    ? { x: clamp(x, area.x, area.x + area.width - width), y: clamp(y, area.y, area.y + area.height - height), width, height }
    : { x: screen.x + Math.round((screen.width - width) / 2), y: screen.y + Math.round((screen.height - height) / 2), width, height };
  return { bounds, maximized: saved?.maximized ?? false };
}

/** Written to a temporary file and renamed, so a crash mid-write leaves the old state, not half a file. */
export function writeWindowState(file: string, state: WindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`);
  renameSync(temporary, file);
}

function overlap(area: Rect, window: Rect): boolean {
  const width = Math.min(area.x + area.width, window.x + window.width) - Math.max(area.x, window.x);
  const height = Math.min(area.y + area.height, window.y + window.height) - Math.max(area.y, window.y);
  return width >= MIN_VISIBLE.width && height >= MIN_VISIBLE.height;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const clamp = (v: number, min: number, max: number) => Math.max(min, Math.min(max, v));
