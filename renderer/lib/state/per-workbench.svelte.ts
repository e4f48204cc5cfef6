// A view's own state (selection, open dialogs) lives once per Workbench, so it survives tab switches.
import type { Workbench } from './workbench.svelte.js';

export function perWorkbench<T>(make: (workbench: Workbench) => T): (workbench: Workbench) => T {
  const views = new WeakMap<Workbench, T>();
  return (workbench) => {
    let view = views.get(workbench);
    if (!view) {
      // Made in an effect root of its own, not in the component that asks first: the state's $derived
      // fields would otherwise die with that component at the next tab switch, and every later read
      // would recompute them and warn (derived_inert).
      $effect.root(() => {
        view = make(workbench);
      });
      views.set(workbench, view!);
    }
    return view!;
  };
}
