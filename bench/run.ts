/**
 * `pnpm bench [name...]`: runs every `bench/<name>.bench.ts` in sequence, each in a process of its own (or only the named ones),
 * prints each result as JSON, and replaces that scenario's section in bench/RESULTS.md.
 *
 * A scenario module exports `run(): Promise<Record<string, unknown>>` and, optionally,
 * `title` (a heading) and `markdown(result)` (a table or notes for RESULTS.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Scenario = {
  run(): Promise<Record<string, unknown>>;
  title?: string;
  markdown?(result: Record<string, unknown>): string;
};

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(BENCH_DIR, 'RESULTS.md');

function machine(): string {
  let uname = `${os.type()} ${os.release()} ${os.arch()}`;
  try {
    uname = execFileSync('uname', ['-a'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a Unix: keep os.* */
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, \`${uname}\``;
}

/** Replaces the block between the scenario's markers, or appends one. */
function updateResults(name: string, body: string) {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  let text = fs.existsSync(RESULTS)
    ? fs.readFileSync(RESULTS, 'utf8')
    : '# Benchmark results\n\nWritten by `pnpm bench`; each section is replaced when its scenario runs again.\n';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  text = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(RESULTS, text);
  // The file is checked by `pnpm lint`: write it as the formatter would (aligned tables).
  execFileSync(path.join(BENCH_DIR, '..', 'node_modules', '.bin', 'biome'), ['format', '--write', RESULTS], { stdio: 'ignore' });
}

async function main() {
  const wanted = process.argv.slice(2);
  const files = fs
    .readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
    .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')));
  if (files.length === 0) {
    process.stderr.write(`no scenarios${wanted.length ? ` named ${wanted.join(', ')}` : ''} in ${BENCH_DIR}\n`);
    process.exit(1);
  }
  // Each scenario gets a fresh process: one that runs after another would inherit its heap (the
  // diagram scenario's in-process Vite build alone doubles the engine's RSS) and report it as its own.
  if (files.length > 1) {
    let anyFailed = false;
    for (const file of files) {
      const name = file.replace(/\.bench\.ts$/, '');
      const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), name], { stdio: 'inherit' });
      anyFailed ||= child.status !== 0;
    }
    process.exit(anyFailed ? 1 : 0);
  }
  let failed = false;
  for (const file of files) {
    const name = file.replace(/\.bench\.ts$/, '');
    process.stderr.write(`\n== ${name}\n`);
    const mod = (await import(pathToFileURL(path.join(BENCH_DIR, file)).href)) as Scenario;
    const startedAt = new Date();
    let result: Record<string, unknown>;
    try {
      result = await mod.run();
    } catch (err) {
      failed = true;
      result = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    process.stdout.write(`${JSON.stringify({ scenario: name, result }, null, 2)}\n`);
    const details = mod.markdown && !('error' in result) ? mod.markdown(result) : `\`\`\`json\n${JSON.stringify(result, null, 2)}\n\`\`\``;
    updateResults(name, `## ${mod.title ?? name}\n\nRun ${startedAt.toISOString()} on ${machine()}.\n\n${details}`);
  }
  process.exit(failed ? 1 : 0);
}

await main();
