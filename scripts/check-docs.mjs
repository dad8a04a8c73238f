#!/usr/bin/env node
// Checks the links of the documentation, so that moving or renaming a page or a heading cannot leave a link
// pointing nowhere: every relative link's target exists, and every `#anchor` (in the page, or `page.md#anchor`)
// is the slug of a heading of the target page, as GitHub makes it (lower case, punctuation but - and _ removed,
// each space a -, a repeated slug suffixed -1, -2, ...). Links with a scheme (https:, mailto:) are not fetched.
// Fails, naming the file, line and link, when one does not hold.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The pages checked: the front page, every page under docs/, and the READMEs of the PHP clients and the mock.
const checked = ['README.md', 'docs', 'mediawiki-extension/README.md', 'php-session/README.md', 'mock/README.md'];

/** Every .md file of `path`: the file itself, or those of the folder and its subfolders. */
function markdownFiles(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return markdownFiles(child);
      return entry.name.endsWith('.md') ? [child] : [];
    });
}

/** The lines of `text` outside fenced code blocks, with their 1-based numbers. */
function proseLines(text) {
  const lines = [];
  let fence;
  text.split('\n').forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === undefined && marker) fence = marker[1];
    else if (fence !== undefined && marker && marker[1][0] === fence[0] && marker[1].length >= fence.length) fence = undefined;
    else if (fence === undefined) lines.push({ number: index + 1, line });
  });
  return lines;
}

/** A heading's text as GitHub renders it: code spans, links and images as their text, emphasis and HTML tags dropped. */
function renderedText(heading) {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`+/g, '')
    .replace(/\*+/g, '');
}

/** GitHub's anchor for a heading's text (github-slugger: punctuation and symbols removed but - and _). */
function slug(text) {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-');
}

const anchorCache = new Map();
/** The anchors of a Markdown file: its headings' slugs (repeats suffixed -1, -2, ...) and explicit `<a id|name>`. */
function anchorsOf(file) {
  let anchors = anchorCache.get(file);
  if (anchors !== undefined) return anchors;
  anchors = new Set();
  const counts = new Map();
  for (const { line } of proseLines(readFileSync(file, 'utf8'))) {
    for (const match of line.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(renderedText(heading[1]));
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    anchors.add(seen === 0 ? base : `${base}-${seen}`);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

/** The link targets of a line: inline links and images, reference definitions and HTML hrefs, outside code spans. */
function targetsOf(line) {
  const prose = line.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, 'code');
  const targets = [];
  for (const match of prose.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
    targets.push(match[1].replace(/^<(.*)>$/, '$1'));
  }
  const definition = /^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(prose);
  if (definition) targets.push(definition[1]);
  for (const match of prose.matchAll(/\shref="([^"]+)"/g)) targets.push(match[1]);
  return targets;
}

/** What is wrong with `target`, a link in `file`, or undefined when it holds. */
function problemWith(file, target) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  const hash = target.indexOf('#');
  const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const destination = path === '' ? file : path.startsWith('/') ? join(root, path) : resolve(dirname(file), path);
  if (!existsSync(destination)) return `${relative(root, destination)} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!destination.endsWith('.md')) return undefined;
  if (anchorsOf(destination).has(anchor)) return undefined;
  return `no heading of ${relative(root, destination)} has the anchor #${anchor}`;
}

const problems = [];
let links = 0;
const files = checked.flatMap((path) => {
  const absolute = join(root, path);
  if (!existsSync(absolute)) {
    problems.push(`${path}: missing (listed in scripts/check-docs.mjs)`);
    return [];
  }
  return markdownFiles(absolute);
});
for (const file of files) {
  for (const { number, line } of proseLines(readFileSync(file, 'utf8'))) {
    for (const target of targetsOf(line)) {
      links += 1;
      const problem = problemWith(file, target);
      if (problem !== undefined) problems.push(`${relative(root, file)}:${number}: (${target}) ${problem}`);
    }
  }
}

if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n${problems.length} broken link${problems.length === 1 ? '' : 's'}\n`);
  process.exit(1);
}
process.stdout.write(`docs: ${links} links in ${files.length} files hold\n`);
