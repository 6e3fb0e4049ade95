/**
 * Checks HTTP responses against the committed OpenAPI document (contract/openapi.json): the status
 * must be one the operation declares, and the body must match that response's schema (JSON Schema
 * 2020-12, as OpenAPI 3.1 has it). The app tests run it on every handler result and on the local
 * server's answers, so a handler cannot answer what the published contract does not allow.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenApiDocument, OperationObject } from '../../contract/openapi';

export const DOCUMENT_PATH = join(__dirname, '..', '..', 'contract', 'openapi.json');
const COMPONENTS_ID = 'urn:photo-api:components';
const COMPONENT_REF = '#/components/schemas/';

export interface ObservedResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly body?: string;
}

let loaded: { document: OpenApiDocument; ajv: Ajv2020 } | undefined;
const validators = new Map<string, ValidateFunction>();

/** The document, and an ajv (2020-12, strict, with formats) that knows its named schemas. */
export function contract(): { document: OpenApiDocument; ajv: Ajv2020 } {
  if (!loaded) {
    const document = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')) as OpenApiDocument;
    // Strict: a keyword ajv does not know is a mistake in the schemas, not something to skip.
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    // The named schemas as one schema's $defs (ajv would compile the document's root as a schema
    // if asked for a fragment of it, and refuse its OpenAPI keywords).
    ajv.addSchema({ $id: COMPONENTS_ID, $defs: toAjvRefs(document.components.schemas) });
    loaded = { document, ajv };
  }
  return loaded;
}

/** `#/components/schemas/X` → the same schema among the registered $defs. */
export function toAjvRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toAjvRefs);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === '$ref' && typeof item === 'string' && item.startsWith(COMPONENT_REF)
        ? `${COMPONENTS_ID}#/$defs/${item.slice(COMPONENT_REF.length)}`
        : toAjvRefs(item),
    ]),
  );
}

/** The operation of a route key (`GET /photos/{photoId}`), if the document has it. */
export function operationOf(routeKey: string): OperationObject | undefined {
  const [method = '', path = ''] = routeKey.split(' ');
  return contract().document.paths[path]?.[method.toLowerCase()];
}

function validatorOf(routeKey: string, status: string): ValidateFunction {
  const key = `${routeKey} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    const schema = operationOf(routeKey)?.responses[status]?.content?.['application/json'].schema;
    if (!schema) throw new Error(`${routeKey} ${status}: the document has no JSON schema`);
    validate = contract().ajv.compile(toAjvRefs(schema) as object);
    validators.set(key, validate);
  }
  return validate;
}

function header(headers: ObservedResponse['headers'], name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : String(headers?.[key]);
}

/**
 * What is wrong with a response to a route, by the document; empty if nothing is. Routes the
 * document does not have are not checked: API Gateway never sends them to a handler.
 */
export function contractProblems(routeKey: string, response: ObservedResponse): string[] {
  const operation = operationOf(routeKey);
  if (!operation) return [];
  const status = String(response.statusCode);
  const declared = operation.responses[status];
  if (!declared) {
    return [`status ${status} is not declared (declared: ${Object.keys(operation.responses).join(', ')})`];
  }
  const body = response.body ?? '';
  if (!declared.content) return body === '' ? [] : [`status ${status} has no body, but got ${body}`];
  const problems: string[] = [];
  const contentType = header(response.headers, 'content-type');
  if (response.headers && !contentType?.toLowerCase().startsWith('application/json')) {
    problems.push(`content-type is ${contentType ?? 'missing'}, not application/json`);
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [...problems, `body is not JSON: ${body.slice(0, 200)}`];
  }
  const validate = validatorOf(routeKey, status);
  if (!validate(value)) {
    for (const error of validate.errors ?? []) {
      const extra =
        error.keyword === 'additionalProperties'
          ? `: ${String((error.params as { additionalProperty?: unknown }).additionalProperty)}`
          : '';
      problems.push(
        `body${error.instancePath} ${error.message ?? 'is invalid'}${extra} (${error.schemaPath})`,
      );
    }
  }
  return problems;
}

/** Throws, naming the route and every problem, when the response breaks the contract. */
export function assertMatchesContract(routeKey: string, response: ObservedResponse): void {
  const problems = contractProblems(routeKey, response);
  if (problems.length > 0) {
    throw new Error(
      `${routeKey} answered ${response.statusCode} against the OpenAPI document (contract/openapi.json):\n` +
        `  ${problems.join('\n  ')}\n  body: ${(response.body ?? '').slice(0, 500)}`,
    );
  }
}
