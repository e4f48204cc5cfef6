// setTimeout holds at most 2^31-1 ms (24.8 days); session expiry and will delay can be 136 years.
const MAX_DELAY = 2 ** 31 - 1;

export interface Timer {
  cancel(): void;
}

/** Runs `fn` after `ms`, however long; unref'd so a waiting timer never keeps the process alive. */
export function setLongTimeout(fn: () => void, ms: number): Timer {
  const due = Date.now() + ms;
  let handle: NodeJS.Timeout;
  const arm = (delay: number) => {
    handle = setTimeout(() => {
      const left = due - Date.now();
      if (left > 0) arm(Math.min(left, MAX_DELAY));
      else fn();
    }, delay);
    handle.unref();
  };
  arm(Math.min(ms, MAX_DELAY));
  return { cancel: () => clearTimeout(handle) };
}
