import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml and the Dockerfile read as Docker reads them, and turned into processes on
 * this machine (compose-rehearsal.test.ts). The only changes are the ones Docker itself makes:
 * service names resolve to 127.0.0.1 with a port per service, the proxy's fixed address is
 * 127.0.0.1, and a volume mounted at a path is a directory of its own. Anything this file does not
 * know how to map (a service, a key, a variable) is an error that names it: a rehearsal that
 * silently ignored part of the compose file would pass while Docker does something else.
 */

export type Env = Record<string, string>;

/** Compose's variable syntax: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`. */
const VARIABLE = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Compose's interpolation of one value with `vars` as the shell environment. */
export function interpolate(value: string, vars: Env, where: string): string {
  return value.replace(
    VARIABLE,
    (_all, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (dollar) return '$';
      const name = (braced ?? bare)!;
      const set = Object.hasOwn(vars, name);
      const value = set ? vars[name]! : '';
      const emptyCounts = op?.startsWith(':') ?? false;
      const present = set && (!emptyCounts || value !== '');
      switch (op?.replace(':', '')) {
        case '-':
          return present ? value : arg!;
        case '+':
          return present ? arg! : '';
        case '?':
          if (!present) throw new Error(`${where}: required variable ${name} is missing a value: ${arg}`);
          return value;
        default:
          // Compose would substitute an empty string (with a warning): the rehearsal must name every value it runs with.
          if (!set) throw new Error(`${where}: \${${name}} has no value in the rehearsal; give it one in compose-rehearsal.test.ts`);
          return value;
      }
    },
  );
}

function interpolateAll(node: unknown, vars: Env, where: string): unknown {
  if (typeof node === 'string') return interpolate(node, vars, where);
  if (Array.isArray(node)) return node.map((item, i) => interpolateAll(item, vars, `${where}[${i}]`));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateAll(value, vars, `${where}.${key}`)]));
  }
  return node;
}

export type ComposeService = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, unknown> | string[];
  volumes?: string[];
  ports?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  configs?: { source: string; target: string }[];
  [key: string]: unknown;
};

export type ComposeFile = {
  services: Record<string, ComposeService>;
  configs?: Record<string, { content?: string }>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } } | null>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
};

/** Reads docker-compose.yml: YAML anchors and merge keys (`<<: *server`) resolved, then every value interpolated from `vars`. */
export function readCompose(file: string, vars: Env): ComposeFile {
  const parsed = parse(fs.readFileSync(file, 'utf8'), { merge: true }) as Record<string, unknown>;
  const known = new Set(['name', 'services', 'configs', 'networks', 'volumes']);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key) && !key.startsWith('x-')) throw new Error(`docker-compose.yml: top-level "${key}" is not something the rehearsal knows how to map`);
  }
  return interpolateAll(parsed, vars, 'docker-compose.yml') as ComposeFile;
}

/** A service's environment as compose passes it: the mapping or `KEY=value` list form, numbers as strings. */
export function serviceEnvironment(name: string, service: ComposeService): Env {
  const entries: [string, unknown][] = Array.isArray(service.environment)
    ? service.environment.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, null] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(service.environment ?? {});
  const env: Env = {};
  for (const [key, value] of entries) {
    if (typeof value === 'string') env[key] = value;
    else if (typeof value === 'number') env[key] = String(value);
    // Compose takes a value-less variable from the shell that runs it, and refuses booleans: neither is a deployment's setting.
    else throw new Error(`docker-compose.yml: ${name}.environment.${key} is ${JSON.stringify(value)}; give it a string value`);
  }
  return env;
}

export type Dockerfile = { workdir: string; env: Env; cmd: string[]; expose: number[]; run: string[]; copy: string[] };

