import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Tmpfs = { dir: string; fill(): void; free(): void; unmount(): void };

/**
 * A small tmpfs mounted for a test (the suite runs as root, as CI does): a real file system that
 * really fills up (ENOSPC) or is really read-only, which chmod cannot give root. `fill()` writes a
 * filler file until the disk is full; `free()` deletes it.
 */
export function mountTmpfs({ sizeKb = 4096, readOnly = false }: { sizeKb?: number; readOnly?: boolean } = {}): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700${readOnly ? ',ro' : ''}`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        // The last partial chunk: fill byte by byte down to nothing.
        const one = Buffer.alloc(1, 1);
        try {
          for (;;) fs.writeSync(fd, one);
        } catch {
          /* full */
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    unmount() {
      try {
        execFileSync('umount', ['-l', dir]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
