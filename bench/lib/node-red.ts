/**
 * Node-RED as the hook benchmark's baseline: installed from the registry into a cache dir outside the
 * repo (never a dependency of Weft), started headless on a flow `http in` → N `change` nodes →
 * `http response`, with its settings and flow file in a temp dir. In memory: Node-RED journals nothing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './weft';

export const NODE_RED_VERSION = '4.1.15';
const CACHE = path.join(os.homedir(), '.cache', 'weft-bench', 'node-red');
const RED_JS = path.join(CACHE, 'node_modules', 'node-red', 'red.js');

/** The path of Node-RED's red.js, installing it first when the cache has not got it; null (and why) when it cannot be had. */
export function installNodeRed(): { redJs: string } | { error: string } {
  try {
    const pkg = path.join(CACHE, 'node_modules', 'node-red', 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version === NODE_RED_VERSION) return { redJs: RED_JS };
    fs.mkdirSync(CACHE, { recursive: true });
    execFileSync('npm', ['install', '--prefix', CACHE, `node-red@${NODE_RED_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 300_000,
    });
    return { redJs: RED_JS };
  } catch (err) {
    return { error: `node-red@${NODE_RED_VERSION} could not be installed: ${String(err).slice(0, 300)}` };
  }
}

/** The nodes answering `POST /hook/<steps>` after `steps` change nodes, each setting one property of the message. */
function chainNodes(steps: number) {
  const id = (name: string) => `${name}-${steps}`;
  const ids = Array.from({ length: steps }, (_, i) => id(`n${i}`));
  const input = { id: id('in'), z: 'tab', type: 'http in', url: `/hook/${steps}`, method: 'post', wires: [[ids[0] ?? id('out')]] };
  const changes = ids.map((nodeId, i) => ({
    id: nodeId,
    z: 'tab',
    type: 'change',
    rules: [{ t: 'set', p: `step${i}`, pt: 'msg', to: 'true', tot: 'bool' }],
    wires: [[ids[i + 1] ?? id('out')]],
  }));
  const output = { id: id('out'), z: 'tab', type: 'http response', statusCode: '200', wires: [] };
  return [input, ...changes, output];
}

export type NodeRedProcess = { url: string; child: ChildProcess; stop(): Promise<void> };

/** Node-RED with one hook per entry of `chains` (`/hook/<steps>`), editor and admin API off, logging at warn. */
export async function startNodeRed({ redJs, port, chains }: { redJs: string; port: number; chains: number[] }): Promise<NodeRedProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-node-red-'));
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify([{ id: 'tab', type: 'tab', label: 'bench' }, ...chains.flatMap(chainNodes)]));
  fs.writeFileSync(
    path.join(dir, 'settings.js'),
    `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      httpAdminRoot: false,
      disableEditor: true,
      credentialSecret: false,
      logging: { console: { level: 'warn', metrics: false, audit: false } },
      httpNodeMaxSize: '1mb',
    })};\n`,
  );
  const child = spawn(process.execPath, [redJs, '--settings', path.join(dir, 'settings.js'), '--userDir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/hook/${chains[0]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      await res.text();
      if (res.status === 200) return { url, child, stop };
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`Node-RED did not answer its hook: ${out.slice(-2000)}`);
}
