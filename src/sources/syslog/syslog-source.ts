// Syslog server: UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425). Stream connections pick their
// framing from their first bytes (octet counting if they start with `LEN SP`, else LF), are capped
// in number and size of frames, closed when idle, and stop being read while the pipeline is full.
// UDP cannot push back: datagrams beyond the limit are dropped and counted.

import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { ConfigError } from '../../core/errors.js';
import type { Candidate } from '../../ingest/admitter.js';
import {
  createSyslogFramer,
  type SyslogFrame,
  type SyslogFramer,
  type SyslogFraming,
} from '../../parsers/syslog.js';
import { collectCandidates, createSourceParser, decodeRecord, type SourceParser } from '../records.js';
import type { SourceCounters } from '../source-metrics.js';
import { DEFAULT_MAX_BACKLOG, type Source, type SourceDeps } from '../source.js';

export interface SyslogSourceConfig {
  protocol: 'tcp' | 'udp' | 'tls';
  listen: string;
  format?: string;
  tls?: { cert: string; key: string; ca?: string };
  max_connections?: number;
  max_frame_size?: number;
  idle_timeout_ms?: number;
}

export interface SyslogSourceOptions {
  /** Open TCP/TLS connections at most; more are closed at once and counted (default 10,000). */
  maxConnections?: number;
  /** Largest message in octets (default 64 KiB). */
  maxFrameSize?: number;
  /** A connection silent this long is closed (default 5 minutes). */
  idleTimeoutMs?: number;
  /** Admitter backlog above which connections stop being read and UDP drops (default 50,000). */
  maxBacklog?: number;
  /** Events of one connection submitted but not yet committed before it stops being read. */
  maxPendingPerConnection?: number;
  /** UDP events waiting or in flight before datagrams are dropped (default 20,000). */
  udpMaxPending?: number;
  /** UDP events are submitted in batches at most this old (default 5 ms). */
  udpBatchDelayMs?: number;
}

interface Limits {
  maxConnections: number;
  maxFrameSize: number;
  idleTimeoutMs: number;
  maxBacklog: number;
  maxPending: number;
  udpMaxPending: number;
  udpBatchDelayMs: number;
}

function limitsOf(config: SyslogSourceConfig, o: SyslogSourceOptions): Limits {
  return {
    maxConnections: o.maxConnections ?? config.max_connections ?? 10_000,
    maxFrameSize: o.maxFrameSize ?? config.max_frame_size ?? 64 * 1024,
    idleTimeoutMs: o.idleTimeoutMs ?? config.idle_timeout_ms ?? 5 * 60_000,
    maxBacklog: o.maxBacklog ?? DEFAULT_MAX_BACKLOG,
    maxPending: o.maxPendingPerConnection ?? 5_000,
    udpMaxPending: o.udpMaxPending ?? 20_000,
    udpBatchDelayMs: o.udpBatchDelayMs ?? 5,
  };
}

export type CountersFor = (name: string, connections: () => number) => SourceCounters;

export async function startSyslogSource(
  config: SyslogSourceConfig,
  deps: SourceDeps,
  countersFor: CountersFor,
  options: SyslogSourceOptions = {},
): Promise<Source> {
  const limits = limitsOf(config, options);
  const [host, port] = splitListen(config.listen);
  if (config.protocol === 'udp') return startUdp(config, deps, countersFor, limits, host, port);
  return startStream(config, deps, countersFor, limits, host, port);
}

export function splitListen(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  const port = Number(listen.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`sources: bad listen address '${listen}' (expected HOST:PORT)`);
  }
  return [listen.slice(0, i).replace(/^\[|\]$/g, ''), port];
}

function sourceName(protocol: string, address: { address: string; port: number }): string {
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `syslog:${protocol}:${host}:${address.port}`;
}

function listenError(config: SyslogSourceConfig, err: NodeJS.ErrnoException): ConfigError {
  return new ConfigError(
    `sources: cannot listen for syslog/${config.protocol} on ${config.listen}: ${err.code ?? err.message}`,
  );
}

function readTlsFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(`sources: cannot read TLS ${what} ${file}: ${(err as Error).message}`);
  }
}

