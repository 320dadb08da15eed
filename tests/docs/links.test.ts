/*
 * The repository explains itself: every relative link of the README and docs/ leads to a
 * file (and heading) that exists, every `docs/<file>.md §N` citation names a numbered
 * section that exists, and nothing points outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Files git tracks or would track (not ignored), relative to the root, that exist. */
function repositoryFiles(): string[] {
  const listing = ['ls-files', '--cached', '--others', '--exclude-standard', '-z'];
  return execFileSync('git', listing, { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file)))
    .sort();
}

const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Whether a repository path (relative to the root) exists, or is on its way. */
const present = (path: string) => existsSync(join(root, path));

/** A path relative to the root, or undefined when it leaves the repository. */
function inRepository(path: string): string | undefined {
  const inside = relative(root, resolve(root, path)).split('\\').join('/');
  return inside === '..' || inside.startsWith('../') ? undefined : inside;
}

/** The lines of a Markdown document outside fenced blocks (blanked, so line numbers stay). */
function outsideFences(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker?.startsWith(fence)) fence = undefined;
      return '';
    }
    if (marker) fence = marker;
    return marker ? '' : line;
  });
}

/** Prose: outside fenced blocks, without code spans. */
const proseOf = (markdown: string) =>
  outsideFences(markdown).map((line) => line.replace(/(`+)[\s\S]*?\1/g, ''));

/** The relative link targets of a Markdown document, with their line numbers. */
function relativeLinks(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  proseOf(markdown).forEach((text, index) => {
    const inline = /\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
    const reference = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/;
    const targets = [...text.matchAll(inline)].map((match) => match[1] ?? '');
    const defined = reference.exec(text)?.[1];
    if (defined) targets.push(defined);
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(target)) continue;
      links.push({ target, line: index + 1 });
    }
  });
  return links;
}

/** GitHub's anchor of a heading's text: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The ATX headings of a Markdown document, outside code. */
function headingsOf(markdown: string): string[] {
  return outsideFences(markdown).flatMap((line) => {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    return heading === undefined ? [] : [heading];
  });
}

/** Every anchor a document offers, numbered as GitHub numbers repeated headings. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const heading of headingsOf(markdown)) {
    const base = anchorOf(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The section numbers of a document's numbered headings: `## 4. Auth` → 4, `### 4.1 …` → 4.1. */
function numberedSections(markdown: string): Set<string> {
  return new Set(
    headingsOf(markdown).flatMap((heading) => {
      const number = /^(\d+(?:\.\d+)*)\.?\s/.exec(heading)?.[1];
      return number ? [number] : [];
    }),
  );
}

/**
 * Citations of a document's section: `docs/design.md §3`, `design.md §6 and §7`,
 * `docs/design.md §3, §5`. A file named without `docs/` is one of docs/.
 */
function sectionCitations(text: string): { file: string; section: string; line: number }[] {
  const citations: { file: string; section: string; line: number }[] = [];
  const cited =
    /(?<![\w./-])(?:docs\/)?([\w-]+\.md) (§\d+(?:\.\d+)*(?:(?:,| and| or) §\d+(?:\.\d+)*)*)/g;
  text.split('\n').forEach((line, index) => {
    for (const [, name, sections = ''] of line.matchAll(cited)) {
      for (const [, section = ''] of sections.matchAll(/§(\d+(?:\.\d+)*)/g)) {
        citations.push({ file: `docs/${name}`, section, line: index + 1 });
      }
    }
  });
  return citations;
}

/** What a file's broken links are: a missing file, or a missing heading of an existing one. */
function brokenLinks(file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const { target, line } of relativeLinks(markdown)) {
    const [pathPart = '', anchor] = decodeURIComponent(target).split('#');
    const path = pathPart === '' ? file : inRepository(join(dirname(file), pathPart));
    if (path === undefined) {
      problems.push(`${file}:${line} links outside the repository: ${target}`);
    } else if (!present(path)) {
      problems.push(`${file}:${line} links to ${path}, which does not exist`);
    } else if (anchor && path.endsWith('.md') && !anchorsOf(read(path)).has(anchor)) {
      problems.push(`${file}:${line} links to #${anchor}, which ${path} has no heading for`);
    }
  }
  return problems;
}

/** Citations of `docs/<file>.md §N` whose file or numbered section does not exist. */
function brokenCitations(file: string, text: string): string[] {
  const problems: string[] = [];
  for (const { file: cited, section, line } of sectionCitations(text)) {
    if (!existsSync(join(root, cited))) {
      problems.push(`${file}:${line} cites ${cited} §${section}: there is no ${cited}`);
    } else if (!numberedSections(read(cited)).has(section)) {
      problems.push(`${file}:${line} cites ${cited} §${section}: it has no section ${section}`);
    }
  }
  for (const match of text.matchAll(/(?<![\w./-])docs\/[\w./-]+\.(?:md|json)\b/g)) {
    const line = text.slice(0, match.index).split('\n').length;
    if (!present(match[0])) {
      problems.push(`${file}:${line} names ${match[0]}, which does not exist`);
    }
  }
  return problems;
}

/** Paths that leave the repository (`../` past its root) and the workspace's own files. */
function outsideReferences(file: string, text: string): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(/(?<![\w./-])(?:\.\.\/)+[\w@.-]*(?:\/[\w@.-]+)*/g)) {
      if (inRepository(join(dirname(file), match[0])) === undefined) {
        problems.push(`${file}:${index + 1} points outside the repository: ${match[0]}`);
      }
    }
    for (const match of line.matchAll(/\bDESIGN(?:\.md\b| §)|\bSTYLE\.md\b/g)) {
      problems.push(`${file}:${index + 1} cites ${match[0]}, which is not in the repository`);
    }
  });
  return problems;
}

