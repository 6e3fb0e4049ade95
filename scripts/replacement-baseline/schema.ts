import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, ResourceProperties } from '@aws-cdk/service-spec-types';

/**
 * How a change to a property affects its resource, as the CloudFormation
 * resource schemas say:
 * - `replace`: the property is in the schema's `createOnlyProperties` (the
 *   Template Reference shows "Update requires: Replacement");
 * - `conditional`: the legacy resource specification marks the update as
 *   "Conditional" (replacement for some changes only, for example an engine
 *   switch), so a change needs a human to read the property's documentation.
 *
 * https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
 */
export type ReplacementKind = 'replace' | 'conditional';

/** A property path (JSON-pointer segments under `Properties`; `*` is any array index or map key). */
export interface ReplacementPath {
  readonly segments: readonly string[];
  readonly kind: ReplacementKind;
}

type SpecDatabase = ReturnType<typeof loadAwsServiceSpecSync>;

let database: SpecDatabase | undefined;
const pathsByType = new Map<string, readonly ReplacementPath[]>();

/**
 * The spec that `@aws-cdk/aws-service-spec` ships (db.json.gz, built from the
 * CloudFormation registry schemas and the legacy resource specification).
 * Loads offline in about half a second, so it is loaded once per process.
 */
function spec(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

function specResource(type: string) {
  const found = spec().lookup('resource', 'cloudFormationType', 'equals', type);
  return found.length > 0 ? found[0] : undefined;
}

/** Whether the spec knows the type at all (custom resources, for instance, are not in it). */
export function isKnownType(type: string): boolean {
  return specResource(type) !== undefined;
}

/** Whether the spec flags the type as holding data (its `isStateful`). */
export function isStatefulInSchema(type: string): boolean {
  return specResource(type)?.isStateful === true;
}

/**
 * Every property path of a resource type whose change replaces the resource.
 * A nested create-only path (`/properties/KeySchema/...`) is stored by the
 * spec on the property of the nested type definition, so the walk descends
 * through type definitions, arrays and maps; a path stops at the first
 * replacing property, since any change below it is a change of it. Types the
 * spec does not know have no paths.
 */
export function replacementPaths(type: string): readonly ReplacementPath[] {
  const cached = pathsByType.get(type);
  if (cached) {
    return cached;
  }
  const resource = specResource(type);
  const found = new Map<string, ReplacementPath>();
  const add = (segments: readonly string[], kind: ReplacementKind) => {
    const key = segments.join('/');
    const existing = found.get(key);
    if (!existing || (existing.kind === 'conditional' && kind === 'replace')) {
      found.set(key, { segments, kind });
    }
  };

  const walkProperties = (
    properties: ResourceProperties,
    prefix: readonly string[],
    visiting: ReadonlySet<string>,
  ) => {
    for (const [name, property] of Object.entries(properties)) {
      const segments = [...prefix, name];
      const kind = kindOf(property);
      if (kind) {
        add(segments, kind);
      } else {
        walkType(property.type, segments, visiting);
      }
    }
  };
  const walkType = (type: PropertyType, prefix: readonly string[], visiting: ReadonlySet<string>) => {
    switch (type.type) {
      case 'ref': {
        // Some schemas are recursive (rule statements nest rule statements).
        if (visiting.has(type.reference.$ref)) {
          return;
        }
        const definition = spec().get('typeDefinition', type.reference);
        walkProperties(definition.properties, prefix, new Set([...visiting, type.reference.$ref]));
        return;
      }
      case 'array':
      case 'map':
        walkType(type.element, [...prefix, '*'], visiting);
        return;
      case 'union':
        for (const member of type.types) {
          walkType(member, prefix, visiting);
        }
        return;
      default:
        return;
    }
  };

  if (resource) {
    walkProperties(resource.properties, [], new Set());
    // Create-only paths the spec could not pin on a type definition property.
    for (const segments of resource.additionalReplacementProperties ?? []) {
      add(segments, 'replace');
    }
  }
  const paths = [...found.values()];
  pathsByType.set(type, paths);
  return paths;
}

function kindOf(property: Property): ReplacementKind | undefined {
  switch (property.causesReplacement) {
    case 'yes':
      return 'replace';
    case 'maybe':
      return 'conditional';
    default:
      return undefined;
  }
}

/** The replacement kind of a concrete path (`GlobalSecondaryIndexes/0/KeySchema`), by its pattern. */
export function replacementKindAt(type: string, concretePath: string): ReplacementKind {
  const segments = concretePath.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const match = replacementPaths(type).find(
    (p) =>
      p.segments.length === segments.length && p.segments.every((s, i) => s === '*' || s === segments[i]),
  );
  // A path no longer in the spec was recorded under an older spec: treat it as replacing.
  return match?.kind ?? 'replace';
}
