/**
 * The orchestrator's schedule of a fleet for given attempt durations:
 * when each VM is asked for (its `start`, or the end of the last VM it
 * waits for with `after`), when each of its attempts starts and ends, and
 * when an aborted attempt is retried (docs/fleets.md, "Admission" and
 * "Retries"). Pure: the durations and outcomes come from the caller (the
 * fixed point in simulate-fleet.ts, or the engine's own ends in
 * event-by-event.ts).
 */
import type { Orchestrator } from './orchestrators.js';
import type { Fleet, FleetVm } from './simulate-fleet.js';

/** What the caller expects of one attempt: how long it runs, and whether its controller aborts it. */
export interface AttemptEstimate {
  durationS: number;
  aborted: boolean;
}

/** One attempt of one VM's migration as scheduled. */
export interface ScheduledAttempt {
  vm: number;
  /** 0 for the first attempt, k for the k-th retry */
  attempt: number;
  /** when it was asked for: the VM's request, or the aborted attempt's end plus the retry delay */
  requestedS: number;
  startS: number;
  endS: number;
}

export interface Schedule {
  /** per VM: its attempts that started before the horizon, in order */
  attempts: ScheduledAttempt[][];
  /** per VM: when it was asked for (its start, or the end of the last VM it waits for); NaN when those never ended */
  requestedS: number[];
}

const TEN_GBIT = 10e9 / 8;

/** The wait before retry k (k >= 1) after an aborted attempt: retryDelay x retryBackoff^(k-1), at most retryDelayMax (0 = no cap). */
export function retryDelayS(o: Orchestrator, k: number): number {
  const d = o.retryDelayS * o.retryBackoff ** (k - 1);
  return o.retryDelayMaxS > 0 ? Math.min(d, o.retryDelayMaxS) : d;
}

/**
 * The orchestrator's state as a drain goes on: the queue (each VM's next
 * attempt and when it was asked for), the slots taken out of and into each
 * host, the RAM each host holds, and the VMs waiting for others (`after`).
 * Its caller drives the time: it settles the attempts that end at an
 * instant, then asks which start (admit below with estimated durations;
 * event-by-event.ts with the engine's own ends).
 */
export class Admission {
  /** per VM: its attempts started so far, in order */
  readonly attempts: ScheduledAttempt[][];
  /** per VM: when it was asked for (its start, or the end of the last VM it waits for); NaN until then */
  readonly requestedS: number[];
  // when each VM's next attempt is asked for; NaN: not in the queue
  private readonly requestAt: number[];
  private readonly dependents: number[][];
  private readonly waitingOn: number[];
  private readonly nic: Map<string, number>;
  private readonly memory: Map<string, number | null>;
  private readonly used = new Map<string, number>();
  private readonly out = new Map<string, number>();
  private readonly inb = new Map<string, number>();
  private running = 0;

  constructor(
    private readonly f: Fleet,
    private readonly order: readonly number[],
  ) {
    const vms = f.vms;
    const index = new Map(vms.map((v, i) => [v.name, i]));
    this.dependents = vms.map(() => []);
    this.waitingOn = vms.map((v, i) => {
      const deps = v.after ?? [];
      for (const d of deps) this.dependents[index.get(d) as number]?.push(i);
      return deps.length;
    });
    this.attempts = vms.map(() => []);
    this.requestedS = vms.map((v, i) => (this.waitingOn[i] === 0 ? v.requestedStartS : NaN));
    this.requestAt = [...this.requestedS];
    this.nic = new Map(f.hosts.map((h) => [h.name, h.nicBytesPerSec]));
    this.memory = new Map(f.hosts.map((h) => [h.name, h.memoryBytes ?? null]));
    for (const v of vms) this.used.set(v.from, (this.used.get(v.from) ?? 0) + v.scenario.vm.ram);
  }

  /** The first instant after `now` at which an attempt is asked for (Infinity: none). */
  nextRequest(now: number): number {
    let next = Infinity;
    for (const t of this.requestAt) if (t > now) next = Math.min(next, t);
    return next;
  }

