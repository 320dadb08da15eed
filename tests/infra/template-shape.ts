/**
 * Compares two cloud assemblies by what their templates do, not by how they are named:
 * `npx tsx tests/infra/template-shape.ts <assemblyDirBefore> <assemblyDirAfter>`.
 *
 * Each stack is reduced to its resource types and counts, every IAM statement (effect,
 * principal, actions, resources, conditions; of role policies and resource policies
 * alike), every route and how it is authorized, the functions, event source mappings,
 * queues and alarms, every resource's properties, the outputs and the cdk-nag
 * acknowledgments. A logical id is replaced wherever it appears (Ref, Fn::GetAtt,
 * DependsOn, an import of another stack's export, a policy name) by the resource's type
 * and a stable name: a function's Powertools service name, otherwise its construct path
 * without the stack and without the plain grouping constructs (feature constructs) on
 * the way. Two assemblies that differ only in logical ids therefore have equal shapes.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Resource {
  Type: string;
  Properties?: JsonObject;
  DependsOn?: string | string[];
}

interface StackTemplate {
  Resources?: Record<string, Resource>;
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
  Mappings?: Record<string, Json>;
  Parameters?: Record<string, Json>;
  Conditions?: Record<string, Json>;
}

interface TreeNode {
  id: string;
  path: string;
  constructInfo?: { fqn: string };
  children?: Record<string, TreeNode>;
}

interface AssemblyStack {
  name: string;
  template: StackTemplate;
  /** Construct path (without the leading slash) → metadata entries. */
  metadata: Record<string, { type: string; data: Json }[]>;
}

/** A stack reduced to what it deploys, each part a sorted list of lines. */
export interface StackShape {
  resourceCounts: string[];
  iamStatements: string[];
  routes: string[];
  functions: string[];
  eventSourceMappings: string[];
  queues: string[];
  alarms: string[];
  resources: string[];
  outputs: string[];
  acknowledgments: string[];
}

/** Every stack of an assembly by name, and the logical ids of its resources. */
export interface AssemblyShape {
  stacks: Record<string, StackShape>;
  logicalIds: Record<string, string[]>;
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const canonical = (value: Json | undefined): string => JSON.stringify(sortKeys(value ?? null));

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key] ?? null)]),
  );
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

