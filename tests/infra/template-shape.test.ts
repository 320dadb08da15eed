import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { assemblyShape, compareAssemblies, shapeDifferences } from './template-shape.ts';

const stack = 'Tsq-dev-Stateless';
type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

let assembly: string;
const copies: string[] = [];

/** A copy of the assembly's manifest, tree, templates and metadata (not the bundles). */
function copyAssembly(): string {
  const copy = mkdtempSync(join(tmpdir(), 'template-shape-'));
  copies.push(copy);
  for (const file of readdirSync(assembly).filter((name) => name.endsWith('.json'))) {
    copyFileSync(join(assembly, file), join(copy, file));
  }
  return copy;
}

function editTemplate(directory: string, edit: (template: Template) => void) {
  const file = join(directory, `${stack}.template.json`);
  const template = JSON.parse(readFileSync(file, 'utf8')) as Template;
  edit(template);
  writeFileSync(file, JSON.stringify(template));
}

function resourceWhere(template: Template, type: string, test: (text: string) => boolean) {
  const found = Object.values(template.Resources).filter(
    (resource) => resource.Type === type && test(JSON.stringify(resource)),
  );
  expect(found, type).toHaveLength(1);
  return found[0]?.Properties ?? {};
}

beforeAll(() => {
  expect(inject('synthesisError')).toBe('');
  assembly = inject('assemblyDirectory');
});

afterEach(() => {
  for (const copy of copies.splice(0)) rmSync(copy, { recursive: true, force: true });
});

describe('template shape', () => {
  it('reduces the stateless stack to its functions, routes and IAM statements', () => {
    const shape = assemblyShape(assembly).stacks[stack];

    // 24 functions and 16 routes: the follow-up case function, case delivery and case
    // events (POST /cases/{caseId}/events) joined the fifteen, then reminders, the report
    // PDF printer, the missed-schedule check, the two notice functions and the complaint
    // aggregator (no route).
    expect(shape?.functions).toHaveLength(24);
    expect(shape?.routes).toHaveLength(16);
    expect(shape?.functions.join('\n')).toContain('AWS::Lambda::Function(complaint-intake)');
    expect(shape?.routes.join('\n')).toMatch(
      /^PUT \/reference\/subscribers\/\{period\} .*"AuthorizationType":"JWT".* → .*reference-data/m,
    );
    expect(shape?.iamStatements.join('\n')).toContain('AWS::IAM::Role(SurveyPageRole)');
  });

  it('finds no difference when every logical id of a stack is renamed', () => {
    const renamed = copyAssembly();
    const ids = Object.keys(
      (JSON.parse(readFileSync(join(assembly, `${stack}.template.json`), 'utf8')) as Template)
        .Resources,
    );
    for (const file of [`${stack}.template.json`, `${stack}.metadata.json`, 'tree.json']) {
      let text = readFileSync(join(renamed, file), 'utf8');
      for (const id of ids) text = text.replaceAll(`"${id}"`, `"Moved${id}"`);
      writeFileSync(join(renamed, file), text);
    }

    const lines = compareAssemblies(assembly, renamed);

    expect(lines.join('\n')).toContain(
      `${stack}: ${ids.length} resources (before ${ids.length}), ${ids.length} logical ids new`,
    );
    expect(lines.at(-1)).toBe('No difference but logical ids.');
  });

  it('names each changed IAM action, route authorization and function timeout', () => {
    const changed = copyAssembly();
    editTemplate(changed, (template) => {
      const policy = resourceWhere(template, 'AWS::IAM::Policy', (text) =>
        text.includes('SurveyPageRole'),
      ) as { PolicyDocument: { Statement: { Action: string | string[] }[] } };
      for (const statement of policy.PolicyDocument.Statement) {
        statement.Action = [statement.Action]
          .flat()
          .map((action) => (action === 'dynamodb:UpdateItem' ? 'dynamodb:DeleteItem' : action));
      }
      const route = resourceWhere(template, 'AWS::ApiGatewayV2::Route', (text) =>
        text.includes('PUT /reference/subscribers/{period}'),
      );
      route.AuthorizationType = 'NONE';
      delete route.AuthorizerId;
      const processor = resourceWhere(template, 'AWS::Lambda::Function', (text) =>
        text.includes('"POWERTOOLS_SERVICE_NAME":"complaint-processor"'),
      );
      processor.Timeout = 31;
    });

    const differences = shapeDifferences(assemblyShape(assembly), assemblyShape(changed));

    const of = (sign: '-' | '+', part: string, pattern: RegExp) =>
      differences.filter(
        (line) =>
          line.startsWith(`${sign} ${stack} ${part}: `) &&
          pattern.test(line.slice(`${sign} ${stack} ${part}: `.length)),
      );
    expect(of('-', 'iamStatements', /SurveyPageRole.*dynamodb:UpdateItem/)).toHaveLength(1);
    expect(of('+', 'iamStatements', /SurveyPageRole.*dynamodb:DeleteItem/)).toHaveLength(1);
    expect(of('-', 'routes', /^PUT \/reference.*"JWT"/)).toHaveLength(1);
    expect(of('+', 'routes', /^PUT \/reference.*"NONE"/)).toHaveLength(1);
    expect(of('-', 'functions', /complaint-processor.*"Timeout":30/)).toHaveLength(1);
    expect(of('+', 'functions', /complaint-processor.*"Timeout":31/)).toHaveLength(1);
  });
});
