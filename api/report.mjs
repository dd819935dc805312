// The public API report: one api-extractor report per entry point, checked in next to this file.
// `npm run api` rewrites the reports after a reviewed change; `npm run api:check` (a step of
// .ci/run, after the build) fails when the built declarations no longer match them.
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');

// One report per subpath in package.json "exports"; the name is what a user imports.
const ENTRY_POINTS = [
  { report: 'nestjs-bluebutton', types: 'dist/index.d.ts' },
  { report: 'nestjs-bluebutton-testing', types: 'dist/testing/index.d.ts' },
  { report: 'nestjs-bluebutton-redis', types: 'dist/redis/index.d.ts' },
  { report: 'nestjs-bluebutton-sync', types: 'dist/sync/index.d.ts' },
];

let failed = 0;
for (const entry of ENTRY_POINTS) {
  const config = ExtractorConfig.prepare({
    configObjectFullPath: `${root}/api/${entry.report}.json`,
    packageJsonFullPath: `${root}/package.json`,
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: `<projectFolder>/${entry.types}`,
      compiler: { tsconfigFilePath: '<projectFolder>/tsconfig.build.json' },
      apiReport: {
        enabled: true,
        reportFileName: `${entry.report}.api.md`,
        reportFolder: '<projectFolder>/api/',
        reportTempFolder: '<projectFolder>/.api-temp/',
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // Missing release tags (@public/@beta) would flag every export; we have one release level.
        extractorMessageReporting: {
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'warning', addToApiReportFile: true },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
  });
  const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false });
  if (!result.succeeded || (check && result.apiReportChanged)) {
    failed++;
    console.error(
      `api: ${entry.report}: the public API changed without its report. Review the change, then run` +
        ' `npm run build && npm run api` and commit api/*.api.md.',
    );
  }
}
process.exit(failed ? 1 : 0);