function readAssembly(directory: string): { stacks: AssemblyStack[]; tree: TreeNode } {
  const manifest = readJson(join(directory, 'manifest.json')) as {
    artifacts: Record<
      string,
      {
        type: string;
        properties?: { templateFile?: string; file?: string };
        metadata?: Record<string, { type: string; data: Json }[]>;
        additionalMetadataFile?: string;
      }
    >;
  };
  const stacks: AssemblyStack[] = [];
  let tree: TreeNode | undefined;
  for (const [name, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type === 'cdk:tree' && artifact.properties?.file) {
      tree = (readJson(join(directory, artifact.properties.file)) as { tree: TreeNode }).tree;
    }
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile)
      continue;
    const metadata = {
      ...artifact.metadata,
      ...(artifact.additionalMetadataFile
        ? (readJson(join(directory, artifact.additionalMetadataFile)) as AssemblyStack['metadata'])
        : {}),
    };
    stacks.push({
      name,
      template: readJson(join(directory, artifact.properties.templateFile)) as StackTemplate,
      metadata: Object.fromEntries(
        Object.entries(metadata).map(([path, entries]) => [path.replace(/^\//, ''), entries]),
      ),
    });
  }
  if (!tree) throw new Error(`${directory} has no construct tree (tree.json)`);
  return { stacks, tree };
}

/** Construct path → the construct's class, for telling grouping constructs apart. */
function classesByPath(tree: TreeNode): Map<string, string> {
  const classes = new Map<string, string>();
  const visit = (node: TreeNode) => {
    classes.set(node.path, node.constructInfo?.fqn ?? '');
    for (const child of Object.values(node.children ?? {})) visit(child);
  };
  visit(tree);
  return classes;
}

/**
 * The path of a construct inside its stack, without plain `Construct`s on the way (the
 * groups that nesting adds) and without the trailing `Resource`/`Default` of L1s.
 */
function stablePath(path: string, stack: string, classes: Map<string, string>): string {
  const segments = path.split('/');
  const kept: string[] = [];
  for (let index = 1; index < segments.length; index += 1) {
    const prefix = segments.slice(0, index + 1).join('/');
    if (classes.get(prefix) === 'constructs.Construct') continue;
    kept.push(segments[index] ?? '');
  }
  while (kept.length > 1 && ['Resource', 'Default'].includes(kept.at(-1) ?? '')) kept.pop();
  if (segments[0] !== stack) throw new Error(`${path} is not in stack ${stack}`);
  return kept.join('/');
}

/** Logical id → `Type(stable name)` for every resource, output and mapping of a stack. */
function stableNames(stack: AssemblyStack, classes: Map<string, string>): Map<string, string> {
  const names = new Map<string, string>();
  const { Resources = {}, Outputs = {}, Mappings = {}, Parameters = {} } = stack.template;
  const elements: [string, string][] = [];
  for (const [path, entries] of Object.entries(stack.metadata)) {
    for (const entry of entries) {
      if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') {
        elements.push([entry.data, stablePath(path, stack.name, classes)]);
      }
    }
  }
  for (const [logicalId, path] of elements) {
    const resource = Resources[logicalId];
    if (!resource) continue;
    const variables = (resource.Properties?.Environment as JsonObject | undefined)?.Variables;
    const service = isObject(variables) ? variables.POWERTOOLS_SERVICE_NAME : undefined;
    const functionName =
      resource.Type === 'AWS::Lambda::Function' && typeof service === 'string' ? service : '';
    names.set(logicalId, `${resource.Type}(${functionName || path})`);
  }
  // Other elements next: an export's construct path holds the logical id of what it exports.
  for (const [logicalId, path] of elements) {
    if (Resources[logicalId]) continue;
    const kind = Outputs[logicalId]
      ? 'Output'
      : Mappings[logicalId]
        ? 'Mapping'
        : Parameters[logicalId]
          ? 'Parameter'
          : 'Element';
    const named = path.replace(/[A-Za-z0-9]+/g, (word) => names.get(word) ?? word);
    names.set(logicalId, `${kind}(${named})`);
  }
  for (const logicalId of Object.keys(Resources)) {
    if (!names.has(logicalId)) throw new Error(`${stack.name}: no construct path for ${logicalId}`);
  }
  const seen = new Map<string, string>();
  for (const [logicalId, name] of names) {
    const other = seen.get(name);
    if (other) throw new Error(`${stack.name}: ${other} and ${logicalId} are both named ${name}`);
    seen.set(name, logicalId);
  }
  return names;
}

interface Naming {
  /** Logical id → stable name, per stack. */
  names: Map<string, Map<string, string>>;
  /** Export name → the exporting stack and the normalised value it exports. */
  exports: Map<string, string>;
}

/** The value with every logical id replaced by its stable name. */
function normalise(value: Json | undefined, stack: string, naming: Naming): Json {
  const names = naming.names.get(stack) ?? new Map<string, string>();
  const visit = (node: Json): Json => {
    if (typeof node === 'string') return names.get(node) ?? node;
    if (Array.isArray(node)) return node.map(visit);
    if (!isObject(node)) return node;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const argument = node[key] ?? null;
      if (key === 'Ref' && typeof argument === 'string') {
        return { Ref: names.get(argument) ?? argument };
      }
      if (key === 'Fn::GetAtt') {
        const [target, attribute] = Array.isArray(argument)
          ? argument
          : String(argument).split(/\.(.*)/);
        return { 'Fn::GetAtt': [names.get(String(target)) ?? String(target), String(attribute)] };
      }
      if (key === 'Fn::ImportValue' && typeof argument === 'string') {
        return { 'Fn::ImportValue': naming.exports.get(argument) ?? argument };
      }
      if (key === 'Fn::Sub' && typeof argument === 'string') {
        return {
          'Fn::Sub': argument.replace(/\$\{([^.}]+)/g, (whole, id: string) =>
            names.has(id) ? `\${${names.get(id)}` : whole,
          ),
        };
      }
    }
    return Object.fromEntries(keys.map((key) => [key, visit(node[key] ?? null)]));
  };
  return visit(value ?? null);
}

/** Each statement of every policy document in the value, with where it was found. */
function policyStatements(value: Json, where: string): [string, JsonObject][] {
  if (Array.isArray(value)) return value.flatMap((item) => policyStatements(item, where));
  if (!isObject(value)) return [];
  if (Array.isArray(value.Statement)) {
    return value.Statement.filter(isObject).map((statement) => [where, statement]);
  }
  return Object.entries(value).flatMap(([key, child]) =>
    policyStatements(child, `${where}.${key}`),
  );
}

/** A value that IAM reads as a set (one item or a list), as a sorted list. */
const sortedList = (value: Json | undefined): Json =>
  value === undefined
    ? null
    : [value].flat().sort((left, right) => canonical(left).localeCompare(canonical(right)));

