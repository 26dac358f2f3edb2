// Stand-alone entry point for the real-QEMU calibration grid, until the CLI
// wires `npm run calibrate` to runGrid():
//   node dist/src/calibrate/main.js [--quick] [--out DIR]
import { runGrid } from './grid.js';

function parseArgs(argv: string[]): { quick: boolean; outDir: string } {
  let quick = false;
  let outDir = 'results/calibration';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--out' && i + 1 < argv.length) outDir = argv[++i];
    else {
      process.stderr.write(`unknown argument ${a}\nusage: node dist/src/calibrate/main.js [--quick] [--out DIR]\n`);
      process.exit(2);
    }
  }
  return { quick, outDir };
}

const { quick, outDir } = parseArgs(process.argv.slice(2));
try {
  const records = await runGrid({ quick, outDir, log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${records.length} runs written to ${outDir}/measured.csv and samples.csv\n`);
} catch (err) {
  process.stderr.write(`calibrate: ${(err as Error).message}\n`);
  process.exit(1);
}