/** The framing a stream uses, from its first bytes; undefined while they are all digits. */
export function detectFraming(head: Buffer): SyslogFraming | undefined {
  let i = 0;
  while (i < head.length && (head[i] === 10 || head[i] === 13)) i++;
  let j = i;
  while (j < head.length && j - i < 10 && isDigit(head[j]!)) j++;
  if (j === head.length) return undefined;
  return j > i && head[j] === 32 ? 'octet-counting' : 'lf';
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isOversize(error: string): boolean {
  return error.includes('exceeds') || error.includes('longer than');
}

interface Connection {
  socket: net.Socket;
  framer: SyslogFramer | undefined;
  /** First bytes, held until the framing is known. */
  head: Buffer | undefined;
  parser: SourceParser;
  /** Events submitted and not yet committed. */
  pending: number;
  paused: boolean;
  lastActive: number;
}

async function startStream(
  config: SyslogSourceConfig,
  deps: SourceDeps,
  countersFor: CountersFor,
  limits: Limits,
  host: string,
  port: number,
): Promise<Source> {
  const { admitter } = deps;
  const format = config.format ?? 'syslog';
  const raw = new Set<net.Socket>();
  const conns = new Set<Connection>();
  const paused = new Set<Connection>();
  const inflight = new Set<Promise<void>>();
  let closing = false;
  let resumeTimer: NodeJS.Timeout | undefined;
  const server =
    config.protocol === 'tls'
      ? tls.createServer({
          cert: readTlsFile(requireTls(config).cert, 'certificate'),
          key: readTlsFile(requireTls(config).key, 'key'),
          ...(config.tls?.ca
            ? { ca: readTlsFile(config.tls.ca, 'CA'), requestCert: true, rejectUnauthorized: true }
            : {}),
          handshakeTimeout: Math.min(limits.idleTimeoutMs, 10_000),
        })
      : net.createServer();

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(config, err)));
    server.listen({ port, host, backlog: 4096 }, () => resolve());
  });
  // Handlers are attached below, before the event loop can deliver a connection.
  const name = sourceName(config.protocol, server.address() as net.AddressInfo);
  const counters = countersFor(name, () => conns.size);

  const overloaded = (c: Connection) =>
    admitter.backlog >= limits.maxBacklog || c.pending >= limits.maxPending;

  const maybePause = (c: Connection) => {
    if (c.paused || !overloaded(c)) return;
    c.socket.pause();
    c.paused = true;
    paused.add(c);
    counters.paused();
    resumeTimer ??= setInterval(resumeReady, 5).unref();
  };

  const maybeResume = (c: Connection) => {
    if (!c.paused || overloaded(c) || closing) return;
    c.paused = false;
    paused.delete(c);
    c.lastActive = Date.now();
    c.socket.resume();
  };

  function resumeReady(): void {
    for (const c of paused) maybeResume(c);
    if (paused.size === 0 && resumeTimer) {
      clearInterval(resumeTimer);
      resumeTimer = undefined;
    }
  }

  const submit = (c: Connection, candidates: Candidate[]) => {
    if (candidates.length > 0) {
      const n = candidates.length;
      c.pending += n;
      const p: Promise<void> = admitter
        .submit(candidates, name)
        .then(
          (r) => counters.accepted(r.accepted.length + r.duplicates.length),
          () => {
            // Not committed: the sender must learn that the stream broke.
            counters.dropped(closing ? 'shutdown' : 'commit_failed', n);
            c.socket.destroy();
          },
        )
        .finally(() => {
          c.pending -= n;
          inflight.delete(p);
          maybeResume(c);
        });
      inflight.add(p);
    }
    maybePause(c);
  };

  const handleFrames = (c: Connection, frames: SyslogFrame[], into: Candidate[]) => {
    for (const f of frames) {
      if ('error' in f) {
        counters.rejected(isOversize(f.error) ? 'too_large' : 'framing');
        continue;
      }
      const { text, invalidUtf8 } = decodeRecord(f.message);
      collectCandidates(c.parser.push(text), counters, into, invalidUtf8 ? 'invalid_utf8' : undefined);
    }
  };

  const framesOf = (c: Connection, chunk: Buffer): SyslogFrame[] => {
    if (c.framer) return c.framer.push(chunk);
    const head = c.head ? Buffer.concat([c.head, chunk]) : chunk;
    const framing = detectFraming(head);
    if (framing === undefined) {
      c.head = head;
      return [];
    }
    c.head = undefined;
    c.framer = createSyslogFramer({ framing, maxFrameSize: limits.maxFrameSize });
    return c.framer.push(head);
  };

  const onData = (c: Connection, chunk: Buffer) => {
    c.lastActive = Date.now();
    counters.bytes(chunk.length);
    const candidates: Candidate[] = [];
    handleFrames(c, framesOf(c, chunk), candidates);
    submit(c, candidates);
  };

  /** End of a stream: a last LF-less message, a cut-off frame, records the parser still holds. */
  const finish = (c: Connection) => {
    const candidates: Candidate[] = [];
    if (!c.framer && c.head)
      c.framer = createSyslogFramer({ framing: 'lf', maxFrameSize: limits.maxFrameSize });
    const frames = c.framer ? [...(c.head ? c.framer.push(c.head) : []), ...c.framer.end()] : [];
    c.head = undefined;
    handleFrames(c, frames, candidates);
    collectCandidates(c.parser.end(), counters, candidates);
    submit(c, candidates);
  };

  const attach = (socket: net.Socket) => {
    const c: Connection = {
      socket,
      framer: undefined,
      head: undefined,
      parser: createSourceParser(format, deps.timezone, deps.clock),
      pending: 0,
      paused: false,
      lastActive: Date.now(),
    };
    conns.add(c);
    socket.on('data', (chunk: Buffer) => onData(c, chunk));
    socket.on('end', () => finish(c));
    socket.on('error', () => {}); // resets are normal; the socket closes next
    socket.on('close', () => {
      conns.delete(c);
      paused.delete(c);
    });
  };

  server.on('connection', (socket: net.Socket) => {
    socket.on('error', () => {});
    if (closing || raw.size >= limits.maxConnections) {
      counters.closed('max_connections');
      socket.destroy();
      return;
    }
    raw.add(socket);
    socket.on('close', () => raw.delete(socket));
    if (config.protocol === 'tcp') attach(socket);
  });
  if (server instanceof tls.Server) {
    server.on('secureConnection', (socket: tls.TLSSocket) => attach(socket));
    server.on('tlsClientError', (_err, socket: tls.TLSSocket) => {
      counters.closed('tls_handshake');
      socket.destroy();
    });
  }

  // One sweep for every connection, instead of a timer per socket.
  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - limits.idleTimeoutMs;
      for (const c of conns) {
        if (c.lastActive >= cutoff || c.paused || c.pending > 0) continue;
        counters.closed('idle_timeout');
        finish(c);
        conns.delete(c);
        c.socket.destroy();
      }
    },
    Math.max(10, Math.min(1000, limits.idleTimeoutMs / 2)),
  ).unref();

  return {
    name,
    stats: () => counters.stats(),
    async close() {
      closing = true;
      clearInterval(sweep);
      if (resumeTimer) clearInterval(resumeTimer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of raw) s.destroy();
      await Promise.allSettled([...inflight]);
      await closed;
    },
  };
}

