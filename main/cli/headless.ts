// The workbench of `record`, `replay` and `export`: its broker listens nowhere, so these commands never
// take a port another broker (Mosquitto on a Pi, the desktop app) wants. Loaded lazily by each command.
import type { Workbench, WorkbenchOptions } from '../workbench/workbench.js';

/** The broker cannot be reached, or the work failed (bad flags exit 2, through main()). */
export const EXIT_FAILED = 1;

/** Says what failed on one line, closes the workbench, exits 1. */
export async function failAndExit(workbench: Workbench, message: string): Promise<never> {
  console.error(`mqtt-workbench: ${message}`);
  await workbench.close();
  process.exit(EXIT_FAILED);
}

export async function headlessWorkbench(dataDir: string | null = null, more: Pick<WorkbenchOptions, 'recordingMinFreeBytes'> = {}): Promise<Workbench> {
  const { Workbench } = await import('../workbench/workbench.js');
  return Workbench.start({ broker: { tcp: false, ws: false, sysInterval: 0 }, dataDir, ...more });
}
