import type { TemplateJson } from './stack-outputs';

/** Logical ids of the resources that `value` names through `Ref`, `Fn::GetAtt` or `Fn::Sub`. */
function referencedIds(value: unknown, resourceIds: ReadonlySet<string>, found: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((item) => referencedIds(item, resourceIds, found));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, arg] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'Ref' && typeof arg === 'string') {
      found.add(arg);
    } else if (key === 'Fn::GetAtt') {
      found.add(Array.isArray(arg) ? String(arg[0]) : String(arg).split('.')[0]);
    } else if (key === 'Fn::Sub') {
      const text = Array.isArray(arg) ? arg[0] : arg;
      for (const [, name] of String(text).matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) found.add(name);
    }
    referencedIds(arg, resourceIds, found);
  }
  for (const id of [...found]) if (!resourceIds.has(id)) found.delete(id);
}

/** The resources CloudFormation creates before `id` itself: its `DependsOn` and references, transitively. */
export function dependenciesOf(template: TemplateJson, id: string): Set<string> {
  const resourceIds = new Set(Object.keys(template.Resources));
  const direct = (resourceId: string): Set<string> => {
    const resource = template.Resources[resourceId];
    const found = new Set<string>(
      resource.DependsOn === undefined ? [] : [resource.DependsOn as string | string[]].flat(),
    );
    referencedIds(resource.Properties, resourceIds, found);
    return found;
  };
  const closure = new Set<string>();
  const pending = [...direct(id)];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (closure.has(next)) continue;
    closure.add(next);
    pending.push(...direct(next));
  }
  return closure;
}
