// What both sides need to know of the .mqttrec format (main/recording/format.ts defines it). No zod here:
// the renderer imports this at run time, and zod's eval probe trips its Content-Security-Policy.

/**
 * The first recording format that keeps the broker's changes while recording (older ones hold its state
 * at the start only): the state at a point of a recording needs it.
 */
export const FORMAT_WITH_CHANGES = 2;