const files = repositoryFiles();
const markdown = files.filter((file) => file === 'README.md' || /^docs\/.+\.md$/.test(file));
/** This file's own examples below are broken on purpose. */
const SELF = relative(root, fileURLToPath(import.meta.url))
  .split('\\')
  .join('/');
const cited = files.filter(
  (file) => /\.(ts|py|md|json)$/.test(file) && !file.startsWith('node_modules/') && file !== SELF,
);

describe('the documentation', () => {
  it('has a README and an index of docs/ to check', () => {
    expect(markdown).toContain('README.md');
    expect(markdown).toContain('docs/README.md');
    expect(markdown).toContain('docs/design.md');
  });

  it('links only to files and headings that exist', () => {
    expect(markdown.flatMap((file) => brokenLinks(file, read(file)))).toEqual([]);
  });

  it('cites only numbered sections that exist, in docs and code alike', () => {
    expect(cited.flatMap((file) => brokenCitations(file, read(file)))).toEqual([]);
  });

  it('points at nothing outside the repository', () => {
    expect(cited.flatMap((file) => outsideReferences(file, read(file)))).toEqual([]);
  });
});

describe('the documentation checks', () => {
  it('find a link to a missing file, and to a missing heading of an existing one', () => {
    const text = [
      'See [the contract](design.md#3-http-api-contract-v1) and [budgets](design.md#9-budgets).',
      'Also [nowhere](no-such-file.md) and [`code`](../README.md).',
    ].join('\n');

    expect(brokenLinks('docs/example.md', text)).toEqual([
      'docs/example.md:1 links to #9-budgets, which docs/design.md has no heading for',
      'docs/example.md:2 links to docs/no-such-file.md, which does not exist',
    ]);
  });

  it('ignore links inside code, and links to the web', () => {
    const text = [
      '```md',
      '[inside a fence](missing.md)',
      '```',
      '`[in a code span](missing.md)` and [a site](https://example.com/missing.md)',
    ].join('\n');

    expect(brokenLinks('README.md', text)).toEqual([]);
  });

  it('make anchors as GitHub does, repeated headings numbered', () => {
    const anchors = anchorsOf('## 9. Budgets (measured by `npm run bench`)\n## Notes\n## Notes\n');

    expect([...anchors]).toEqual(['9-budgets-measured-by-npm-run-bench', 'notes', 'notes-1']);
  });

  it('find a citation of a section or a file that does not exist', () => {
    const text = '// docs/design.md §4.1 and §99; docs/nowhere.md §1\n// see docs/missing.json';

    expect(brokenCitations('shared/example.ts', text)).toEqual([
      'shared/example.ts:1 cites docs/design.md §99: it has no section 99',
      'shared/example.ts:1 cites docs/nowhere.md §1: there is no docs/nowhere.md',
      'shared/example.ts:1 names docs/nowhere.md, which does not exist',
      'shared/example.ts:2 names docs/missing.json, which does not exist',
    ]);
  });

  it('find a path past the repository root and the workspace files, not imports inside it', () => {
    // Put together here, so that this file itself names no place outside the repository.
    const contract = ['DESIGN', 'md'].join('.');
    const outside = (name: string) => ['..', 'shared', name].join('/');
    const text = `// ${contract} §3, ${outside(contract)}\nimport { x } from '${outside('config.ts')}';`;

    expect(outsideReferences('infra/example.ts', text.split('\n')[1] ?? '')).toEqual([]);
    expect(outsideReferences('README.md', text)).toEqual([
      `README.md:1 points outside the repository: ${outside(contract)}`,
      `README.md:1 cites ${contract}, which is not in the repository`,
      `README.md:1 cites ${contract}, which is not in the repository`,
      `README.md:2 points outside the repository: ${outside('config.ts')}`,
    ]);
  });
});