  /**
   * An attempt ended at `now`: its slots are freed; aborted, the guest stays
   * on its source and the destination's reservation is given back, and it is
   * retried after its delay while retries are left; completed, its RAM on
   * the source is freed. A VM that is done (completed, or given up) lets the
   * VMs waiting for it be asked for.
   */
  settle(a: ScheduledAttempt, aborted: boolean, now: number): void {
    const o = this.f.orchestrator;
    const vm = this.f.vms[a.vm] as FleetVm;
    this.running--;
    this.out.set(vm.from, (this.out.get(vm.from) ?? 0) - 1);
    this.inb.set(vm.to, (this.inb.get(vm.to) ?? 0) - 1);
    const freed = aborted ? vm.to : vm.from;
    this.used.set(freed, (this.used.get(freed) ?? 0) - vm.scenario.vm.ram);
    if (aborted && a.attempt < o.retries) {
      this.requestAt[a.vm] = now + retryDelayS(o, a.attempt + 1);
      return;
    }
    for (const d of this.dependents[a.vm] as number[]) {
      this.waitingOn[d] = (this.waitingOn[d] as number) - 1;
      if (this.waitingOn[d] === 0) {
        this.requestedS[d] = Math.max((this.f.vms[d] as FleetVm).requestedStartS, now);
        this.requestAt[d] = this.requestedS[d];
      }
    }
  }

  /**
   * Starts, at `now`, every queued attempt that its limits and its
   * destination's memory allow, scanning the queue in `order` (fifo: by the
   * time each attempt was asked for, then as listed; one held back does not
   * hold up those behind it). Returns them with `endS` NaN: the caller knows
   * how long they run.
   */
  startAt(now: number): ScheduledAttempt[] {
    const o = this.f.orchestrator;
    const requestAt = this.requestAt;
    // fifo is the order of the requests (a retry is a new request, behind those already waiting), then as listed
    const queue = this.order.filter((i) => (requestAt[i] as number) <= now);
    if (o.order === 'fifo') queue.sort((a, b) => (requestAt[a] as number) - (requestAt[b] as number));
    const started: ScheduledAttempt[] = [];
    for (const i of queue) {
      const vm = this.f.vms[i] as FleetVm;
      const outbound = this.out.get(vm.from) ?? 0;
      const inbound = this.inb.get(vm.to) ?? 0;
      const slots = o.costSlots ? ((this.nic.get(vm.from) ?? 0) < TEN_GBIT ? 4 : 8) : 0;
      const room = this.memory.get(vm.to);
      const blocked =
        (o.maxParallel > 0 && this.running >= o.maxParallel) ||
        (o.maxOutboundPerHost > 0 && outbound >= o.maxOutboundPerHost) ||
        (o.maxInboundPerHost > 0 && inbound >= o.maxInboundPerHost) ||
        (slots > 0 && outbound >= slots) ||
        (room != null && (this.used.get(vm.to) ?? 0) + vm.scenario.vm.ram > room);
      if (blocked) continue;
      const list = this.attempts[i] as ScheduledAttempt[];
      const a: ScheduledAttempt = { vm: i, attempt: list.length, requestedS: requestAt[i] as number, startS: now, endS: NaN };
      list.push(a);
      started.push(a);
      requestAt[i] = NaN;
      this.running++;
      this.out.set(vm.from, outbound + 1);
      this.inb.set(vm.to, inbound + 1);
      this.used.set(vm.to, (this.used.get(vm.to) ?? 0) + vm.scenario.vm.ram);
    }
    return started;
  }
}

/**
 * The schedule for given attempt estimates: at every instant an attempt is
 * asked for or ends, the ends are settled first, then the queue is scanned
 * (Admission). Nothing starts at or after the horizon.
 */
export function admit(f: Fleet, order: readonly number[], estimate: (vm: number, attempt: number) => AttemptEstimate): Schedule {
  const adm = new Admission(f, order);
  let running: { a: ScheduledAttempt; aborted: boolean }[] = [];
  let now = 0;
  let first = true;
  for (;;) {
    // the next instant: an attempt asked for, or one ending (a queued attempt that its limits hold back waits for
    // an end, not for an instant of its own)
    let next = first ? 0 : adm.nextRequest(now);
    for (const r of running) next = Math.min(next, r.a.endS);
    if (!(next < f.horizonS)) break;
    first = false;
    now = next;
    running = running.filter((r) => {
      if (r.a.endS > now) return true;
      adm.settle(r.a, r.aborted, now);
      return false;
    });
    for (const a of adm.startAt(now)) {
      const e = estimate(a.vm, a.attempt);
      a.endS = now + e.durationS;
      running.push({ a, aborted: e.aborted });
    }
  }
  return { attempts: adm.attempts, requestedS: adm.requestedS };
}
