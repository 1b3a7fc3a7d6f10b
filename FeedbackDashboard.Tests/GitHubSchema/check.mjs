// Checks our GitHub requests and our fake's answers against GitHub's *published* descriptions, for GitHubSchemaTests.
//
//   node check.mjs <folder holding node_modules>  < request.json  > answer.json
//
// The packages (@octokit/graphql-schema, graphql, @octokit/openapi, ajv, ajv-formats) are installed by test.sh from
// package.json/package-lock.json beside this file into a gitignored folder; no copy of a schema is ever committed.
//
// request: {
//   "graphql":    [{ "name", "query", "variables" }],        validate() errors, deprecated fields, GitHub's cost
//   "restPaths":  [{ "method", "path" }],                     does api.github.com's description have this operation
//   "restShapes": [{ "method", "path", "status", "json" }]    ajv errors of a body against that response's schema
//   "webhooks":   [{ "event", "action", "json" }]             ajv errors of a payload against @octokit/webhooks-schemas
// }
// answer: the same lists, each item with its results (see below). Every section is optional.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) fail('usage: node check.mjs <folder holding node_modules>');
const require = createRequire(join(root, 'node_modules', 'noop.js'));

const request = JSON.parse(readFileSync(0, 'utf8'));
const answer = {};
if (request.graphql) answer.graphql = checkGraphQl(request.graphql);
if (request.restPaths || request.restShapes) {
  const openapi = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'));
  if (request.restPaths) answer.restPaths = request.restPaths.map(p => checkPath(openapi, p));
  if (request.restShapes) answer.restShapes = checkShapes(openapi, request.restShapes);
}
if (request.webhooks) answer.webhooks = checkWebhooks(request.webhooks);
process.stdout.write(JSON.stringify(answer));

function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// GraphQL: graphql-js validate() against @octokit/graphql-schema's schema, and GitHub's cost formula.

