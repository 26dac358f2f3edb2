/**
 * deploy/kubernetes/*.yaml against the Kubernetes API schemas, offline: no
 * cluster can be had on this machine (no container runtime, and kind, k3s or
 * minikube download their node images at run time), so each manifest is
 * validated with the kubernetes-models package, whose validators are
 * compiled from the Kubernetes OpenAPI schema (v1.27; required fields,
 * types, enums, formats). Those schemas allow unknown fields, so what ties
 * the three manifests together (the shard count, the volume, the run folder)
 * is checked here as well.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { PersistentVolumeClaim, type IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { parseAllDocuments } from 'yaml';
import { PACKAGE_ROOT } from '../../src/sweep/output.js';

const DIR = join(PACKAGE_ROOT, 'deploy', 'kubernetes');

/** The schema validator of each apiVersion and kind the recipe uses: it throws, listing every violation with its path. */
const VALIDATORS: Record<string, (manifest: unknown) => void> = {
  'batch/v1 Job': (m) => new Job(m as IJob).validate(),
  'v1 PersistentVolumeClaim': (m) => new PersistentVolumeClaim(m as IPersistentVolumeClaim).validate(),
};

function validate(manifest: { apiVersion?: string; kind?: string }): void {
  const key = `${manifest.apiVersion} ${manifest.kind}`;
  const check = VALIDATORS[key];
  assert.ok(check, `no schema validator for ${key}: add its kubernetes-models class to VALIDATORS`);
  check(manifest);
}

/** Every document of every manifest file, parsed. */
const manifests = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc, k) => {
      assert.equal(doc.errors.length, 0, `${file}: ${doc.errors.join('; ')}`);
      return { file, k, manifest: doc.toJS() as Record<string, unknown> & { apiVersion?: string; kind?: string } };
    }),
  );
const byFile = <T>(file: string) => manifests.find((m) => m.file === file)!.manifest as unknown as T;
const envOf = (job: IJob) => Object.fromEntries((job.spec!.template.spec!.containers[0]!.env ?? []).map((e) => [e.name, e.value]));

describe('deploy/kubernetes/ against the Kubernetes API schemas', () => {
  test('the recipe is a PVC, an Indexed sweep Job and a merge Job', () => {
    assert.deepEqual(
      manifests.map((m) => `${m.file}: ${m.manifest.apiVersion} ${m.manifest.kind}`),
      ['merge-job.yaml: batch/v1 Job', 'results-pvc.yaml: v1 PersistentVolumeClaim', 'sweep-job.yaml: batch/v1 Job'],
    );
  });

  for (const { file, k, manifest } of manifests) test(`${file} (document ${k + 1}) is valid`, () => validate(manifest));

  test('the validators can fail: a shard count as text, a container without a name, a restart policy Kubernetes does not know', () => {
    const broken = structuredClone(byFile<IJob>('sweep-job.yaml'));
    const pod = broken.spec!.template.spec!;
    Object.assign(broken.spec!, { completions: '8' });
    delete (pod.containers[0] as Partial<IContainer>).name;
    Object.assign(pod, { restartPolicy: 'Sometimes' });
    assert.throws(
      () => validate(broken),
      (e: Error) => {
        assert.match(e.message, /data\/spec\/completions must be integer/);
        assert.match(e.message, /data\/spec\/template\/spec\/containers\/0 must have required property name/);
        assert.match(e.message, /data\/spec\/template\/spec\/restartPolicy must be equal to one of the allowed values/);
        return true;
      },
    );
  });

  test('the sweep Job: Indexed, completions = parallelism = MIGSWEEP_SHARD_COUNT, pods never restarted in place (a retry resumes its folder)', () => {
    const sweep = byFile<IJob>('sweep-job.yaml');
    assert.equal(sweep.spec!.completionMode, 'Indexed');
    assert.equal(sweep.spec!.completions, 8);
    assert.equal(sweep.spec!.parallelism, sweep.spec!.completions);
    assert.equal(envOf(sweep).MIGSWEEP_SHARD_COUNT, String(sweep.spec!.completions));
    assert.equal(sweep.spec!.template.spec!.restartPolicy, 'Never');
  });

  test('the merge Job reads the run folder the shards write, on the volume the PVC claims (ReadWriteMany: every pod mounts it)', () => {
    const pvc = byFile<IPersistentVolumeClaim>('results-pvc.yaml');
    const sweep = byFile<IJob>('sweep-job.yaml');
    const merge = byFile<IJob>('merge-job.yaml');
    assert.deepEqual(pvc.spec!.accessModes, ['ReadWriteMany']);
    for (const job of [sweep, merge]) {
      const pod = job.spec!.template.spec!;
      assert.equal(pod.volumes![0]!.persistentVolumeClaim!.claimName, pvc.metadata!.name);
      assert.equal(pod.containers[0]!.volumeMounts![0]!.name, pod.volumes![0]!.name);
      assert.equal(pod.containers[0]!.volumeMounts![0]!.mountPath, '/results');
      assert.equal(pod.containers[0]!.image, 'migsweep:latest');
    }
    assert.equal(envOf(merge).RUN, envOf(sweep).RUN);
    assert.match(envOf(sweep).RUN!, /^\/results\//);
  });
});
