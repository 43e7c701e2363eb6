import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS as BASE_CHROMIUM_FLAGS } from '../chromium';

/**
 * End-to-end stack: the real server and runner as separate processes (as `pnpm start` runs them),
 * serving the built client, driven by Debian's headless Chromium. Nothing here imports server code.
 */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCREENSHOT_DIR = path.join(REPO, 'client', 'test-results', 'screenshots');
const CHROMIUM_FLAGS = [...BASE_CHROMIUM_FLAGS, '--disable-quic'];

export type Stack = {
  url: string;
  token: string;
  /** Content-Security-Policy violations any page reported so far (`stop()` fails when there are any). */
  cspViolations: string[];
  dataDir: string;
  api(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  newPage(): Promise<Page>;
  /** A page in a fresh browser context that is signed in as nobody (a second person). */
  newAnonymousPage(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  output(): string;
  stop(): Promise<void>;
};

function spawnTs(entry: string, env: Record<string, string>): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: path.dirname(path.dirname(entry)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return { child, out: () => out };
}

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The owner's sign-in after the first start's setup page (the e2e tests sign in as them). */
export const OWNER_LOGIN = { name: 'owner', email: 'owner@example.test', password: 'correct horse battery' };

/**
 * The first start: the printed link lands on the setup page, which asks the owner for a name,
 * email and password before the app. Done as a person does it, once per stack.
 */
async function completeOwnerSetup(page: Page): Promise<void> {
  const form = page.getByRole('form', { name: 'Set up the owner' });
  await form.waitFor({ timeout: 30_000 });
  await form.getByLabel('Your name').fill(OWNER_LOGIN.name);
  await form.getByLabel('Email').fill(OWNER_LOGIN.email);
  await form.getByLabel('Password', { exact: true }).fill(OWNER_LOGIN.password);
  await form.getByLabel('Repeat the password').fill(OWNER_LOGIN.password);
  await form.getByRole('button', { name: 'Continue' }).click();
  await form.waitFor({ state: 'detached', timeout: 30_000 });
}

export async function startStack({ env = {}, runner = true }: { env?: Record<string, string>; runner?: boolean } = {}): Promise<Stack> {
  if (!fs.existsSync(path.join(REPO, 'client', 'dist', 'index.html')))
    throw new Error('client/dist is missing: run `pnpm --filter @weft/client build` (pnpm test does)');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set WEFT_CHROMIUM)`);
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-e2e-'));
  const token = `e2e-token-${Math.random().toString(36).slice(2)}-0123456789`;
  const runnerToken = `e2e-runner-${Math.random().toString(36).slice(2)}-0123456789`;
  // The runner reads WEFT_RUNNER_TOKEN; WEFT_TOKEN (the user's) would not open /ws/runner.
  const common = { WEFT_DATA_DIR: dataDir, WEFT_TOKEN: token, WEFT_RUNNER_TOKEN: runnerToken, WEFT_LOG_LEVEL: 'warn', ...env };
  const server = spawnTs(path.join(REPO, 'server', 'src', 'server.ts'), { ...common, PORT: '0', HOST: '127.0.0.1' });
  const loginUrl = await until(() => /http:\/\/127\.0\.0\.1:\d+\/login\?code=\S+/.exec(server.out())?.[0], 'the server to start');
  const url = new URL(loginUrl).origin;
  const runnerProc = runner ? spawnTs(path.join(REPO, 'runner', 'src', 'main.ts'), { ...common, WEFT_SERVER_URL: url }) : null;
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  const pages: Page[] = [];
  const cspViolations: string[] = [];
  /** The session cookie the printed link gave the first page; later pages (fresh contexts) reuse it. */
  let sessionCookies: Awaited<ReturnType<BrowserContext['cookies']>> | null = null;

  const stack: Stack = {
    url,
    token,
    cspViolations,
    dataDir,
    async api(method, p, body) {
      const res = await fetch(url + p, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async newAnonymousPage() {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
      });
      pages.push(page);
      return page;
    },
    async newPage() {
      const page = await stack.newAnonymousPage();
      const context = page.context();
      if (sessionCookies === null) {
        // Signs in as a person does: the one-time link the server printed, which lands on /chat.
        await page.goto(loginUrl);
        await page.waitForURL(`${url}/chat`);
        await completeOwnerSetup(page);
        sessionCookies = await context.cookies();
        if (!sessionCookies.some((c) => c.name === 'weft_session' && c.httpOnly)) throw new Error('the login link set no HttpOnly session cookie');
      } else {
        await context.addCookies(sessionCookies);
      }
      return page;
    },
    async screenshot(page, name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: false });
      return file;
    },
    output: () => `--- server ---\n${server.out()}\n--- runner ---\n${runnerProc?.out() ?? ''}`,
    async stop() {
      await browser.close().catch(() => {});
      const violations = cspViolations.splice(0);
      for (const p of [runnerProc?.child, server.child]) {
        if (!p || p.exitCode !== null) continue;
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (p.exitCode === null) p.kill('SIGKILL');
      }
      if (violations.length > 0) throw new Error(`the pages broke the Content-Security-Policy:\n${violations.join('\n')}`);
    },
  };
  return stack;
}

export { until };
