import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { takeBackup } from '../backup/backup';
import { OperationError } from '../backup/files';
import { restoreBackup } from '../backup/restore';
import { verifyBackup, type Verification } from '../backup/verify';
import { ConfigError, loadConfig, type Config } from '../config';
import { databasePath } from '../db/open';
import { issueSignInLink } from './sign-in-link';

/**
 * `pnpm weft <command>`: operations on a Weft data dir, from the same environment as the server
 * (WEFT_DATA_DIR and the rest, see README). Exit codes: 0 done, 1 the command failed (or the
 * backup is not sound), 2 wrong usage or configuration. Secrets are never printed.
 */
const USAGE = `Usage: pnpm weft <command> [arguments]

Commands:
  backup <file>    Copy the database to <file> while Weft runs (SQLite online backup),
                   and the integrations' key to <file>.key (0600).
  restore <file>   Verify <file>, then replace the data dir's database (and key) with it.
                   Refused while a server has the database open; old files are kept as
                   weft.db.before-restore-<time>.
  verify <file>    Check a backup: integrity, schema, key. Exit 0 when sound, 1 when not.
  sign-in-link     Print a fresh one-time link that signs the owner in (works while Weft runs).
  help             Show this text.

Uses the server's environment: WEFT_DATA_DIR (default ./data), HOST, PORT, WEFT_SECRET_KEY.
See docs/operations.md.
`;

type Io = { out(line: string): void; err(line: string): void };
/** What a file command works with. */
type Command = { io: Io; config: Config; file: string };

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

function printVerification(io: Io, { file, verification: v }: { file: string; verification: Verification }): void {
  for (const c of v.checks) io.out(`  ${c.status.padEnd(8)} ${c.name.padEnd(10)} ${c.detail}`);
  io.out(v.ok ? `${file}: sound` : `${file}: NOT sound`);
}

/** The one file argument, resolved against the folder the command was typed in (pnpm runs scripts from the root). */
function fileArgument({ args, command, cwd }: { args: string[]; command: string; cwd: string }): string {
  const [file, ...extra] = args;
  if (file === undefined || file === '') throw new OperationError(`${command} needs a file: pnpm weft ${command} <file>`, 2);
  if (extra.length > 0) throw new OperationError(`${command} takes one file, got also: ${extra.join(' ')}`, 2);
  return path.resolve(cwd, file);
}

async function backup({ io, config, file }: Command): Promise<number> {
  const result = await takeBackup({ dataDir: config.dataDir, file, secretKeyFromEnv: config.secretKey });
  io.out(`backed up ${databasePath(config.dataDir)} to ${file} (${mb(result.bytes)})`);
  switch (result.keySource) {
    case 'file':
      io.out(`key copied to ${result.keyFile} (0600): keep it with the backup and as private; restoring credentials needs it`);
      break;
    case 'env':
      io.err("WARNING: the integrations' key comes from WEFT_SECRET_KEY and is NOT in the backup: restoring needs the same WEFT_SECRET_KEY. Keep it safe.");
      break;
    case 'none':
      io.err(
        `WARNING: no key file in ${config.dataDir} (secret.key): restoring will need the key the server uses, or integration credentials must be entered again.`,
      );
      break;
    default:
      result.keySource satisfies never;
  }
  const verification = verifyBackup({ file, secretKeyFromEnv: config.secretKey });
  printVerification(io, { file, verification });
  return verification.ok ? 0 : 1;
}

function restore({ io, config, file }: Command): number {
  const result = restoreBackup({ file, dataDir: config.dataDir, secretKeyFromEnv: config.secretKey });
  printVerification(io, { file, verification: result.verification });
  io.out(`restored ${file} into ${result.database}`);
  for (const aside of result.keptAside) io.out(`kept the previous file as ${aside}`);
  if (!result.keyRestored) {
    io.err(
      config.secretKey
        ? 'the server keeps using WEFT_SECRET_KEY (a key file beside the backup is not installed)'
        : `WARNING: the backup has no key file: the data dir keeps its own secret.key, which may not open the restored credentials`,
    );
  }
  io.out('start Weft to use it (newer migrations, if any, apply then)');
  return 0;
}

export async function runCli(argv: string[], { env, io }: { env: NodeJS.ProcessEnv; io: Io }): Promise<number> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  const known = ['backup', 'restore', 'verify', 'sign-in-link'];
  if (!known.includes(command)) {
    io.err(`weft: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`weft: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const cwd = env.INIT_CWD ?? process.cwd();
  if (config.databaseUrl && command !== 'sign-in-link') {
    // SQLite files only: PostgreSQL has its own tools, which also copy a running database consistently.
    io.err(
      `weft: ${command} works on the SQLite database; this server uses PostgreSQL (WEFT_DATABASE_URL): use pg_dump -Fc to back up, pg_restore to restore, and keep WEFT_SECRET_KEY (or the data dir's secret.key) with the dump (docs/operations.md)`,
    );
    return 1;
  }
  try {
    switch (command) {
      case 'backup':
        return await backup({ io, config, file: fileArgument({ args: rest, command, cwd }) });
      case 'restore':
        return restore({ io, config, file: fileArgument({ args: rest, command, cwd }) });
      case 'verify': {
        const file = fileArgument({ args: rest, command, cwd });
        const verification = verifyBackup({ file, secretKeyFromEnv: config.secretKey });
        printVerification(io, { file, verification });
        return verification.ok ? 0 : 1;
      }
      case 'sign-in-link':
        if (rest.length > 0) throw new OperationError(`sign-in-link takes no arguments, got: ${rest.join(' ')}`, 2);
        io.out(issueSignInLink(config));
        return 0;
      default:
        return 2;
    }
  } catch (err) {
    if (err instanceof OperationError) {
      io.err(`weft: ${err.message}`);
      return err.exitCode;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC' || code === 'EROFS') {
      io.err(`weft: ${command} failed: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const io: Io = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  process.exitCode = await runCli(process.argv.slice(2), { env: process.env, io });
}
