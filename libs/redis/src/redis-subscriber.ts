import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@app/config';
import { RedisService } from './redis.service';

/** What a subscriber of one channel is told: its messages, and whether it may currently rely on hearing them. */
export interface ChannelListener {
  message(payload: string): void;
  /** Subscribed (again): from now on, every message published to the channel reaches `message`. */
  up(): void;
  /** The connection is gone or failing: messages may be lost from now until the next `up`. */
  down(): void;
}

/**
 * The one pub/sub connection of a process (a connection in subscriber mode can do nothing else). Opened on the
 * first subscribe, so processes that never listen (the worker, the keys CLI) hold no extra connection.
 * Subscribes itself again on every (re)connect instead of relying on ioredis' autoResubscribe: only then does it
 * know the moment it is listening again, which is what `up` promises.
 */
@Injectable()
export class RedisSubscriber implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisSubscriber.name);
  private conn: Redis | null = null;
  private readonly listeners = new Map<string, Set<ChannelListener>>();
  private live = false;
  private closed = false;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {}

  /** Whether every channel is subscribed on a working connection right now. */
  isLive(): boolean {
    return this.live;
  }

  subscribe(channel: string, listener: ChannelListener): void {
    if (this.closed) return;
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    if (!this.conn) this.open();
    else if (this.live) void this.subscribeAll();
  }

  private open(): void {
    const conn = new Redis(this.config.redisUrl, { ...this.redis.baseOptions(), autoResubscribe: false, enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.conn = conn;
    conn.on('ready', () => void this.subscribeAll());
    conn.on('message', (channel: string, payload: string) => {
      for (const l of this.listeners.get(channel) ?? []) l.message(payload);
    });
    for (const ev of ['close', 'end', 'reconnecting', 'error'] as const) conn.on(ev, (e?: unknown) => this.lost(ev, e));
  }

  private async subscribeAll(): Promise<void> {
    const conn = this.conn;
    if (!conn || this.closed) return;
    try {
      await conn.subscribe(...this.listeners.keys());
    } catch (e) {
      this.lost('subscribe', e);
      return;
    }
    if (conn.status !== 'ready' || this.conn !== conn) return;
    const wasLive = this.live;
    this.live = true;
    if (!wasLive) for (const set of this.listeners.values()) for (const l of set) l.up();
  }

  private lost(why: string, e?: unknown): void {
    if (why === 'error') this.logger.debug(`redis subscriber: ${(e as Error)?.message ?? 'error'}`);
    if (!this.live) return;
    this.live = false;
    for (const set of this.listeners.values()) for (const l of set) l.down();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.lost('shutdown');
    this.conn?.disconnect();
    this.conn = null;
  }
}
