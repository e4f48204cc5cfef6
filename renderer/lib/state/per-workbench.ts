// A view's own state (selection, open dialogs) lives once per Workbench, so it survives tab switches.
import type { Workbench } from './workbench.svelte.js';

export function perWorkbench<T>(make: (workbench: Workbench) => T): (workbench: Workbench) => T {
  const views = new WeakMap<Workbench, T>();
  return (workbench) => {
    let view = views.get(workbench);
    if (!view) views.set(workbench, (view = make(workbench)));
    return view;
  };
}