/** A statement with its set-like fields sorted and its absent fields left out. */
function describeStatement(statement: JsonObject): string {
  const sets = ['Action', 'NotAction', 'Resource', 'NotResource'];
  return canonical(
    Object.fromEntries(
      Object.entries(statement)
        .filter(([key]) => key !== 'Sid')
        .map(([key, value]) => [key, sets.includes(key) ? sortedList(value) : value]),
    ),
  );
}

const pick = (properties: JsonObject, keys: string[]): JsonObject =>
  Object.fromEntries(keys.map((key) => [key, properties[key] ?? null]));

function shapeOf(stack: AssemblyStack, naming: Naming, classes: Map<string, string>): StackShape {
  const names = naming.names.get(stack.name) ?? new Map<string, string>();
  const nameOf = (logicalId: string) => names.get(logicalId) ?? logicalId;
  const shape: StackShape = {
    resourceCounts: [],
    iamStatements: [],
    routes: [],
    functions: [],
    eventSourceMappings: [],
    queues: [],
    alarms: [],
    resources: [],
    outputs: [],
    acknowledgments: [],
  };
  const counts = new Map<string, number>();
  const normalised = new Map<string, JsonObject>();
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    counts.set(resource.Type, (counts.get(resource.Type) ?? 0) + 1);
    const properties = normalise(resource.Properties ?? {}, stack.name, naming) as JsonObject;
    normalised.set(logicalId, properties);
    const dependsOn = [resource.DependsOn ?? []].flat().map(nameOf).sort();
    shape.resources.push(
      `${nameOf(logicalId)} ${canonical(properties)}${dependsOn.length ? ` dependsOn ${dependsOn.join(', ')}` : ''}`,
    );
  }
  shape.resourceCounts = [...counts].map(([type, count]) => `${type} × ${count}`);

  const integrationTarget = (target: Json | undefined) => {
    // Target: {"Fn::Join": ["", ["integrations/", {"Ref": "<integration>"}]]}
    const integration = JSON.stringify(target ?? null).match(/"Ref":"([^"]+)"/)?.[1];
    const entry = [...normalised].find(([id]) => nameOf(id) === integration);
    return entry ? canonical(entry[1].IntegrationUri) : canonical(target);
  };
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    const properties = normalised.get(logicalId) ?? {};
    const name = nameOf(logicalId);
    for (const [where, statement] of policyStatements(properties, name)) {
      // A role policy's statements belong to the roles (users, groups) it is attached to.
      const owner =
        resource.Type === 'AWS::IAM::Policy'
          ? canonical(
              sortedList(
                [properties.Roles, properties.Users, properties.Groups]
                  .flat()
                  .filter((principal) => principal !== undefined),
              ),
            )
          : where;
      shape.iamStatements.push(`${owner} ${describeStatement(statement)}`);
    }
    switch (resource.Type) {
      case 'AWS::ApiGatewayV2::Route':
        shape.routes.push(
          `${String(properties.RouteKey)} ${canonical(
            pick(properties, ['AuthorizationType', 'AuthorizerId', 'AuthorizationScopes', 'ApiId']),
          )} → ${integrationTarget(properties.Target)}`,
        );
        break;
      case 'AWS::Lambda::Function':
        shape.functions.push(
          `${name} ${canonical(
            pick(properties, [
              'Runtime',
              'Architectures',
              'MemorySize',
              'Timeout',
              'Handler',
              'TracingConfig',
              'LoggingConfig',
              'Layers',
              'Role',
              'ReservedConcurrentExecutions',
            ]),
          )} environment ${canonical((properties.Environment as JsonObject | undefined)?.Variables)}`,
        );
        break;
      case 'AWS::Lambda::EventSourceMapping':
        shape.eventSourceMappings.push(
          `${canonical(properties.FunctionName)} ← ${canonical(properties.EventSourceArn)} ${canonical(properties)}`,
        );
        break;
      case 'AWS::SQS::Queue':
        shape.queues.push(
          `${name} ${canonical(
            pick(properties, [
              'VisibilityTimeout',
              'RedrivePolicy',
              'MessageRetentionPeriod',
              'KmsMasterKeyId',
              'FifoQueue',
            ]),
          )}`,
        );
        break;
      case 'AWS::CloudWatch::Alarm':
        shape.alarms.push(
          canonical(
            pick(properties, [
              'MetricName',
              'Namespace',
              'Dimensions',
              'Statistic',
              'Period',
              'Threshold',
              'ComparisonOperator',
              'EvaluationPeriods',
              'AlarmActions',
              'OKActions',
            ]),
          ),
        );
        break;
    }
  }
  for (const [logicalId, output] of Object.entries(stack.template.Outputs ?? {})) {
    shape.outputs.push(
      `${nameOf(logicalId)} ${canonical(normalise(output.Value, stack.name, naming))}${output.Export ? ' (exported)' : ''}`,
    );
  }
  for (const [path, entries] of Object.entries(stack.metadata)) {
    for (const entry of entries) {
      if (entry.type !== 'aws:cdk:acknowledged-rules' || !isObject(entry.data)) continue;
      for (const [rule, reason] of Object.entries(entry.data)) {
        shape.acknowledgments.push(
          `${stablePath(path, stack.name, classes)} ${rule}: ${String(reason)}`,
        );
      }
    }
  }
  for (const part of Object.values(shape)) (part as string[]).sort();
  return shape;
}

