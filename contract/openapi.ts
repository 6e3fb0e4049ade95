/**
 * The OpenAPI 3.1 document of the API, derived from the route table and the schemas the handlers
 * validate with, so it cannot drift from them. `npm run openapi` writes it to contract/openapi.json
 * (with TypeScript types beside it); a unit test fails when the committed copy is stale, and the
 * app tests check every response they receive against it.
 *
 * JSON Schema dialect: 2020-12, OpenAPI 3.1's default, which is also what zod emits.
 */
import * as z from 'zod/mini';
import { FUNCTIONS } from './functions';
import {
  PATH_PARAMETERS,
  ROUTE_KEYS,
  ROUTES,
  errorCodesOf,
  methodOf,
  pathOf,
  pathParametersOf,
  type RouteDeclaration,
  type RouteKey,
} from './routes';
import { GatewayError, RESPONSE_BODIES, errorEnvelope } from './responses';
import { ERROR_STATUS, type ErrorCode } from './schemas';

/**
 * The API's version, which clients see; not the repository's. Raise it with a change a client
 * can notice (the committed document's diff shows one).
 */
export const API_VERSION = '1.0.0';

export const SECURITY_SCHEME = 'cognitoIdToken';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export interface MediaType {
  readonly schema: JsonSchema;
}

export interface ResponseObject {
  readonly description: string;
  readonly content?: { readonly 'application/json': MediaType };
}

export interface ParameterObject {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

export interface OperationObject {
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly security: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly ParameterObject[];
  readonly requestBody?: {
    readonly required: true;
    readonly content: { readonly 'application/json': MediaType };
  };
  readonly responses: Readonly<Record<string, ResponseObject>>;
}

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description: string;
    readonly license: { readonly name: string; readonly identifier: string };
  };
  readonly servers: readonly {
    readonly url: string;
    readonly description: string;
    readonly variables: Readonly<Record<string, { readonly default: string; readonly description: string }>>;
  }[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>;
  readonly components: {
    readonly securitySchemes: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly schemas: Readonly<Record<string, JsonSchema>>;
  };
}

/** What each handler error code means, for the response descriptions. */
const ERROR_MEANINGS: Readonly<Record<ErrorCode, string>> = {
  VALIDATION_ERROR: '`VALIDATION_ERROR`: a parameter or the body is invalid; the message names the field.',
  UNAUTHORIZED: '`UNAUTHORIZED`: the verified token carries no usable `sub` claim.',
  FORBIDDEN: '`FORBIDDEN`: the photo belongs to someone else.',
  NOT_FOUND: '`NOT_FOUND`: no such resource.',
  CONFLICT: '`CONFLICT`: the request conflicts with the current state.',
  PAYLOAD_TOO_LARGE: '`PAYLOAD_TOO_LARGE`: the JSON body is larger than the handler accepts.',
  UNSUPPORTED_MEDIA_TYPE: '`UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`.',
  TOO_MANY_PENDING_UPLOADS:
    '`TOO_MANY_PENDING_UPLOADS`: the caller has as many uploads in flight as allowed.',
  INTERNAL_ERROR: '`INTERNAL_ERROR`: an unexpected failure; details are only in the logs.',
  DEPENDENCY_UNAVAILABLE: '`DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later.',
};

/**
 * API Gateway's own answers, `{"message": ...}`, sent without the handler running (or instead of
 * its answer). AWS documents them for HTTP APIs: the JWT authorizer's `401 {"message":"Unauthorized"}`
 * (http-api-troubleshooting-jwt), throttling's `429 Too Many Requests` (http-api-throttling), the
 * 10 MB payload quota and 30 s integration timeout (http-api-quotas), a failed Lambda invocation's
 * `500 {"message":"Internal Server Error"}` (http-api-troubleshooting-lambda); a timed-out
 * integration gets `503 {"message":"Service Unavailable"}`. The local server answers the same.
 */
interface GatewayAnswer {
  readonly status: number;
  readonly message: string;
  readonly when: string;
  readonly applies: (route: RouteDeclaration) => boolean;
}

