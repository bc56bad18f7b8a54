import { type FSWatcher, watch as watchDir } from "node:fs";
import { readdir } from "node:fs/promises";
import { NotRegularFileError, statFolder } from "../../fsutil/regular.js";
import type { Logger } from "../../log.js";
import { isApprovalId } from "../ids.js";

/** The name of a month's folder in the archive. */
export const MONTH = /^\d{4}-\d{2}$/;

/** The request a file name in the store names (`<id>.json`), or null: locks, the journal, temporary files. */
export function idOfName(name: string): string | null {
  if (!name.endsWith(".json")) return null;
  const id = name.slice(0, -".json".length);
  return isApprovalId(id) ? id : null;
}

/** Is told about an entry of the store that is not what it should be (a file, a folder). */
export type Refused = (error: NotRegularFileError) => void;

/** The store's folders as this process last read them: `approvals/`, the archive and its months. */
export interface Folders {
  /** A folder's entries, read again only when its mtime changes; none when it is not a folder (`refused`). */
  entriesOf(folder: string, refused?: Refused): Promise<string[]>;
  /** The archive's months, newest first. */
  months(refused?: Refused): Promise<string[]>;
  /** The requests whose files a folder holds: `approvals/` (pending, approved; and what is left to archive), a month. */
  idsIn(folder: string, refused?: Refused): Promise<string[]>;
  /** The default `Refused`: logs an entry left out that nobody asked to be told about, once. */
  warnRefused: Refused;
  /**
   * A file-event watcher on `approvals/`: `onEvent` gets the id of the request whose file an event names, or null
   * for an event that names nothing (anything may have changed); other names are not passed on. Throws where the
   * folder cannot be watched.
   */
  watchRequests(onEvent: (id: string | null) => void): FSWatcher;
}

export function createFolders(
  dir: string,
  archiveDir: string,
  where: { root: string },
  logger: Logger | undefined,
): Folders {
  const warned = new Set<string>();
  const warnRefused: Refused = (error) => {
    if (warned.has(error.message)) return;
    warned.add(error.message);
    logger?.warn(`${error.message}: ignored`);
  };
  const listings = new Map<string, { mtimeMs: number; names: string[] }>();
  const entriesOf = async (folder: string, refused: Refused = warnRefused): Promise<string[]> => {
    let info: Awaited<ReturnType<typeof statFolder>>;
    try {
      info = await statFolder(folder, where);
    } catch (error) {
      if (!(error instanceof NotRegularFileError)) throw error;
      refused(error);
      info = null;
    }
    if (!info) {
      listings.delete(folder);
      return [];
    }
    const known = listings.get(folder);
    if (known && known.mtimeMs === info.mtimeMs) return known.names;
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return [];
    }
    listings.set(folder, { mtimeMs: info.mtimeMs, names });
    return names;
  };
  return {
    entriesOf,
    warnRefused,
    months: async (refused) =>
      (await entriesOf(archiveDir, refused))
        .filter((name) => MONTH.test(name))
        .sort()
        .reverse(),
    idsIn: async (folder, refused) =>
      (await entriesOf(folder, refused)).map(idOfName).filter((id): id is string => id !== null),
    watchRequests: (onEvent) =>
      watchDir(dir, { persistent: false }, (_event, name) => {
        if (!name) return onEvent(null);
        const id = idOfName(String(name));
        if (id) onEvent(id);
      }),
  };
}
