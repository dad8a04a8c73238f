import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../src/paths.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

/** V8's .cpuprofile format (what `node --cpu-prof` writes); times in microseconds of the system's monotonic clock. */
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A function's share of the CPU time the server spent busy (idle excluded). */
export interface ProfileEntry {
  readonly name: string;
  readonly where: string;
  readonly category: string;
  readonly selfShare: number;
  readonly totalShare: number;
}

/** Where the server's time went during the measured window. */
export interface ProfileSummary {
  readonly files: readonly string[];
  readonly busyMs: number;
  readonly idleMs: number;
  readonly bySelf: readonly ProfileEntry[];
  /** Functions of kask-ts itself by inclusive time (their callees included). */
  readonly kaskByTotal: readonly ProfileEntry[];
  readonly categories: readonly { readonly category: string; readonly share: number }[];
}

const specialFrames = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
const socketCalls = new Set([
  'writev',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
  'readStart',
  'shutdown',
  'close',
]);

/** The package, Node.js module or part of kask-ts a frame belongs to. */
function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (specialFrames.has(functionName)) return functionName;
    // The socket bindings: on loopback the kernel's whole TCP path (the receiver's side too) runs inside them.
    return socketCalls.has(functionName) ? '(socket syscalls: kernel TCP)' : '(V8 builtins and natives)';
  }
  const inModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inModules) return inModules[1] as string;
  if (url.startsWith('node:')) {
    const module = url.slice('node:'.length).replace(/^internal\//, '');
    return `node:${module.split('/')[0]}`;
  }
  if (url.includes('/server/dist/')) return 'kask-ts';
  return url.startsWith('file:') ? relative(repoRoot, fileURLToPath(url)) : url;
}

function whereOf(frame: CallFrame): string {
  if (frame.url === '') return '';
  const path = frame.url.startsWith('file:') ? relative(repoRoot, fileURLToPath(frame.url)) : frame.url;
  return `${path.replace(/^node_modules\//, '')}:${frame.lineNumber + 1}`;
}

/** Summarises `.cpuprofile` files, counting only samples taken inside `window` (monotonic µs) when it overlaps. */
export function summarizeProfiles(
  files: readonly string[],
  window?: { readonly start: number; readonly end: number },
): ProfileSummary {
  const self = new Map<string, { frame: CallFrame; self: number; total: number }>();
  let busy = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const inWindow = window !== undefined && window.start < profile.endTime && window.end > profile.startTime;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const selfTime = new Map<number, number>();
    let time = profile.startTime;
    profile.samples.forEach((id, index) => {
      time += profile.timeDeltas[index] ?? 0;
      if (inWindow && (time < window.start || time > window.end)) return;
      // A sample's time is the gap to the next one: attribute each delta to the sample that follows it.
      const delta = profile.timeDeltas[index + 1] ?? 0;
      selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
    });
    // Inclusive time: a node's own samples and those of everything below it.
    const totalTime = new Map<number, number>();
    const totalOf = (id: number): number => {
      const known = totalTime.get(id);
      if (known !== undefined) return known;
      const node = nodes.get(id);
      const total = (selfTime.get(id) ?? 0) + (node?.children ?? []).reduce((sum, child) => sum + totalOf(child), 0);
      totalTime.set(id, total);
      return total;
    };
    for (const node of profile.nodes) {
      const { callFrame } = node;
      const own = selfTime.get(node.id) ?? 0;
      if (callFrame.functionName === '(idle)') idle += own;
      else busy += own;
      const key = `${callFrame.functionName}@${callFrame.url}:${callFrame.lineNumber}`;
      const entry = self.get(key) ?? { frame: callFrame, self: 0, total: 0 };
      entry.self += own;
      // A function that is its own ancestor would be counted twice; the request path has no such recursion.
      entry.total += totalOf(node.id);
      self.set(key, entry);
    }
  }
  const share = (microseconds: number) => microseconds / Math.max(busy, 1);
  const entries = [...self.values()]
    .filter(({ frame }) => frame.functionName !== '(idle)' && frame.functionName !== '(root)')
    .map(({ frame, self: own, total }) => ({
      name: frame.functionName || '(anonymous)',
      where: whereOf(frame),
      category: categoryOf(frame),
      selfShare: share(own),
      totalShare: share(total),
    }));
  const categories = new Map<string, number>();
  for (const entry of entries) categories.set(entry.category, (categories.get(entry.category) ?? 0) + entry.selfShare);
  return {
    files,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    bySelf: [...entries].sort((a, b) => b.selfShare - a.selfShare).slice(0, 30),
    kaskByTotal: entries
      .filter((entry) => entry.category === 'kask-ts')
      .sort((a, b) => b.totalShare - a.totalShare)
      .slice(0, 20),
    categories: [...categories.entries()]
      .map(([category, value]) => ({ category, share: value }))
      .sort((a, b) => b.share - a.share),
  };
}