const GATEWAY_ANSWERS: readonly GatewayAnswer[] = [
  {
    status: 401,
    message: 'Unauthorized',
    when: 'the bearer token is missing, expired, or not from the stage’s user pool and app client',
    applies: (route) => route.auth === 'jwt',
  },
  {
    status: 413,
    message: 'Request Entity Too Large',
    when: 'the request is larger than API Gateway’s 10 MB payload quota',
    applies: (route) => route.body !== undefined,
  },
  {
    status: 429,
    message: 'Too Many Requests',
    when: 'the stage’s or the account’s throttling limits are exceeded',
    applies: () => true,
  },
  {
    status: 500,
    message: 'Internal Server Error',
    when: 'the function failed or could not be invoked',
    applies: () => true,
  },
  {
    status: 503,
    message: 'Service Unavailable',
    when: 'the function did not answer within the 30 s integration timeout',
    applies: () => true,
  },
];

const DESCRIPTION = [
  'A photo-sharing backend: profiles, photo uploads through presigned S3 URLs, listings and a feed.',
  '',
  'Errors of the handlers have one envelope, `{"error": {"code", "message"}}`; each response lists the',
  'codes it may carry. API Gateway answers some requests itself with `{"message": ...}` (`GatewayError`):',
  'a missing or invalid token (401), throttling (429), a payload above 10 MB (413), a failed or',
  'timed-out function (500, 503), and an unknown route (`404 {"message":"Not Found"}`).',
].join('\n');

const COMPONENT_REF = '#/components/schemas/';
const LOCAL_DEF_REF = '#/$defs/';

/**
 * Converts zod schemas to JSON Schema, moving every named schema (`meta({ id })`) to
 * `components/schemas` and pointing `$ref`s there. A name is one shape: a named schema that
 * converts differently as a request (`io: 'input'`) and as a response fails the build.
 */
class SchemaComponents {
  private readonly named = new Map<string, { schema: JsonSchema; io: 'input' | 'output' }>();

  convert(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
    const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw' });
    const { $defs: defs = {}, ...root } = converted;
    delete root.$schema;
    for (const [id, definition] of Object.entries(defs)) {
      // zod names shared unnamed subschemas `__schemaN`; with `reused: 'inline'` there are none.
      if (id.startsWith('__')) throw new Error(`Unnamed schema definition ${id}: give it meta({ id })`);
      this.add(id, refsToComponents(definition), io);
    }
    return refsToComponents(root);
  }

  schemas(): Record<string, JsonSchema> {
    return Object.fromEntries(
      [...this.named.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, { schema }]) => [id, schema]),
    );
  }

  private add(id: string, schema: JsonSchema, io: 'input' | 'output'): void {
    const known = this.named.get(id);
    if (!known) {
      this.named.set(id, { schema, io });
      return;
    }
    if (JSON.stringify(known.schema) !== JSON.stringify(schema)) {
      throw new Error(
        `Schema ${id} converts differently as ${known.io} and as ${io}: give the two sides their own ids`,
      );
    }
  }
}

function refsToComponents<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => refsToComponents(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === '$ref' && typeof item === 'string' && item.startsWith(LOCAL_DEF_REF)
        ? `${COMPONENT_REF}${item.slice(LOCAL_DEF_REF.length)}`
        : refsToComponents(item),
    ]),
  ) as T;
}

/** `GET /users/{userId}/photos` → `getUsersByUserIdPhotos`: stable as long as the route key is. */
export function operationIdOf(key: RouteKey): string {
  const capital = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
  const words = pathOf(key)
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment)?.[1];
      const camel = (parameter ?? segment).replace(/[^A-Za-z0-9]+(.)?/g, (_match, next?: string) =>
        next ? next.toUpperCase() : '',
      );
      return parameter ? `By${capital(camel)}` : capital(camel);
    });
  return `${methodOf(key).toLowerCase()}${words.join('')}`;
}

function json(schema: JsonSchema): { readonly 'application/json': MediaType } {
  return { 'application/json': { schema } };
}

/** A parameter's description belongs to the parameter, where renderers show it. */
function parameter(name: string, location: 'path' | 'query', required: boolean, schema: JsonSchema) {
  const { description, ...rest } = schema;
  return {
    name,
    in: location,
    required,
    ...(description === undefined ? {} : { description }),
    schema: rest,
  } satisfies ParameterObject;
}

function queryParameters(key: RouteKey, schema: JsonSchema): ParameterObject[] {
  if (schema.type !== 'object' || !schema.properties) {
    throw new Error(`${key}: the query schema must be an object of named parameters`);
  }
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, property]) => {
    if (typeof property !== 'object') throw new Error(`${key}: query parameter ${name} has no schema`);
    return parameter(name, 'query', required.has(name), property);
  });
}

