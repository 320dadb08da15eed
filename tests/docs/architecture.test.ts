/*
 * The README's picture and docs/architecture.md name every function the repository has,
 * and no function it does not have: a function added without them fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The functions' names, from their one entry file each in functions/. */
const functions = readdirSync(join(root, 'functions'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

describe('the architecture as documented', () => {
  it('draws every function in the README picture, and no other', () => {
    const drawn = [...read('README.md').matchAll(/\[([a-z-]+) λ\]/g)].map((match) => match[1]);
    expect([...new Set(drawn)].sort()).toEqual(functions);
  });

  it('lists every function in the table of docs/architecture.md, and no other', () => {
    const listed = [...read('docs/architecture.md').matchAll(/^\| `([a-z-]+)`\s+\|/gm)].map(
      (match) => match[1],
    );
    expect([...listed].sort()).toEqual(functions);
  });

  it('counts the functions it describes in words as there are', () => {
    const words = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const tens = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen'];
    const teens = [...words, ...tens, 'seventeen', 'eighteen', 'nineteen'];
    const inWords = [...teens, ...words.map((word) => (word ? `twenty-${word}` : 'twenty'))];
    const counted = /the ([\w-]+)\s+functions/.exec(read('docs/architecture.md'))?.[1];
    expect(counted).toBe(inWords[functions.length]);
  });
});
