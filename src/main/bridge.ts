import type { Bridge, Channel, EventName } from "../shared/ipc.js";
import { CHANNEL_NAMES, EVENT_NAMES, eventChannel } from "./channel-names.js";
import type { ElectronPreload, IpcRendererLike } from "./electron-api.js";

/**
 * `window.odooMcp`: one named function per channel of the contract, each `ipcRenderer.invoke(channel, payload)`,
 * and `on(event, listener)` for the main process's events. The renderer never sees `ipcRenderer` itself nor the
 * IPC event object (it holds `sender`). The main process validates every request and answer; a frozen object.
 */
export function createBridge(ipcRenderer: IpcRendererLike): Bridge {
  const api: Record<string, unknown> = {};
  for (const channel of CHANNEL_NAMES)
    api[channel] = (request: unknown) => ipcRenderer.invoke(channel satisfies Channel, request);
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    if (!(EVENT_NAMES as readonly string[]).includes(event))
      throw new Error(`unknown event ${String(event)}`);
    const wrapped = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(eventChannel(event), wrapped);
    return () => {
      ipcRenderer.removeListener(eventChannel(event), wrapped);
    };
  };
  return Object.freeze(api) as Bridge;
}

export function exposeBridge(electron: ElectronPreload): void {
  electron.contextBridge.exposeInMainWorld("odooMcp", createBridge(electron.ipcRenderer));
}