function requireTls(config: SyslogSourceConfig): { cert: string; key: string; ca?: string } {
  if (!config.tls)
    throw new ConfigError(`sources: syslog/tls on ${config.listen} needs tls.cert and tls.key`);
  return config.tls;
}

async function startUdp(
  config: SyslogSourceConfig,
  deps: SourceDeps,
  countersFor: CountersFor,
  limits: Limits,
  host: string,
  port: number,
): Promise<Source> {
  const { admitter } = deps;
  const parser = createSourceParser(config.format ?? 'syslog', deps.timezone, deps.clock);
  const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
  const inflight = new Set<Promise<void>>();
  let batch: Candidate[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waiting = 0; // events batched or in flight
  let closing = false;
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => reject(listenError(config, err)));
    socket.bind(port, host, () => resolve());
  });
  try {
    // A larger kernel buffer absorbs bursts; the kernel caps it at net.core.rmem_max.
    socket.setRecvBufferSize(8 * 1024 * 1024);
  } catch {
    // Keep the default buffer.
  }
  const name = sourceName('udp', socket.address());
  const counters = countersFor(name, () => 0);

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (batch.length === 0) return;
    const taken = batch;
    batch = [];
    const n = taken.length;
    const p: Promise<void> = admitter
      .submit(taken, name)
      .then(
        (r) => counters.accepted(r.accepted.length + r.duplicates.length),
        () => counters.dropped(closing ? 'shutdown' : 'commit_failed', n),
      )
      .finally(() => {
        waiting -= n;
        inflight.delete(p);
      });
    inflight.add(p);
  };

  socket.on('message', (msg: Buffer) => {
    counters.bytes(msg.length);
    if (closing || waiting >= limits.udpMaxPending || admitter.backlog >= limits.maxBacklog) {
      counters.dropped('overload');
      return;
    }
    if (msg.length > limits.maxFrameSize) {
      counters.rejected('too_large');
      return;
    }
    let end = msg.length;
    while (end > 0 && (msg[end - 1] === 10 || msg[end - 1] === 13)) end--;
    const { text, invalidUtf8 } = decodeRecord(msg.subarray(0, end));
    const before = batch.length;
    collectCandidates(parser.push(text), counters, batch, invalidUtf8 ? 'invalid_utf8' : undefined);
    waiting += batch.length - before;
    if (batch.length >= 1000) flush();
    else if (batch.length > 0) timer ??= setTimeout(flush, limits.udpBatchDelayMs);
  });
  socket.on('error', () => {}); // ICMP errors and the like: UDP has no one to tell

  return {
    name,
    stats: () => counters.stats(),
    async close() {
      closing = true;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      collectCandidates(parser.end(), counters, batch);
      flush();
      await Promise.allSettled([...inflight]);
    },
  };
}
