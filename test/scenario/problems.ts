import assert from 'node:assert/strict';
import { parseText } from '../../src/scenario/document.js';
import { InputError } from '../../src/common/errors.js';
import { validateScenario } from '../../src/scenario/validate.js';

/** The message of the InputError a scenario text (file `s.yaml`) is refused with; fails when it is accepted. */
export function problems(text: string): string {
  const doc = parseText('s.yaml', text);
  try {
    validateScenario(doc.data, { file: 's.yaml', doc });
  } catch (e) {
    assert.ok(e instanceof InputError, `an InputError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected the scenario to be rejected');
}
