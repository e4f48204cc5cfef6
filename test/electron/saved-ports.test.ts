// The desktop app's broker ports, remembered in the data folder between starts: a real file, read back;
// a missing, damaged or nonsensical file gives the defaults and never stops the app.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, loadPorts, savePorts } from '../../main/workbench/saved-ports.js';

const dir = mkdtempSync(join(tmpdir(), 'mqtt-workbench-ports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'ports.json');

describe('saved broker ports', () => {
  it('without a file: 1883 and 8083', () => {
    expect(loadPorts(file)).toEqual({ tcp: 1883, ws: 8083 });
    expect(DEFAULT_PORTS).toEqual({ tcp: 1883, ws: 8083 });
  });

  it('saved ports come back at the next start; nothing half-written is left', () => {
    savePorts(file, { tcp: 1884, ws: 8084 });
    expect(loadPorts(file)).toEqual({ tcp: 1884, ws: 8084 });
    expect(readdirSync(dir)).toEqual(['ports.json']);
  });

  it('a damaged file or a value that is no port gives the default for it', () => {
    writeFileSync(file, '{"tcp": 1884, "ws": ');
    expect(loadPorts(file)).toEqual({ tcp: 1883, ws: 8083 });
    writeFileSync(file, JSON.stringify({ tcp: 0, ws: 8090 }));
    expect(loadPorts(file)).toEqual({ tcp: 1883, ws: 8090 });
    writeFileSync(file, JSON.stringify({ tcp: '1884', ws: 70000 }));
    expect(loadPorts(file)).toEqual({ tcp: 1883, ws: 8083 });
    writeFileSync(file, 'null');
    expect(loadPorts(file)).toEqual({ tcp: 1883, ws: 8083 });
    expect(existsSync(file)).toBe(true);
  });
});