/** Reduces every stack of the cloud assembly in `directory` to its shape. */
export function assemblyShape(directory: string): AssemblyShape {
  const { stacks, tree } = readAssembly(directory);
  const classes = classesByPath(tree);
  const naming: Naming = { names: new Map(), exports: new Map() };
  for (const stack of stacks) naming.names.set(stack.name, stableNames(stack, classes));
  for (const stack of stacks) {
    for (const output of Object.values(stack.template.Outputs ?? {})) {
      if (typeof output.Export?.Name !== 'string') continue;
      naming.exports.set(
        output.Export.Name,
        `${stack.name}:${canonical(normalise(output.Value, stack.name, naming))}`,
      );
    }
  }
  return {
    stacks: Object.fromEntries(
      stacks.map((stack) => [stack.name, shapeOf(stack, naming, classes)]),
    ),
    logicalIds: Object.fromEntries(
      stacks.map((stack) => [stack.name, Object.keys(stack.template.Resources ?? {}).sort()]),
    ),
  };
}

/** The lines only one of two shapes has, as `- before` and `+ after`, per stack and part. */
export function shapeDifferences(before: AssemblyShape, after: AssemblyShape): string[] {
  const differences: string[] = [];
  const stackNames = [...new Set([...Object.keys(before.stacks), ...Object.keys(after.stacks)])];
  for (const stack of stackNames.sort()) {
    const left = before.stacks[stack];
    const right = after.stacks[stack];
    if (!left || !right) {
      differences.push(`${left ? '-' : '+'} ${stack}: the whole stack`);
      continue;
    }
    for (const part of Object.keys(left) as (keyof StackShape)[]) {
      const remaining = new Map<string, number>();
      for (const line of right[part]) remaining.set(line, (remaining.get(line) ?? 0) + 1);
      for (const line of left[part]) {
        const count = remaining.get(line) ?? 0;
        if (count > 0) remaining.set(line, count - 1);
        else differences.push(`- ${stack} ${part}: ${line}`);
      }
      for (const [line, count] of remaining) {
        for (let index = 0; index < count; index += 1) {
          differences.push(`+ ${stack} ${part}: ${line}`);
        }
      }
    }
  }
  return differences;
}

/** A summary of both shapes and every difference between them, as printed by the CLI. */
export function compareAssemblies(beforeDirectory: string, afterDirectory: string): string[] {
  const before = assemblyShape(beforeDirectory);
  const after = assemblyShape(afterDirectory);
  const lines: string[] = [];
  for (const [stack, shape] of Object.entries(after.stacks)) {
    const ids = new Set(before.logicalIds[stack] ?? []);
    const current = after.logicalIds[stack] ?? [];
    const renamed = current.filter((id) => !ids.has(id)).length;
    lines.push(
      `${stack}: ${current.length} resources (before ${ids.size}), ${renamed} logical ids new; ` +
        `${shape.iamStatements.length} IAM statements, ${shape.routes.length} routes, ` +
        `${shape.functions.length} functions, ${shape.eventSourceMappings.length} event source mappings, ` +
        `${shape.queues.length} queues, ${shape.alarms.length} alarms, ` +
        `${shape.acknowledgments.length} acknowledgments`,
    );
  }
  const differences = shapeDifferences(before, after);
  lines.push(
    differences.length === 0
      ? 'No difference but logical ids.'
      : `${differences.length} differences:`,
    ...differences,
  );
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [before, after] = process.argv.slice(2);
  if (!before || !after) {
    console.error(
      'usage: npx tsx tests/infra/template-shape.ts <assemblyDirBefore> <assemblyDirAfter>',
    );
    process.exit(2);
  }
  const lines = compareAssemblies(before, after);
  console.log(lines.join('\n'));
  process.exitCode = lines.at(-1) === 'No difference but logical ids.' ? 0 : 1;
}
