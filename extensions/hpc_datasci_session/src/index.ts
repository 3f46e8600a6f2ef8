/**
 * The session's Slurm job in JupyterLab: the time left in the status bar, a
 * warning at each of the site's warning times, and at each warning a save of
 * every open document with unsaved changes (JupyterLab's own save), so that
 * the end of the job's time limit loses no edits.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ServerConnection } from '@jupyterlab/services';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Widget } from '@lumino/widgets';

import { dueWarnings, forgetPassed, formatLeft, ISessionTime } from './timeleft';

/** How often the display counts down. */
const TICK_MS = 1_000;
/** JupyterLab's toasts show this many characters of a message. */
const TOAST_LENGTH = 140;

async function fetchSessionTime(): Promise<ISessionTime> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'hpc-datasci-session', 'time');
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) {
    throw new ServerConnection.ResponseError(response);
  }
  return (await response.json()) as ISessionTime;
}

/** Save every open document that has unsaved changes; the number saved. */
async function saveUnsaved(app: JupyterFrontEnd, docManager: IDocumentManager): Promise<number> {
  const contexts = new Set<DocumentRegistry.Context>();
  for (const widget of app.shell.widgets('main')) {
    const context = docManager.contextForWidget(widget);
    if (context && context.model.dirty && !context.model.readOnly && context.contentsModel?.writable !== false) {
      contexts.add(context);
    }
  }
  const results = await Promise.allSettled(Array.from(contexts, context => context.save()));
  return results.filter(result => result.status === 'fulfilled').length;
}

function warn(minutesLeft: number, saved: number, longer: string): void {
  const start = `Session ends in ${minutesLeft} min: save your work`;
  const savedNote = saved > 0 ? ` (${saved} unsaved document${saved > 1 ? 's' : ''} saved)` : '';
  const message = `${start}${savedNote}. ${longer}`;
  if (message.length <= TOAST_LENGTH) {
    Notification.warning(message, { autoClose: false });
    return;
  }
  // A site's longer text: the whole of it behind a button.
  Notification.warning(`${start}${savedNote}.`, {
    autoClose: false,
    actions: [
      {
        label: 'How to get a longer session',
        callback: () => {
          void showDialog({ title: 'A longer session', body: longer, buttons: [Dialog.okButton()] });
        }
      }
    ]
  });
}

/** The status bar item and the warnings, once the server has answered. */
async function run(app: JupyterFrontEnd, docManager: IDocumentManager, statusBar: IStatusBar | null): Promise<void> {
  let session: ISessionTime;
  try {
    session = await fetchSessionTime();
  } catch (reason) {
    console.warn('hpc-datasci-session: no session time from the server yet', reason);
    window.setTimeout(() => void run(app, docManager, statusBar), 30_000);
    return;
  }
  // The server's clock minus this browser's, so that the time left is the server's.
  let skew = session.now - Date.now() / 1000;
  const given = new Set<number>();
  const item = new Widget();
  item.addClass('hpcds-SessionTime');
  item.id = 'hpcds-session-time';
  if (statusBar) {
    statusBar.registerStatusItem(item.id, {
      item,
      align: 'left',
      rank: 100,
      isActive: () => session.end !== null
    });
  }

  const tick = () => {
    if (session.end === null) {
      item.hide();
      return;
    }
    item.show();
    const left = session.end - (Date.now() / 1000 + skew);
    forgetPassed(left, given);
    const due = dueWarnings(left, session.warn_minutes, given);
    const last = Math.min(...session.warn_minutes);
    item.node.textContent = left > 0 ? `Session: ${formatLeft(left)} left` : 'Session: time is up';
    item.node.title = `Slurm job ${session.job_id} ends at ${new Date((session.end - skew) * 1000).toLocaleTimeString()}`;
    item.toggleClass('hpcds-SessionTime-warn', left <= last * 60);
    if (due.length > 0) {
      due.forEach(m => given.add(m));
      void saveUnsaved(app, docManager).then(saved => warn(Math.max(1, Math.ceil(left / 60)), saved, session.longer_session));
    }
  };
  const refresh = async () => {
    try {
      session = await fetchSessionTime();
      skew = session.now - Date.now() / 1000;
    } catch (reason) {
      console.warn('hpc-datasci-session: keeping the last session time', reason);
    }
  };
  const poll = () => {
    window.setTimeout(() => void refresh().then(poll), Math.max(1, session.refresh) * 1000);
  };
  tick();
  window.setInterval(tick, TICK_MS);
  poll();
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'hpc-datasci-session:time-left',
  description: "Shows the time left in the session's Slurm job, warns before its end and saves open documents.",
  autoStart: true,
  requires: [IDocumentManager],
  optional: [IStatusBar],
  // Not awaited: JupyterLab starts without waiting for squeue.
  activate: (app: JupyterFrontEnd, docManager: IDocumentManager, statusBar: IStatusBar | null) => {
    void run(app, docManager, statusBar);
  }
};

export default plugin;