function errorResponses(
  key: RouteKey,
  components: SchemaComponents,
  gatewayErrorRef: JsonSchema,
): Record<string, ResponseObject> {
  const route: RouteDeclaration = ROUTES[key];
  const codesByStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(key)) {
    const status = ERROR_STATUS[code];
    codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
  }
  const gateway = new Map(
    GATEWAY_ANSWERS.filter((answer) => answer.applies(route)).map((answer) => [answer.status, answer]),
  );
  const statuses = [...new Set([...codesByStatus.keys(), ...gateway.keys()])].sort((a, b) => a - b);
  return Object.fromEntries(
    statuses.map((status) => {
      const codes = codesByStatus.get(status);
      const answer = gateway.get(status);
      const envelope = codes
        ? components.convert(errorEnvelope(codes as [ErrorCode, ...ErrorCode[]]), 'output')
        : undefined;
      const schema =
        envelope && answer ? { oneOf: [envelope, gatewayErrorRef] } : (envelope ?? gatewayErrorRef);
      const description = [
        ...(codes ?? []).map((code) => ERROR_MEANINGS[code]),
        ...(answer ? [`API Gateway: \`{"message":"${answer.message}"}\` when ${answer.when}.`] : []),
      ].join(' ');
      return [String(status), { description, content: json(schema) }];
    }),
  );
}

function operation(key: RouteKey, components: SchemaComponents, gatewayErrorRef: JsonSchema) {
  const route: RouteDeclaration = ROUTES[key];
  const parameters = [
    ...pathParametersOf(key).map((name) =>
      parameter(name, 'path', true, components.convert(PATH_PARAMETERS[name], 'input')),
    ),
    ...(route.query ? queryParameters(key, components.convert(route.query, 'input')) : []),
  ];
  const { status, body } = route.success;
  return {
    operationId: operationIdOf(key),
    summary: route.summary,
    tags: [FUNCTIONS[route.function].name],
    security: route.auth === 'jwt' ? [{ [SECURITY_SCHEME]: [] }] : [],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? { requestBody: { required: true, content: json(components.convert(route.body, 'input')) } }
      : {}),
    responses: {
      [String(status)]: body
        ? { description: 'Success.', content: json(components.convert(RESPONSE_BODIES[body], 'output')) }
        : { description: 'Success, no content.' },
      ...errorResponses(key, components, gatewayErrorRef),
    },
  } satisfies OperationObject;
}

/** The whole document; pure, and deterministic for a given route table and schemas. */
export function buildOpenApiDocument(): OpenApiDocument {
  const components = new SchemaComponents();
  const gatewayErrorRef = components.convert(GatewayError, 'output');
  const paths: Record<string, Record<string, OperationObject>> = {};
  const operationIds = new Set<string>();
  for (const key of ROUTE_KEYS) {
    const built = operation(key, components, gatewayErrorRef);
    if (operationIds.has(built.operationId))
      throw new Error(`${key}: operationId ${built.operationId} repeats`);
    operationIds.add(built.operationId);
    (paths[pathOf(key)] ??= {})[methodOf(key).toLowerCase()] = built;
  }
  const tags = [...new Set(ROUTE_KEYS.map((key) => ROUTES[key].function))].map((fn) => ({
    name: FUNCTIONS[fn].name,
    description: FUNCTIONS[fn].description,
  }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Photo-sharing API',
      version: API_VERSION,
      description: DESCRIPTION,
      license: { name: 'MIT-0', identifier: 'MIT-0' },
    },
    servers: [
      {
        url: '{apiUrl}',
        description: 'A deployed stage, or the local server (`npm run dev`).',
        variables: {
          apiUrl: {
            default: 'http://localhost:3000',
            description: "The stage's `ApiUrl` stack output, without its trailing slash.",
          },
        },
      },
    ],
    tags,
    paths,
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "An ID token of the stage's Cognito user pool (stack outputs UserPoolId and UserPoolClientId): " +
            "API Gateway's JWT authorizer checks that the pool issued it and that its audience is the " +
            "pool's app client. The caller is the token's `sub`.",
        },
      },
      schemas: components.schemas(),
    },
  };
}
