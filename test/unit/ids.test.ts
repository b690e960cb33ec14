import { describe, expect, it } from 'vitest';
import { parseFilePath } from '../../versioning/ids.ts';

describe('parseFilePath', () => {
  it('canonicalises slashes', () => {
    expect(parseFilePath('a//b/')).toBe('/a/b');
  });
});
