export {
  appendLineDurable,
  CorruptFileError,
  fsyncDir,
  isErrno,
  readJsonFile,
  readTextIfExists,
  writeFileAtomic,
} from "./files.js";
export {
  acquireLock,
  type FileLock,
  HOST,
  isHolderDead,
  isProcessAlive,
  type LockInfo,
  readLockInfo,
  sleep,
  tryAcquireLock,
  withLock,
} from "./lock.js";
