// Entry: pick the transport (Electron preload or the serve WebSocket), then mount the app.
import { mount } from 'svelte';
import App from './App.svelte';
import { overIpc, overWebSocket } from './lib/api/transports.js';
import { Workbench } from './lib/state/workbench.svelte.js';
import './styles.css';

const target = document.getElementById('app')!;
const workbench = new Workbench();
mount(App, { target, props: { workbench } });

if (window.workbench) {
  workbench.attach(overIpc(window.workbench));
} else {
  overWebSocket(window.location, (reason) => workbench.lost(reason)).then(
    (client) => workbench.attach(client),
    (error: Error) => workbench.lost(error.message),
  );
}
