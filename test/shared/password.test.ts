import { describe, expect, it } from 'vitest';
import { generatePassword } from '../../src/shared/password.js';

describe('generated passwords', () => {
  it('never start with "-", which a command line would read as an option', () => {
    // Without the redraw one password in 64 starts with "-": 10,000 draws would show it.
    const passwords = Array.from({ length: 10_000 }, generatePassword);
    expect(passwords.filter((p) => p.startsWith('-'))).toEqual([]);
    expect(new Set(passwords.map((p) => p.length))).toEqual(new Set([24]));
    expect(passwords.every((p) => /^[A-Za-z0-9_-]+$/.test(p))).toBe(true);
  });
});
