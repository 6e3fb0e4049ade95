import * as fs from 'node:fs';
import * as path from 'node:path';
import { replacementPaths } from './schema';
import { isGuardedType } from './stateful-types';

/** One guarded resource: its type and the values of its create-only properties, by JSON path. */
export interface GuardedResource {
  readonly Type: string;
  readonly CreateOnly: Readonly<Record<string, unknown>>;
}

/** Guarded resources of one stack, by logical id. */
export type StackSnapshot = Readonly<Record<string, GuardedResource>>;

/** Stage -> stack name -> snapshot: the shape of the committed baseline. */
export type Baseline = Readonly<Record<string, Readonly<Record<string, StackSnapshot>>>>;

/** A synthesized CloudFormation template, as far as the guard reads it. */
export interface TemplateJson {
  readonly Resources?: Readonly<Record<string, { readonly Type: string; readonly Properties?: unknown }>>;
}

export const BASELINE_FILE = path.join(__dirname, '..', '..', 'test', 'infra', 'stateful-baseline.json');

const ASSET_HASH = /[0-9a-f]{64}/g;

/**
 * Makes values comparable across synths: asset hashes become a placeholder
 * (editing a handler replaces no resource), and a cross-stack reference
 * (`Fn::GetStackOutput`) is known by its output name alone, which is what
 * identifies the producer.
 */
export function normalize(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(ASSET_HASH, '[ASSET HASH]');
  }
  if (Array.isArray(value)) {
    return value.map(normalize);
  }
  if (isObject(value)) {
    const output = value['Fn::GetStackOutput'];
    if (Object.keys(value).length === 1 && isObject(output) && typeof output.OutputName === 'string') {
      return { 'Fn::GetStackOutput': output.OutputName };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/**
 * The guarded resources of a template: every resource of a guarded type, and
 * every resource of the same template that a guarded resource names in a
 * create-only property (a subnet group, a key): replacing that one gives it
 * a new physical id, which replaces the guarded resource in turn.
 */
export function snapshotStack(template: TemplateJson): StackSnapshot {
  const resources = template.Resources ?? {};
  const snapshot: Record<string, GuardedResource> = {};
  const pending = Object.keys(resources).filter((id) => isGuardedType(resources[id].Type));
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (snapshot[id]) {
      continue;
    }
    const { Type, Properties } = resources[id];
    const createOnly = createOnlyValues(Type, Properties ?? {});
    snapshot[id] = { Type, CreateOnly: createOnly };
    for (const referenced of referencedIds(Object.values(createOnly))) {
      if (Object.hasOwn(resources, referenced) && !snapshot[referenced]) {
        pending.push(referenced);
      }
    }
  }
  return sortKeys(snapshot);
}

/** Values of the type's create-only properties that the resource sets, keyed by JSON path. */
export function createOnlyValues(type: string, properties: unknown): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const { segments } of replacementPaths(type)) {
    collect(properties, segments, [], values);
  }
  return sortKeys(values);
}

function collect(
  value: unknown,
  pattern: readonly string[],
  at: readonly string[],
  into: Record<string, unknown>,
) {
  if (value === undefined) {
    return;
  }
  // An intrinsic (Fn::If, Ref, ...) hides the structure below it: record it whole.
  if (pattern.length === 0 || isIntrinsic(value)) {
    into[at.map(escapeSegment).join('/')] = normalize(value);
    return;
  }
  const [head, ...rest] = pattern;
  if (head === '*') {
    if (Array.isArray(value)) {
      value.forEach((item, i) => collect(item, rest, [...at, String(i)], into));
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        collect(item, rest, [...at, key], into);
      }
    }
  } else if (isObject(value) && Object.hasOwn(value, head)) {
    collect(value[head], rest, [...at, head], into);
  }
}

/**
 * The guarded resources that name `id` in a create-only property, as
 * `LogicalId (Path)`: replacing `id` replaces them too.
 */
export function dependentsOf(snapshot: StackSnapshot, id: string): string[] {
  return Object.entries(snapshot).flatMap(([dependent, { CreateOnly }]) =>
    Object.entries(CreateOnly)
      .filter(([, value]) => referencedIds([value]).has(id))
      .map(([path]) => `${dependent} (${path})`),
  );
}

/** Logical ids named by Ref, Fn::GetAtt or Fn::Sub anywhere in the values. */
function referencedIds(values: readonly unknown[]): Set<string> {
  const ids = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (isObject(value)) {
      const { Ref: ref, 'Fn::GetAtt': getAtt, 'Fn::Sub': sub } = value;
      if (typeof ref === 'string') ids.add(ref);
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') ids.add(getAtt[0]);
      if (typeof getAtt === 'string') ids.add(getAtt.split('.')[0]);
      const template: unknown = Array.isArray(sub) ? (sub as unknown[])[0] : sub;
      if (typeof template === 'string') {
        for (const match of template.matchAll(/\$\{([^.}!]+)[^}]*\}/g)) ids.add(match[1]);
      }
      Object.values(value).forEach(visit);
    }
  };
  values.forEach(visit);
  return ids;
}

function isIntrinsic(value: unknown): boolean {
  if (!isObject(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON pointer escaping (RFC 6901), so a map key with a slash keeps its path readable. */
function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Sorted by code unit, not by locale, so every machine writes the same baseline. */
function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function readBaseline(file: string = BASELINE_FILE): Baseline {
  if (!fs.existsSync(file)) {
    throw new Error(
      `No replacement baseline at ${path.basename(file)}; run \`npm run replacement-baseline\``,
    );
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Baseline;
}