function checkGraphQl(documents) {
  const graphql = require('graphql');
  // collectFields/collectSubfields are graphql-js's own execution rules (fragments, type conditions, aliases merged
  // by response key, @skip/@include); internal but stable in the pinned 16.x, and using them keeps this cost an
  // independent reading of the document, not a second copy of the C# parser's logic.
  const { collectFields, collectSubfields } = require('graphql/execution/collectFields');
  const { getVariableValues, getArgumentValues } = require('graphql/execution/values');
  // The introspection JSON, as the package's own validate() uses it: its schema.graphql defines
  // EnterpriseOwnerInfo.repositoryDeployKeySetting twice, which buildSchema() rejects.
  const introspection = readFileSync(join(root, 'node_modules', '@octokit', 'graphql-schema', 'schema.json'), 'utf8');
  const schema = graphql.buildClientSchema(JSON.parse(introspection));

  return documents.map(({ name, query, variables }) => {
    let ast;
    try {
      ast = graphql.parse(query);
    } catch (e) {
      return { name, errors: [e.message], deprecations: [], variableErrors: [], requests: null, cost: null };
    }
    const errors = graphql.validate(schema, ast).map(e => e.message);
    // Deprecated fields still validate, but GitHub announces their removal date: report them separately.
    const deprecations = errors.length ? [] : graphql.validate(schema, ast, [graphql.NoDeprecatedCustomRule]).map(e => e.message);
    const operation = ast.definitions.find(d => d.kind === graphql.Kind.OPERATION_DEFINITION);
    const fragments = Object.fromEntries(ast.definitions
      .filter(d => d.kind === graphql.Kind.FRAGMENT_DEFINITION).map(d => [d.name.value, d]));
    // The sample variables must be values GitHub would accept for the declared types (e.g. a ReactionContent).
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    const variableErrors = (coerced.errors ?? []).map(e => e.message);
    if (variableErrors.length) return { name, errors, deprecations, variableErrors, requests: null, cost: null };

    // Counted even for a document with errors (unknown fields count nothing), so the cost comparison still says
    // something while a validation error is being fixed.
    let requests;
    try {
      requests = selectionRequests(schema.getQueryType(), null, operation.selectionSet, 1);
    } catch (e) {
      return { name, errors: [...errors, `cost: ${e.message}`], deprecations, variableErrors, requests: null, cost: null };
    }
    return { name, errors, deprecations, variableErrors, requests, cost: Math.max(1, Math.round(requests / 100)) };

    // GitHub's documented formula: every connection (a field taking first/last) is one request per time its parent
    // is fetched; its children are fetched first/last times each (every connection assumed full); nodes(ids:) fetches
    // its children once per id. An abstract type is one concrete type at a time, so its cost is the costliest one.
    function selectionRequests(type, fieldNodes, selectionSet, multiplier) {
      if (!graphql.isCompositeType(type)) return 0;
      const runtimeTypes = graphql.isAbstractType(type) ? schema.getPossibleTypes(type) : [type];
      let worst = 0;
      for (const runtime of runtimeTypes) {
        const fields = fieldNodes
          ? collectSubfields(schema, fragments, coerced.coerced, runtime, fieldNodes)
          : collectFields(schema, fragments, coerced.coerced, runtime, selectionSet);
        let sum = 0;
        for (const nodes of fields.values()) {
          const def = runtime.getFields()[nodes[0].name.value];
          if (!def) continue; // __typename
          const args = getArgumentValues(def, nodes[0], coerced.coerced);
          const limit = args.first ?? args.last;
          let childMultiplier = multiplier;
          if (typeof limit === 'number' && def.args.some(a => a.name === 'first' || a.name === 'last')) {
            sum += multiplier;
            childMultiplier = multiplier * limit;
          } else if (def.name === 'nodes' && Array.isArray(args.ids)) {
            childMultiplier = multiplier * args.ids.length;
          }
          sum += selectionRequests(graphql.getNamedType(def.type), nodes, null, childMultiplier);
        }
        worst = Math.max(worst, sum);
      }
      return worst;
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// REST: @octokit/openapi's description of api.github.com.

function checkPath(openapi, { method, path }) {
  const exists = Boolean(openapi.paths[path]?.[method.toLowerCase()]);
  // On a miss, name the documented templates that differ only in parameter names, to make the fix obvious.
  const shape = p => p.replace(/\{[^}]*\}/g, '{}');
  const similar = exists ? [] : Object.keys(openapi.paths).filter(p => shape(p) === shape(path));
  return { method, path, exists, similar };
}

// ajv reads OpenAPI's `nullable` only beside a `type`; GitHub also puts it beside a oneOf (a commit's author: a user or an
// empty object, or null). Such a schema becomes "that, or null", which is what OpenAPI 3.0 means by it.
function nullableWithoutType(node) {
  if (Array.isArray(node)) { node.forEach(nullableWithoutType); return; }
  if (node === null || typeof node !== 'object') return;
  for (const value of Object.values(node)) nullableWithoutType(value);
  if (node.nullable === true && node.type === undefined && node.$ref === undefined) {
    const rest = { ...node };
    delete rest.nullable;
    for (const key of Object.keys(node)) delete node[key];
    node.anyOf = [rest, { type: 'null' }];
  }
}

function checkShapes(openapi, items) {
  const Ajv = require('ajv');
  const addFormats = require('ajv-formats');
  // OpenAPI 3.0 schemas carry keywords JSON Schema lacks (example, discriminator, x-github…): not strict. ajv knows
  // OpenAPI's `nullable` itself. The whole description is added once so `#/components/…` $refs resolve in place.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'repo.nwo', 'ssh-key', 'ssh-key fingerprint']) ajv.addFormat(f, true);
  nullableWithoutType(openapi);
  ajv.addSchema(openapi, 'gh');
  const pointer = parts => '/' + parts.map(p => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

  return items.map(({ method, path, status, json }) => {
    const operation = openapi.paths[path]?.[method.toLowerCase()];
    if (!operation) return { method, path, status, errors: [`${method} ${path} is not in GitHub's description`] };
    let at = ['paths', path, method.toLowerCase(), 'responses', String(status)];
    let response = operation.responses[String(status)];
    if (!response) return { method, path, status, errors: [`${method} ${path} documents no ${status} answer`] };
    if (response.$ref) {
      at = response.$ref.replace(/^#\//, '').split('/').map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      response = at.reduce((o, k) => o[k], openapi);
    }
    if (!response.content?.['application/json']?.schema) {
      return { method, path, status, errors: json ? [`${method} ${path} ${status} documents no JSON body`] : [] };
    }
    let body;
    try {
      body = JSON.parse(json);
    } catch (e) {
      return { method, path, status, errors: [`not JSON: ${e.message}`] };
    }
    const validate = ajv.compile({ $ref: 'gh#' + pointer([...at, 'content', 'application/json', 'schema']) });
    const ok = validate(body);
    const errors = ok ? [] : validate.errors.map(e => `${e.instancePath || '(root)'} ${e.message}` +
      (e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''));
    return { method, path, status, errors };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook payloads: each against its event and action's definition in @octokit/webhooks-schemas (draft-07).

function checkWebhooks(items) {
  const Ajv = require('ajv');
  const addFormats = require('ajv-formats');
  const schema = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-schemas/schema.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addSchema(schema, 'wh');
  return items.map(({ event, action, json }) => {
    const name = action ? `${event}$${action}` : `${event}_event`;
    if (!schema.definitions[name]) return { event, action, errors: [`${name} is not in @octokit/webhooks-schemas`] };
    const validate = ajv.compile({ $ref: `wh#/definitions/${name.replace(/\$/g, '%24')}` });
    const ok = validate(JSON.parse(json));
    const errors = ok ? [] : validate.errors.map(e => `${e.instancePath || '(root)'} ${e.message}` +
      (e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''));
    return { event, action, errors };
  });
}