/** The instructions of the Dockerfile the rehearsal depends on (continuation lines joined). */
export function readDockerfile(file: string): Dockerfile {
  const lines = fs
    .readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result: Dockerfile = { workdir: '/', env: {}, cmd: [], expose: [], run: [], copy: [] };
  for (const line of lines) {
    const [, instruction, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    switch (instruction?.toUpperCase()) {
      case 'WORKDIR':
        result.workdir = path.posix.resolve(result.workdir, rest!);
        break;
      case 'ENV':
        for (const [, key, value] of rest!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) result.env[key!] = value!.replace(/^"(.*)"$/, '$1');
        break;
      case 'CMD':
        result.cmd = JSON.parse(rest!) as string[];
        break;
      case 'EXPOSE':
        result.expose.push(...rest!.split(/\s+/).map((p) => Number.parseInt(p, 10)));
        break;
      case 'RUN':
        result.run.push(rest!);
        break;
      case 'COPY':
        result.copy.push(rest!);
        break;
    }
  }
  return result;
}

export type Role = 'postgres' | 'server' | 'runner' | 'proxy';

/** Each variable compose may set, by role, and how the rehearsal passes it. */
type Mapping = 'as-is' | 'own-port' | 'listen-address' | 'service-urls' | 'proxy-address';
const SERVER_ENV: Record<string, Mapping> = {
  WEFT_START_RUNNER: 'as-is',
  HOST: 'listen-address',
  PORT: 'own-port',
  WEFT_DATABASE_URL: 'service-urls',
  WEFT_TOKEN: 'as-is',
  WEFT_RUNNER_TOKEN: 'as-is',
  WEFT_SECRET_KEY: 'as-is',
  WEFT_ALLOWED_HOSTS: 'as-is',
  WEFT_TRUST_PROXY: 'proxy-address',
  WEFT_LOG_FORMAT: 'as-is',
  WEFT_LOG_LEVEL: 'as-is',
  WEFT_ALLOW_BASH: 'as-is',
  WEFT_LEASE_MS: 'as-is',
};
const RUNNER_ENV: Record<string, Mapping> = {
  WEFT_SERVER_URL: 'service-urls',
  WEFT_RUNNER_TOKEN: 'as-is',
  WEFT_RUNNER_NAME: 'as-is',
  WEFT_RUNNER_CAPACITY: 'as-is',
  WEFT_LOG_FORMAT: 'as-is',
  WEFT_LOG_LEVEL: 'as-is',
};
/** What the postgres image's entrypoint reads to create the role and the database. */
const POSTGRES_ENV = new Set(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB']);
/** Service keys that change nothing the rehearsal runs (it starts services in dependency order itself). */
const SERVICE_KEYS = new Set([
  'image',
  'pull_policy',
  'build',
  'restart',
  'depends_on',
  'networks',
  'healthcheck',
  'command',
  'environment',
  'volumes',
  'ports',
  'configs',
]);
/** The caddy image's command reads its Caddyfile from here. */
const CADDY_CONFIG = '/etc/caddy/Caddyfile';

export type Service = {
  name: string;
  role: Role;
  /** The port it listens on inside its container (postgres 5432, a server its PORT, the proxy its Caddyfile's). */
  containerPort: number | null;
};

export type Topology = {
  services: Service[];
  byRole(role: Role): Service[];
  /** The proxy's fixed address on the compose network (WEFT_TRUST_PROXY must name it). */
  proxyAddress: string;
  /** The proxy's published port: `host:container`. */
  proxyPorts: { host: number; container: number };
  caddyfile: string;
  postgres: { user: string; password: string; database: string };
};

const commandOf = (service: ComposeService, dockerfile: Dockerfile): string[] =>
  typeof service.command === 'string' ? service.command.split(/\s+/) : (service.command ?? dockerfile.cmd);

const networksOf = (service: ComposeService): string[] =>
  Array.isArray(service.networks) ? service.networks : service.networks ? Object.keys(service.networks) : ['default'];

/** Which kind of process each service is, checked against what the rehearsal can run. */
export function topology(compose: ComposeFile, dockerfile: Dockerfile, repoRoot: string): Topology {
  const built = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
  if (built.length !== 1) throw new Error(`docker-compose.yml: expected one service that builds the image (build: .), found ${built.length}`);
  const [builder, builderService] = built[0]!;
  const context = typeof builderService.build === 'string' ? builderService.build : (builderService.build?.context ?? '.');
  const dockerfileName = typeof builderService.build === 'object' ? (builderService.build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
  if (path.resolve(repoRoot, context) !== repoRoot || dockerfileName !== 'Dockerfile') {
    throw new Error(`docker-compose.yml: ${builder} builds ${context}/${dockerfileName}; the rehearsal runs the repository as the root Dockerfile builds it`);
  }
  const weftImage = builderService.image;

  const services: Service[] = [];
  for (const [name, s] of Object.entries(compose.services)) {
    for (const key of Object.keys(s)) {
      if (!SERVICE_KEYS.has(key)) throw new Error(`docker-compose.yml: ${name}.${key} is not something the rehearsal knows how to map`);
    }
    const command = commandOf(s, dockerfile);
    let role: Role;
    if (s.image?.startsWith('postgres:')) role = 'postgres';
    else if (s.image?.startsWith('caddy:')) role = 'proxy';
    else if (s.image === weftImage && command.includes('server/dist/start.js')) role = 'server';
    else if (s.image === weftImage && command.includes('runner/dist/main.js')) role = 'runner';
    else {
      throw new Error(
        `docker-compose.yml: service ${name} (image ${s.image}, command ${JSON.stringify(command)}) is none the rehearsal knows how to run ` +
          '(postgres, a Weft server or runner on the image the Dockerfile builds, Caddy); teach compose-rehearsal.test.ts about it',
      );
    }
    if ((role === 'server' || role === 'runner') && command[0] !== 'node') throw new Error(`docker-compose.yml: ${name} runs ${command[0]}, not node`);
    if (s.ports && role !== 'proxy') throw new Error(`docker-compose.yml: ${name} publishes ports, which the rehearsal does not map`);
    const env = serviceEnvironment(name, s);
    const known =
      role === 'server'
        ? SERVER_ENV
        : role === 'runner'
          ? RUNNER_ENV
          : role === 'postgres'
            ? Object.fromEntries([...POSTGRES_ENV].map((k) => [k, 'as-is']))
            : {};
    for (const key of Object.keys(env)) {
      if (!Object.hasOwn(known, key))
        throw new Error(`docker-compose.yml: ${name} sets ${key}, which the rehearsal does not know how to map (compose-file.ts)`);
    }
    const containerPort = role === 'postgres' ? 5432 : role === 'server' ? Number(env.PORT ?? 8787) : null;
    services.push({ name, role, containerPort });
  }
  const byRole = (role: Role) => services.filter((s) => s.role === role);
  for (const role of ['postgres', 'proxy'] as const) {
    if (byRole(role).length !== 1) throw new Error(`docker-compose.yml: expected one ${role} service, found ${byRole(role).length}`);
  }
  if (byRole('server').length === 0 || byRole('runner').length === 0) throw new Error('docker-compose.yml: no Weft server or no runner');

  const pgService = compose.services[byRole('postgres')[0]!.name]!;
  const pgEnv = serviceEnvironment('postgres', pgService);
  if (!pgEnv.POSTGRES_PASSWORD) throw new Error('docker-compose.yml: the postgres image needs POSTGRES_PASSWORD');
  // The image's defaults: user postgres, database named after the user.
  const pgUser = pgEnv.POSTGRES_USER ?? 'postgres';
  const postgres = { user: pgUser, password: pgEnv.POSTGRES_PASSWORD, database: pgEnv.POSTGRES_DB ?? pgUser };

  const proxyName = byRole('proxy')[0]!.name;
  const proxy = compose.services[proxyName]!;
  const proxyNetworks = Array.isArray(proxy.networks) || !proxy.networks ? {} : proxy.networks;
  const fixed = Object.entries(proxyNetworks).flatMap(([net, opts]) => (opts?.ipv4_address ? [[net, opts.ipv4_address] as const] : []));
  if (fixed.length !== 1) throw new Error(`docker-compose.yml: ${proxyName} needs one fixed ipv4_address (WEFT_TRUST_PROXY names it)`);
  const [proxyNet, proxyAddress] = fixed[0]!;
  const subnet = compose.networks?.[proxyNet]?.ipam?.config?.[0]?.subnet;
  if (!subnet || !inSubnet(proxyAddress, subnet))
    throw new Error(`docker-compose.yml: ${proxyName}'s address ${proxyAddress} is not in network ${proxyNet}'s subnet ${subnet}`);
  if (proxy.ports?.length !== 1) throw new Error(`docker-compose.yml: ${proxyName} should publish one port`);
  const published = /^(?:[\d.]+:)?(\d+):(\d+)$/.exec(proxy.ports[0]!);
  if (!published) throw new Error(`docker-compose.yml: ${proxyName}.ports ${proxy.ports[0]} is not host:container`);
  const proxyPorts = { host: Number(published[1]), container: Number(published[2]) };
  const config = proxy.configs?.find((c) => c.target === CADDY_CONFIG);
  if (!config || proxy.configs?.length !== 1)
    throw new Error(`docker-compose.yml: ${proxyName} needs its Caddyfile as one config at ${CADDY_CONFIG}, where the caddy image reads it`);
  const caddyfile = compose.configs?.[config.source]?.content;
  if (typeof caddyfile !== 'string') throw new Error(`docker-compose.yml: config ${config.source} has no inline content`);
  services.find((s) => s.name === proxyName)!.containerPort = proxyPorts.container;

  // Every service on one network with the proxy: a service left on `default` would resolve no other name.
  for (const [name, s] of Object.entries(compose.services)) {
    if (!networksOf(s).includes(proxyNet)) throw new Error(`docker-compose.yml: ${name} is not on network ${proxyNet}, where the other services are`);
  }
  return { services, byRole, proxyAddress, proxyPorts, caddyfile, postgres };
}

function inSubnet(address: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const [base, bits] = cidr.split('/');
  const block = 2 ** (32 - Number(bits));
  return Math.floor(toInt(address) / block) === Math.floor(toInt(base!) / block);
}

/** Where each service is reached here (Docker's DNS gives its name; here 127.0.0.1 and a port of its own). */
export type Addresses = Record<string, { host: string; port: number }>;

/** A comma list of URLs with each service host (`server-1:8787`) rewritten to 127.0.0.1 and that service's port here. */
export function mapServiceUrls(value: string, where: string, top: Topology, addresses: Addresses): string {
  return value
    .split(',')
    .map((url) => {
      const m = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?)([^:/?#]+)(?::(\d+))?(.*)$/i.exec(url.trim());
      if (!m) throw new Error(`${where}: ${url} is not a URL`);
      const [, head, host, port, tail] = m;
      const service = top.services.find((s) => s.name === host);
      if (!service || service.containerPort === null)
        throw new Error(`${where}: ${url} names host ${host}, which is no service listening in docker-compose.yml`);
      const defaultPort = head!.startsWith('postgres') ? 5432 : head!.startsWith('https') ? 443 : 80;
      if (Number(port ?? defaultPort) !== service.containerPort)
        throw new Error(`${where}: ${url}: ${host} listens on ${service.containerPort}, not ${port ?? defaultPort}`);
      const here = addresses[host!]!;
      return `${head}${here.host}:${here.port}${tail}`;
    })
    .join(',');
}

export type Plan = {
  name: string;
  role: Role;
  argv: string[];
  cwd: string;
  /** The process's whole environment. */
  env: Env;
  /** The service's compose environment, interpolated, before any mapping. */
  composeEnv: Env;
  /** The variables the mapping changed: `[compose value, value here]`. */
  rewritten: Record<string, [string, string]>;
  /** The directory each volume's mount target became. */
  mounts: Record<string, string>;
};

/**
 * How to start a server or runner service here: its command from the image's WORKDIR (the
 * repository, which the Dockerfile copies there), the Dockerfile's ENV under the service's
 * environment, `/data` paths in a directory of the service's own.
 */
export function planProcess({
  name,
  compose,
  top,
  dockerfile,
  repoRoot,
  addresses,
  dataDir,
  baseEnv,
}: {
  name: string;
  compose: ComposeFile;
  top: Topology;
  dockerfile: Dockerfile;
  repoRoot: string;
  addresses: Addresses;
  dataDir: string;
  baseEnv: Env;
}): Plan {
  const s = compose.services[name]!;
  const role = top.services.find((x) => x.name === name)!.role;
  if (role !== 'server' && role !== 'runner') throw new Error(`planProcess: ${name} is the ${role}`);
  const table = role === 'server' ? SERVER_ENV : RUNNER_ENV;
  const composeEnv = serviceEnvironment(name, s);
  const mounts: Record<string, string> = {};
  for (const volume of s.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (!source || !target || !Object.hasOwn(compose.volumes ?? {}, source))
      throw new Error(`docker-compose.yml: ${name} mounts ${volume}, not a named volume`);
    mounts[target] = dataDir;
  }
  // A path in the image: under a volume's mount, that volume's directory; under WORKDIR, the
  // repository (COPY . .); anywhere else the container's own files, here a directory of the service's.
  const under = (value: string, dir: string) => value === dir || value.startsWith(`${dir}/`);
  const mapPath = (value: string) => {
    for (const [target, dir] of Object.entries(mounts)) if (under(value, target)) return dir + value.slice(target.length);
    if (under(value, dockerfile.workdir)) return repoRoot + value.slice(dockerfile.workdir.length);
    return value.startsWith('/') ? path.join(dataDir, 'container', value) : value;
  };
  const env: Env = { ...baseEnv };
  const rewritten: Record<string, [string, string]> = {};
  for (const [key, value] of Object.entries(dockerfile.env)) {
    env[key] = mapPath(value);
    if (env[key] !== value) rewritten[key] = [value, env[key]];
  }
  for (const [key, value] of Object.entries(composeEnv)) {
    const where = `docker-compose.yml: ${name}.environment.${key}`;
    let here: string;
    switch (table[key]) {
      case 'as-is':
        here = value;
        break;
      case 'own-port':
        here = String(addresses[name]!.port);
        break;
      case 'listen-address':
        // Every interface of the container (what Docker needs to reach it) is, on the one host the
        // rehearsal runs on, loopback: nothing a test starts listens beyond it.
        if (value !== '0.0.0.0') throw new Error(`${where}=${value}: a server in a container must listen on 0.0.0.0 for the proxy and the runners to reach it`);
        here = '127.0.0.1';
        break;
      case 'service-urls':
        here = mapServiceUrls(value, where, top, addresses);
        break;
      case 'proxy-address': {
        const entries = value.split(',').map((e) => e.trim());
        if (!entries.includes(top.proxyAddress))
          throw new Error(`${where}=${value} does not name the proxy's address ${top.proxyAddress}: the servers would not believe its X-Forwarded-For`);
        here = entries.map((e) => (e === top.proxyAddress ? '127.0.0.1' : e)).join(',');
        break;
      }
      default:
        throw new Error(`${where} is not something the rehearsal knows how to map`);
    }
    env[key] = here;
    if (here !== value) rewritten[key] = [value, here];
  }
  const [program, ...args] = commandOf(s, dockerfile);
  for (const arg of args) {
    if (arg.endsWith('.js') && !fs.existsSync(path.join(repoRoot, arg)))
      throw new Error(`docker-compose.yml: ${name} runs ${arg}, which the build did not produce`);
  }
  // The image's node: the one running the tests.
  return { name, role, argv: [program === 'node' ? process.execPath : program!, ...args], cwd: repoRoot, env, composeEnv, rewritten, mounts };
}

/**
 * The compose file's Caddyfile with its listening port and its upstreams (`server-1:8787`) mapped
 * as Docker maps them, and nothing else changed (checked by mapping the result back), after a
 * global block that puts Caddy's admin endpoint (localhost:2019 inside the container) on a free port
 * and binds what it serves to loopback (the container's interfaces, on the rehearsal's one host).
 */
export function mapCaddyfile(top: Topology, addresses: Addresses, proxyPort: number, adminPort: number): string {
  const original = top.caddyfile;
  if (original.trimStart().startsWith('{')) throw new Error('the Caddyfile has a global options block: merge the rehearsal admin address into it');
  const site = new RegExp(`^(\\s*):${top.proxyPorts.container}(\\s*\\{)`, 'm');
  if (!site.test(original))
    throw new Error(`the Caddyfile does not serve :${top.proxyPorts.container}, the port ${top.proxyPorts.host}:${top.proxyPorts.container} publishes`);
  let mapped = original.replace(site, `$1:${proxyPort}$2`);
  for (const s of top.byRole('server'))
    mapped = mapped.replaceAll(new RegExp(`\\b${s.name}:${s.containerPort}\\b`, 'g'), `${addresses[s.name]!.host}:${addresses[s.name]!.port}`);
  const unmapped = /(?<![\w.])([a-z][\w-]*):(\d+)\b/i.exec(mapped.replace(/127\.0\.0\.1:\d+/g, ''));
  if (unmapped) throw new Error(`the Caddyfile names ${unmapped[0]}, which is no server listening in docker-compose.yml`);
  let back = mapped.replace(new RegExp(`^(\\s*):${proxyPort}(\\s*\\{)`, 'm'), `$1:${top.proxyPorts.container}$2`);
  for (const s of top.byRole('server')) back = back.replaceAll(`${addresses[s.name]!.host}:${addresses[s.name]!.port}`, `${s.name}:${s.containerPort}`);
  if (back !== original) throw new Error('mapping the Caddyfile changed more than its addresses');
  return `{\n\tadmin 127.0.0.1:${adminPort}\n\tdefault_bind 127.0.0.1\n}\n${mapped}`;
}
