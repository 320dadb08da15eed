import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_PROFILES,
  InvalidProfileError,
  profilesIn,
  profilesWith,
  readProfileDirectory,
} from '#shared/indicators/profiles.ts';

const directoryWith = (files: Record<string, unknown>) => {
  const directory = mkdtempSync(join(tmpdir(), 'profiles-'));
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(join(directory, name), typeof body === 'string' ? body : JSON.stringify(body));
  }
  return directory;
};

const own = {
  id: 'acme-quarterly',
  name: { en: 'Acme quarterly', 'zh-CN': 'Acme 季报' },
  period: 'quarter',
  indicators: [{ id: 'survey.nps' }],
};

describe("an operator's own profiles", () => {
  it('are read from a directory of JSON documents and join the built-in ones', () => {
    const profiles = profilesIn(directoryWith({ 'acme.json': own, 'notes.txt': 'not a profile' }));

    expect(Object.keys(profiles).sort()).toEqual(
      [...Object.keys(BUILT_IN_PROFILES), 'acme-quarterly'].sort(),
    );
    expect(profiles['acme-quarterly']).toMatchObject({ period: 'quarter', minCell: 10 });
  });

  it('name the file and the field of a document that does not validate', () => {
    const reading = () =>
      readProfileDirectory(
        directoryWith({ 'bad.json': { ...own, indicators: [{ id: 'survey.happiness' }] } }),
      );

    expect(reading).toThrow(InvalidProfileError);
    expect(reading).toThrow(
      'bad.json: invalid profile: /indicators/0/id is not an indicator of the catalogue',
    );
  });

  it('may not take a built-in id, nor each other', () => {
    expect(() => profilesWith([{ ...BUILT_IN_PROFILES.baseline }])).toThrow(/"baseline" is taken/);
  });

  it('are none when the directory does not exist', () => {
    expect(readProfileDirectory(join(tmpdir(), 'no-such-profiles'))).toEqual([]);
  });
});
