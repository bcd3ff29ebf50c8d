// The layering of src/ (README, "How it is built") is a lint rule: an import from a lower layer
// to a higher one fails `npm run lint`. Checked here with the project's own ESLint configuration
// on probe files that exist only in memory (type information off for them: the rule needs none).
import { ESLint } from 'eslint';
import { join } from 'node:path';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

async function boundaryProblems(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: [
      { files: ['src/**/zz-layer-probe.ts'], ...tseslint.configs.disableTypeChecked, languageOptions: { parserOptions: { project: false, projectService: false } } },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.filter((m) => m.ruleId === 'boundaries/dependencies' || m.fatal).map((m) => m.message);
}

describe('the layering of src/', () => {
  it('refuses an import from a lower layer to a higher one, naming both', async () => {
    expect(await boundaryProblems('src/shared/zz-layer-probe.ts', "import { AppConfig } from '../config/app-config';\nexport type X = AppConfig;\n")).toEqual([
      'shared must not import config: layers import downwards only (README, "How it is built")',
    ]);
    expect(await boundaryProblems('src/engine/zz-layer-probe.ts', "import { Application } from '../applications/application.entity';\nexport type X = Application;\n")).toEqual([
      'plain must not import features: layers import downwards only (README, "How it is built")',
    ]);
    expect(await boundaryProblems('src/common/zz-layer-probe.ts', "import { AuditLog } from '../audit/audit-log';\nexport type X = AuditLog;\n")).toEqual([
      'common must not import audit: layers import downwards only (README, "How it is built")',
    ]);
  }, 60_000);

  it('lets a layer import its own and the lower ones', async () => {
    expect(
      await boundaryProblems(
        'src/applications/zz-layer-probe.ts',
        "import { Clock } from '../shared/clock';\nimport { SyncEngine } from '../engine';\nimport { AuditLog } from '../audit/audit-log';\nexport type X = [Clock, SyncEngine, AuditLog];\n",
      ),
    ).toEqual([]);
    expect(await boundaryProblems('src/config/zz-layer-probe.ts', "import { Clock } from '../shared/clock';\nexport type X = Clock;\n")).toEqual([]);
  }, 60_000);
});
