/**
 * `migsweep import`: a measurement file in, the trace CSV and the scenario
 * that replays it out (docs/import.md).
 */
import { readFileSync } from 'node:fs';
import { InputError, suggest } from '../common/errors.js';
import { importDirtyRate, looksLikeDirtyRate } from './dirty-rate.js';
import { importDomjobinfo, looksLikeDomjobinfo } from './domjobinfo.js';
import { importGuestperf, looksLikeGuestperf } from './guestperf.js';
import { IMPORT_FORMATS, type ImportFormat, type Imported } from './imported.js';
import { importQmp, looksLikeQmp } from './qmp.js';

const IMPORTERS: Record<ImportFormat, (file: string, text: string) => Imported> = {
  guestperf: importGuestperf,
  qmp: importQmp,
  'dirty-rate': importDirtyRate,
  domjobinfo: importDomjobinfo,
};

/** Which format a text is in, tried from the most specific sign to the least; undefined when none fits. */
export function detectFormat(text: string): ImportFormat | undefined {
  if (looksLikeGuestperf(text)) return 'guestperf';
  if (looksLikeQmp(text)) return 'qmp';
  if (looksLikeDirtyRate(text)) return 'dirty-rate';
  if (looksLikeDomjobinfo(text)) return 'domjobinfo';
  return undefined;
}

/** A `--format` value checked: auto or one of IMPORT_FORMATS. */
export function parseFormatOption(value: string): ImportFormat | 'auto' {
  if (value === 'auto' || (IMPORT_FORMATS as readonly string[]).includes(value)) return value as ImportFormat | 'auto';
  const known = ['auto', ...IMPORT_FORMATS];
  throw new InputError('--format', [{ path: '', message: `unknown format '${value}'${suggest(value, known)}; expected one of ${known.join(', ')}` }]);
}

/** Read a measurement file and convert it; the format detected unless given. */
export function importText(file: string, text: string, format: ImportFormat | 'auto' = 'auto'): Imported & { detected: boolean } {
  const chosen = format === 'auto' ? detectFormat(text) : format;
  if (chosen === undefined)
    throw new InputError(file, [
      {
        path: '',
        line: 1,
        message:
          'not a format migsweep import knows: expected a guestperf JSON report (progress_history), query-migrate replies (ram.dirty-pages-rate), query-dirty-rate replies (dirty-rate) or virsh domjobinfo text (Time elapsed:, Dirty rate:); or name it with --format',
      },
    ]);
  return { ...IMPORTERS[chosen](file, text), detected: format === 'auto' };
}

export function importFile(file: string, format: ImportFormat | 'auto' = 'auto'): Imported & { detected: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, [{ path: '', message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a measurement file' : (e as Error).message }]);
  }
  return importText(file, text, format);
}
