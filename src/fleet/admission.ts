/**
 * The orchestrator's schedule of a fleet for given attempt durations:
 * when each VM is asked for (its `start`, or the end of the last VM it
 * waits for with `after`), when each of its attempts starts and ends, and
 * when an aborted attempt is retried (docs/fleets.md, "Admission" and
 * "Retries"). Pure: the durations and outcomes come from the caller (the
 * fixed point in simulate-fleet.ts).
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
 * The schedule for given attempt estimates. At every instant a migration is
 * asked for or an attempt ends, the ends are settled first (slots freed;
 * the destination's reservation of RAM released when the attempt was
 * aborted, the source's RAM when it completed; an aborted attempt retried
 * after its delay while retries are left; VMs waiting on a finished one
 * asked for), then the queue is scanned in `order` (fifo: by the time
 * each attempt was asked for) and every attempt whose
 * limits and destination memory allow it starts (one held back does not
 * hold up those behind it). Nothing starts at or after the horizon.
 */
export function admit(f: Fleet, order: readonly number[], estimate: (vm: number, attempt: number) => AttemptEstimate): Schedule {
  const o = f.orchestrator;
  const vms = f.vms;
  const index = new Map(vms.map((v, i) => [v.name, i]));
  const dependents: number[][] = vms.map(() => []);
  const waitingOn = vms.map((v, i) => {
    const deps = v.after ?? [];
    for (const d of deps) dependents[index.get(d) as number]?.push(i);
    return deps.length;
  });
  const attempts: ScheduledAttempt[][] = vms.map(() => []);
  const requestedS = vms.map((v, i) => (waitingOn[i] === 0 ? v.requestedStartS : NaN));
  // when the VM's next attempt is asked for; NaN: not in the queue
  const requestAt = [...requestedS];
  const nic = new Map(f.hosts.map((h) => [h.name, h.nicBytesPerSec]));
  const memory = new Map(f.hosts.map((h) => [h.name, h.memoryBytes ?? null]));
  const used = new Map<string, number>();
  for (const v of vms) used.set(v.from, (used.get(v.from) ?? 0) + v.scenario.vm.ram);
  const out = new Map<string, number>();
  const inb = new Map<string, number>();
  let running: { a: ScheduledAttempt; aborted: boolean }[] = [];

  const finished = (vm: number, now: number) => {
    for (const d of dependents[vm] as number[]) {
      waitingOn[d] = (waitingOn[d] as number) - 1;
      if (waitingOn[d] === 0) {
        requestedS[d] = Math.max((vms[d] as FleetVm).requestedStartS, now);
        requestAt[d] = requestedS[d];
      }
    }
  };
  const settle = ({ a, aborted }: { a: ScheduledAttempt; aborted: boolean }, now: number) => {
    const vm = vms[a.vm] as FleetVm;
    out.set(vm.from, (out.get(vm.from) ?? 0) - 1);
    inb.set(vm.to, (inb.get(vm.to) ?? 0) - 1);
    // aborted: the guest stays on its source and the destination's reservation is freed; completed: the source's RAM is
    const freed = aborted ? vm.to : vm.from;
    used.set(freed, (used.get(freed) ?? 0) - vm.scenario.vm.ram);
    if (aborted && a.attempt < o.retries) requestAt[a.vm] = now + retryDelayS(o, a.attempt + 1);
    else finished(a.vm, now);
  };

  let now = 0;
  let first = true;
  for (;;) {
    // the next instant: a migration asked for, or an attempt ending (a queued attempt that its limits hold back
    // waits for an end, not for an instant of its own)
    let next = first ? 0 : Infinity;
    for (const t of requestAt) if (t > now) next = Math.min(next, t);
    for (const r of running) next = Math.min(next, r.a.endS);
    if (!(next < f.horizonS)) break;
    first = false;
    now = next;
    running = running.filter((r) => {
      if (r.a.endS > now) return true;
      settle(r, now);
      return false;
    });
    // fifo is the order of the requests (a retry is a new request, behind those already waiting), then as listed
    const queue = order.filter((i) => (requestAt[i] as number) <= now);
    if (o.order === 'fifo') queue.sort((a, b) => (requestAt[a] as number) - (requestAt[b] as number));
    for (const i of queue) {
      const vm = vms[i] as FleetVm;
      const outbound = out.get(vm.from) ?? 0;
      const inbound = inb.get(vm.to) ?? 0;
      const slots = o.costSlots ? ((nic.get(vm.from) ?? 0) < TEN_GBIT ? 4 : 8) : 0;
      const room = memory.get(vm.to);
      const blocked =
        (o.maxParallel > 0 && running.length >= o.maxParallel) ||
        (o.maxOutboundPerHost > 0 && outbound >= o.maxOutboundPerHost) ||
        (o.maxInboundPerHost > 0 && inbound >= o.maxInboundPerHost) ||
        (slots > 0 && outbound >= slots) ||
        (room != null && (used.get(vm.to) ?? 0) + vm.scenario.vm.ram > room);
      if (blocked) continue;
      const list = attempts[i] as ScheduledAttempt[];
      const e = estimate(i, list.length);
      const a: ScheduledAttempt = { vm: i, attempt: list.length, requestedS: requestAt[i] as number, startS: now, endS: now + e.durationS };
      list.push(a);
      requestAt[i] = NaN;
      running.push({ a, aborted: e.aborted });
      out.set(vm.from, outbound + 1);
      inb.set(vm.to, inbound + 1);
      used.set(vm.to, (used.get(vm.to) ?? 0) + vm.scenario.vm.ram);
    }
  }
  return { attempts, requestedS };
}
