import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { clientIdSchema } from '../contracts/ids';
import { embeddedDatabaseUrl } from '../dev/embedded-postgres';
import { createApiKeys, type ApiKeyInfo, type NewApiKey } from '../storage/api-keys';
import { createClients, type ClientLimits } from '../storage/clients';
import { openDatabase } from '../storage/database';

const usage = `Usage: npm run clients -- <command>

  create <name> [--requests-per-minute N] [--max-running-films N]   a client and its first key
  list                                                              clients, films running, working keys
  limits <name> [--requests-per-minute N|default] [--max-running-films N|default]
  keys list <name>
  keys create <name>                      another key beside the client's others
  keys rotate <name> [--overlap 24h]      a new key; the others expire after the overlap (s, m, h, d; 0 = now)
  keys revoke <name> <key-id>             stops a key at once

A key is printed once, when it is made: only its SHA-256 is stored. Reads DATABASE_URL (or .env); without
it, the database of \`npm start\` on this machine.`;

class UsageError extends Error {}

const durations: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `90s`, `30m`, `24h`, `7d` as seconds. */
export function parseOverlap(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`--overlap must be a duration such as 3600, 30m, 24h or 7d, not ${text}`);
  return Number(match[1]) * durations[match[2] || 's'];
}

function limitOption(value: string | undefined, name: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number of at least 1, or "default"`);
  return n;
}

function clientName(value: string | undefined): string {
  const parsed = clientIdSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`A client name ${parsed.error.issues[0].message}${value ? ` (got ${value})` : ''}`);
  return parsed.data;
}

const showKey = (k: NewApiKey) =>
  `API key for ${k.clientId} (id ${k.id}), shown this once; keep it in the client's secret store:\n\n  ${k.key}\n\nSend it as: Authorization: Bearer ${k.key.slice(0, 12)}…`;

const showKeyInfo = (k: ApiKeyInfo, now = new Date()) => {
  const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : k.expiresAt ? `${k.expiresAt > now ? 'expires' : 'expired'} ${k.expiresAt.toISOString()}` : 'working';
  return `  ${k.id}  created ${k.createdAt.toISOString()}  ${state}`;
};

/** Runs one command against the database; returns what to print. */
export async function runClientsCommand(argv: string[], databaseUrl: string): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'requests-per-minute': { type: 'string' },
      'max-running-films': { type: 'string' },
      overlap: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) return usage;
  const limits = (): ClientLimits => ({
    requestsPerMinute: limitOption(values['requests-per-minute'], 'requests-per-minute'),
    maxRunningFilms: limitOption(values['max-running-films'], 'max-running-films'),
  });

  const database = openDatabase(databaseUrl, { max: 2 });
  try {
    const clients = createClients(database.prisma);
    const apiKeys = createApiKeys(database.prisma);
    const existing = async (value: string | undefined) => {
      const name = clientName(value);
      if (!(await clients.find(name))) throw new UsageError(`No client named ${name} (npm run clients -- list)`);
      return name;
    };
    const [sub, name, keyId] = rest;
    switch (command === 'keys' ? `keys ${sub ?? ''}`.trim() : command) {
      case 'create': {
        const client = await clients.create(clientName(rest[0]), limits());
        return `Client ${client.id} created.\n${showKey(await apiKeys.issue(client.id))}`;
      }
      case 'list': {
        const rows = await clients.list();
        if (!rows.length) return 'No clients yet: npm run clients -- create <name>';
        const limit = (n: number | null) => (n === null ? 'default' : String(n));
        return rows
          .map((c) => `${c.id}  films running ${c.runningFilms} (max ${limit(c.maxRunningFilms)})  requests/min ${limit(c.requestsPerMinute)}  working keys ${c.workingKeys}`)
          .join('\n');
      }
      case 'limits': {
        const client = await clients.setLimits(await existing(rest[0]), limits());
        return `Client ${client.id}: requests/min ${client.requestsPerMinute ?? 'default'}, films at once ${client.maxRunningFilms ?? 'default'}`;
      }
      case 'keys list':
        return (await apiKeys.list(await existing(name))).map((k) => showKeyInfo(k)).join('\n') || 'No keys';
      case 'keys create':
        return showKey(await apiKeys.issue(await existing(name)));
      case 'keys rotate': {
        const { key, expiring } = await apiKeys.rotate(await existing(name), parseOverlap(values.overlap ?? '24h'));
        const old = expiring.map((k) => showKeyInfo(k)).join('\n');
        return `${showKey(key)}\n\n${old ? `The client's other keys keep working until they expire:\n${old}` : 'The client had no other working key.'}\nRevoke an old key sooner with: npm run clients -- keys revoke ${key.clientId} <key-id>`;
      }
      case 'keys revoke': {
        if (!keyId) throw new UsageError('keys revoke needs the client name and the key id (npm run clients -- keys list <name>)');
        const revoked = await apiKeys.revoke(await existing(name), keyId);
        if (!revoked) throw new UsageError(`Client ${name} has no key ${keyId}`);
        return `Revoked:\n${showKeyInfo(revoked)}`;
      }
      default:
        throw new UsageError(`Unknown command: ${positionals.join(' ')}\n\n${usage}`);
    }
  } finally {
    await database.close();
  }
}

async function main() {
  dotenv.config({ quiet: true });
  const databaseUrl = process.env.DATABASE_URL || embeddedDatabaseUrl();
  try {
    console.log(await runClientsCommand(process.argv.slice(2), databaseUrl));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(err instanceof UsageError ? 2 : 1);
  }
}

if (require.main === module) void main();
