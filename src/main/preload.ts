import { contextBridge, ipcRenderer } from "electron";
import { exposeBridge } from "./bridge.js";

// Bundled to dist/preload/preload.cjs (vite.preload.config.mjs): CommonJS, electron its only import.
exposeBridge({ contextBridge, ipcRenderer });
