// Applied to every web contents the app creates: no navigation away from app://, no new windows (http(s)
// links go to the system browser), no <webview>, and no permissions beyond clipboard writes.
import { app, shell, type Session } from 'electron';
import { isAppUrl, isExternalLink, isPermissionAllowed } from './security.js';

export function hardenWebContents(session: Session): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  session.setPermissionRequestHandler((contents, permission, callback) => callback(isPermissionAllowed(permission, contents.getURL())));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
  // Dictionaries would be downloaded from the internet; the app makes no requests of its own.
  session.setSpellCheckerEnabled(false);
}
