import { timingSafeEqual } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
} from 'prom-client';

/** What a pg Pool tells of its connections (pg.Pool has these three counts). */
export interface ObservablePool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Seconds; from 5 ms to 10 s, the range of this platform's answers. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of a request that matched no route: never the raw URL (cardinality). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The Prometheus metrics of one service instance: a registry of its own, never prom-client's
 * global one, so that several services in one process (tests, scripts/local-platform.ts) never
 * collide. Domain code asks it for its counters and gauges (get-or-create by name).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly pools = new Map<string, ObservablePool>();
  private defaultsCollected = false;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly durations: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    this.requests = this.counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
    });
    this.durations = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    const pools = this.pools;
    this.gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by pool and state (in_use, idle, waiting: callers waiting for one)',
      labelNames: ['pool', 'state'],
      collect() {
        this.reset();
        for (const [name, pool] of pools) {
          this.set({ pool: name, state: 'in_use' }, pool.totalCount - pool.idleCount);
          this.set({ pool: name, state: 'idle' }, pool.idleCount);
          this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
        }
      },
    });
  }

  /** Process metrics (CPU, memory, handles, GC) and event-loop lag; once per instance. */
  collectDefaults(): void {
    if (this.defaultsCollected) return;
    this.defaultsCollected = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** A pool whose connections are reported as db_pool_connections{pool=name}. */
  observePool(name: string, pool: ObservablePool): void {
    this.pools.set(name, pool);
  }

  counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
    const existing = this.registry.getSingleMetric(config.name);
    if (existing) return existing as Counter<L>;
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
    const existing = this.registry.getSingleMetric(config.name);
    if (existing) return existing as Gauge<L>;
    return new Gauge({ ...config, registers: [this.registry] });
  }

  /** Records one answered request. `route` is the route template, never the URL. */
  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method, route: route ?? UNMATCHED_ROUTE, status: String(status) };
    this.requests.inc(labels);
    this.durations.observe(labels, seconds);
  }
}

/** Whether an Authorization header carries `token` as a bearer token (constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * The service's Metrics, one per application instance; bootstrap() puts this module under every
 * service's root, so any provider may inject Metrics.
 */
@Global()
@Module({ providers: [{ provide: Metrics, useFactory: () => new Metrics() }], exports: [Metrics] })
export class MetricsModule {}

/** For a provider that also runs without bootstrap() (module tests): a throwaway registry then. */
export const metricsOrOwn = (metrics: Metrics | undefined): Metrics => metrics ?? new Metrics();
