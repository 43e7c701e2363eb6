import fs from 'node:fs';
import { vi } from 'vitest';

/**
 * Holds every async `fs.fdatasync` (the journal's WAL sync) until `release()`, so what waits for
 * the sync visibly waits. Undone by `vi.restoreAllMocks()`.
 */
export function holdFsync() {
  const realFsync = fs.fdatasync;
  const held: { fd: number; run: () => Promise<void> }[] = [];
  vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    held.push({
      fd,
      run: () =>
        new Promise<void>((done) =>
          realFsync(fd, (err) => {
            cb(err);
            done();
          }),
        ),
    });
  }) as typeof fs.fdatasync);
  return {
    held,
    /** Lets the held syncs run; resolves once their callbacks (the acknowledgements) have run. */
    async release() {
      await Promise.all(held.splice(0).map((h) => h.run()));
    },
  };
}
