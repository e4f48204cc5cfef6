// The workbench of `record`, `replay` and `export`: its broker listens nowhere, so these commands never
// take a port another broker (Mosquitto on a Pi, the desktop app) wants. Loaded lazily by each command.
import type { Workbench, WorkbenchOptions } from '../workbench/workbench.js';

export async function headlessWorkbench(dataDir: string | null = null, more: Pick<WorkbenchOptions, 'recordingMinFreeBytes'> = {}): Promise<Workbench> {
  const { Workbench } = await import('../workbench/workbench.js');
  return Workbench.start({ broker: { tcp: false, ws: false, sysInterval: 0 }, dataDir, ...more });
}
