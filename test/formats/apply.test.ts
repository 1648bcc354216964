import { describe, expect, it } from 'vitest';
import { applyEdits, revertRecords, toSlotRecords } from '../../src/formats/apply.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';

describe('applyEdits', () => {
  it('refuses to replace a scalar parent with an object (no restore could bring it back)', () => {
    const text = '{\n  "env": "inherit"\n}\n';
    const err = (() => {
      try {
        applyEdits(text, 'json', [{ file: 'settings', path: ['env', 'ANTHROPIC_BASE_URL'], value: 'http://127.0.0.1:11580' }], '/h/.claude/settings.json');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigFormatError);
    expect((err as Error).message).toMatch(
      /settings\.json: env is a string, where gwctl needs to add env\.ANTHROPIC_BASE_URL; nothing was written; make env an object/,
    );
  });

  it('refuses a list where an object is needed, and an object where a list is needed', () => {
    expect(() =>
      applyEdits('[model_providers]\nservbay = 1\n', 'toml', [{ file: 'c', path: ['model_providers', 'servbay', 'base_url'], value: 'x' }], 'config.toml'),
    ).toThrow(/model_providers\.servbay is a number/);
    expect(() =>
      applyEdits('{"models": {}}', 'json', [{ file: 'm', path: ['models', { match: { id: 'gpt-4o' } }], value: { id: 'gpt-4o' } }], 'models.json'),
    ).toThrow(/models is an object, where gwctl needs to add models\.\[id="gpt-4o"\]; nothing was written; make models a list/);
  });

  it('deleting below a scalar is a no-op, not an error', () => {
    expect(applyEdits('{"env": "x"}', 'json', [{ file: 's', path: ['env', 'A'], value: undefined }], 's.json').text).toBe('{"env": "x"}');
  });

  it('revert removes parents the takeover created, even several levels deep', () => {
    const original = '{\n  "theme": "dark"\n}\n';
    const { text, applied } = applyEdits(original, 'json', [{ file: 's', path: ['security', 'auth', 'selectedType'], value: 'gemini-api-key' }], 's.json');
    expect(JSON.parse(text).security.auth.selectedType).toBe('gemini-api-key');
    expect(revertRecords(text, 'json', toSlotRecords(applied), 'http://127.0.0.1:11580', 's.json').text).toBe(original);
  });
});
