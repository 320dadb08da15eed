/** What a stack's resources resolve to once they exist in the emulator. */
export interface ResolutionContext {
  stackName: string;
  region: string;
  accountId: string;
  /** logical id → value of `Ref`. */
  refs: Map<string, string>;
  /** `logicalId.Attribute` → value of `Fn::GetAtt`. */
  attributes: Map<string, string>;
  /** export name → value, from the stacks provisioned before this one. */
  exports: Map<string, string>;
  /** Answers for names nothing was provisioned for; without it they are errors. */
  placeholder?: (what: 'Ref' | 'Fn::GetAtt' | 'Fn::ImportValue' | 'Fn::Sub', key: string) => string;
}

/** A template value that cannot be resolved locally: the sandbox refuses to guess. */
export class UnresolvableValueError extends Error {
  override name = 'UnresolvableValueError';
}

/**
 * Resolves CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::ImportValue, Fn::Select, Fn::Split) against the emulator's names and ARNs.
 */
export function resolveValue(value: unknown, context: ResolutionContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, context));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first) {
    const [key, argument] = first;
    switch (key) {
      case 'Ref':
        return resolveRef(String(argument), context);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument)
          ? argument.map(String)
          : String(argument).split('.');
        return lookup(context, context.attributes, `${logicalId}.${attribute}`, 'Fn::GetAtt');
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolveValue(parts, context) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Sub':
        return resolveSub(argument, context);
      case 'Fn::ImportValue':
        return lookup(
          context,
          context.exports,
          String(resolveValue(argument, context)),
          'Fn::ImportValue',
        );
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (resolveValue(list, context) as unknown[])[Number(resolveValue(index, context))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(resolveValue(text, context)).split(separator);
      }
      default:
        break;
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveValue(item, context)]));
}

/** Resolves to a string, or fails naming what could not be resolved. */
export function resolveString(value: unknown, context: ResolutionContext): string {
  const resolved = resolveValue(value, context);
  if (typeof resolved !== 'string' && typeof resolved !== 'number') {
    throw new UnresolvableValueError(`expected a string, got ${JSON.stringify(resolved)}`);
  }
  return String(resolved);
}

function resolveRef(name: string, context: ResolutionContext): string {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::NoValue':
      return '';
    default:
      return lookup(context, context.refs, name, 'Ref');
  }
}

function resolveSub(argument: unknown, context: ResolutionContext): string {
  const [text, variables] = Array.isArray(argument)
    ? (argument as [string, Record<string, unknown>])
    : [String(argument), {}];
  return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
    if (name in variables) return String(resolveValue(variables[name], context));
    if (name.includes('.')) return lookup(context, context.attributes, name, 'Fn::Sub');
    return resolveRef(name, context);
  });
}

function lookup(
  context: ResolutionContext,
  map: Map<string, string>,
  key: string,
  what: 'Ref' | 'Fn::GetAtt' | 'Fn::ImportValue' | 'Fn::Sub',
): string {
  const found = map.get(key) ?? context.placeholder?.(what, key);
  if (found === undefined) {
    throw new UnresolvableValueError(`${what} ${key} names nothing the sandbox provisioned`);
  }
  return found;
}
