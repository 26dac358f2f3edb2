import { DEFAULT_COMPRESSIBILITY } from '../wire/compression.js';

/**
 * The workload catalogue: named applications as workload parameters, each
 * from a published measurement (docs/workloads.md lists the sources and
 * what was read off a figure). A scenario names one with
 * `workload: { preset: <name> }`; its own fields override the preset's one
 * by one. Sizes given as a share of RAM follow the guest's `vm.ram`.
 */
export interface WorkloadPreset {
  /** one line for errors, docs and the report */
  summary: string;
  /** where the numbers come from; "approximate" when read off a figure */
  source: string;
  kind: 'linear' | 'uniform' | 'cyclic';
  /** bytes/s of page writes */
  dirtyRate: number;
  /** the working set: bytes, or a share of RAM */
  workingSet?: number;
  workingSetShare?: number;
  fluctuation?: { spread: number; period: number; correlation: number };
  duration?: number;
  /** compressed / raw size of its written pages at zlib/zstd level 1 (docs/wire.md#compression) */
  compressibility: number;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const MBIT = 1e6 / 8;

export const WORKLOAD_PRESETS: Readonly<Record<string, WorkloadPreset>> = {
  idle: {
    summary: 'an idle Linux guest: timers and logs, ~1 MiB/s over 64 MiB',
    source: 'assumption (order of magnitude; QEMU docs/multi-thread-compression.txt migrates an idle RHEL guest as its baseline)',
    kind: 'uniform',
    dirtyRate: 1 * MiB,
    workingSet: 64 * MiB,
    compressibility: 0.3,
  },
  'guestperf-stress': {
    summary: "guestperf's stress program: one writer per vCPU sweeping its slice of RAM, round and round",
    source: 'qemu/qemu tests/migration/stress.c, guestperf/hardware.py; rate: 1 GiB/s is an assumption (it writes as fast as the vCPU runs: set dirtyRate)',
    kind: 'cyclic',
    dirtyRate: 1 * GiB,
    workingSetShare: 1,
    compressibility: 1,
  },
  'stress-ng-write64': {
    summary: 'stress-ng write64: ~0.9 Gbit/s, flat, sequential over ~85 % of RAM; never converges on a 1 Gbit/s link',
    source: 'kubevirt/enhancements VEP 248, ex-4-stressng.png (approximate: read off the figure; ~6 GiB guest, plateau ~5.1 GiB)',
    kind: 'cyclic',
    dirtyRate: 900 * MBIT,
    workingSetShare: 0.85,
    compressibility: DEFAULT_COMPRESSIBILITY,
  },
  'kernel-compile': {
    summary: 'a Linux kernel build: 0.45-1.15 Gbit/s over a third of RAM, fluctuating, for 275 s',
    source: 'kubevirt/enhancements VEP 248, ex-5-kernel.png (approximate: ~4 GiB guest, plateau 1.25-1.7 GiB, converged when the build ended at ~275 s)',
    kind: 'uniform',
    dirtyRate: 800 * MBIT,
    workingSetShare: 1 / 3,
    fluctuation: { spread: 0.3, period: 5, correlation: 30 },
    duration: 275,
    compressibility: 0.35,
  },
  redis: {
    summary: 'Redis with a small, very hot key set: ~0.95 Gbit/s, steady, over ~128 MiB',
    source: 'kubevirt/enhancements VEP 248, ex-6-redis.png (approximate: plateau ~120-130 MiB)',
    kind: 'uniform',
    dirtyRate: 950 * MBIT,
    workingSet: 128 * MiB,
    fluctuation: { spread: 0.1, period: 1, correlation: 10 },
    compressibility: DEFAULT_COMPRESSIBILITY,
  },
  mariadb: {
    summary: 'MariaDB under load: up to ~1.1 Gbit/s over ~0.5 GiB, in bursts',
    source: 'kubevirt/enhancements VEP 248, ex-2-mariadb.png (approximate: ~6 GiB guest, plateau 0.3-0.6 GiB, converged at ~95 s)',
    kind: 'uniform',
    dirtyRate: 700 * MBIT,
    workingSet: 512 * MiB,
    fluctuation: { spread: 0.4, period: 5, correlation: 20 },
    compressibility: DEFAULT_COMPRESSIBILITY,
  },
  'jvm-large': {
    summary: 'a large Java warehouse guest (SPECjbb-like): 67,551 pages/s (~264 MiB/s) over a few GiB',
    source:
      'qemu/qemu commit 7ca1dfad (auto-converge): 256 GiB, 20 vCPUs, 67,551 pages/s, 2.6 GiB left after 1,487 s at ~257 MB/s; a working set of 1/32 of RAM (8 GiB of 256) is an assumption',
    kind: 'uniform',
    dirtyRate: 67_551 * 4096,
    workingSetShare: 1 / 32,
    compressibility: DEFAULT_COMPRESSIBILITY,
  },
  'openshift-hcp-worker': {
    summary: 'an OpenShift hosted-control-plane worker (VEP 291 benchmark): ~650 Mbit/s on average, fluctuating',
    source: 'kubevirt/enhancements VEP 291 benchmark (8 GiB guest, 1 Gbit/s, ~650 Mbit/s average dirty rate); working set and fluctuation are assumptions',
    kind: 'uniform',
    dirtyRate: 650 * MBIT,
    workingSetShare: 0.5,
    fluctuation: { spread: 0.35, period: 2, correlation: 20 },
    compressibility: DEFAULT_COMPRESSIBILITY,
  },
};
