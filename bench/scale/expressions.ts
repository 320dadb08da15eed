/**
 * DynamoDB's expression language as the product's adapters use it, for the in-memory store
 * of the scale bench: condition, filter and key condition expressions (comparisons,
 * BETWEEN, IN, AND, OR, NOT, attribute_exists, attribute_not_exists, begins_with,
 * contains, size), update expressions (SET with `+`, `-`, if_not_exists and list_append;
 * REMOVE; ADD; DELETE) and projection expressions. Anything else is refused with an error
 * that names it, so a new adapter's expression fails loudly rather than being misread.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** An item as DynamoDB stores it: attribute names to typed values. */
export type Item = Record<string, AttributeValue>;

/** A request DynamoDB itself would refuse (ValidationException). */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

/** An expression or feature that DynamoDB accepts and this store does not implement. */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

/** One step of an attribute path: a name, or a list index. */
export type PathStep = string | number;
export type Path = PathStep[];

export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; name: string }
  | { kind: 'size'; path: Path }
  | { kind: 'if_not_exists'; path: Path; fallback: Operand }
  | { kind: 'list_append'; first: Operand; second: Operand }
  | { kind: 'arithmetic'; operator: '+' | '-'; left: Operand; right: Operand };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | {
      kind: 'compare';
      operator: '=' | '<>' | '<' | '<=' | '>' | '>=';
      left: Operand;
      right: Operand;
    }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; options: Operand[] }
  | { kind: 'exists' | 'not_exists'; path: Path }
  | { kind: 'begins_with' | 'contains'; path: Path; operand: Operand };

export interface UpdateActions {
  set: { path: Path; value: Operand }[];
  remove: Path[];
  add: { path: Path; value: Operand }[];
  delete: { path: Path; value: Operand }[];
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE']);

type Token =
  | { type: 'name'; text: string }
  | { type: 'placeholder'; text: string }
  | { type: 'value'; text: string }
  | { type: 'number'; text: string }
  | { type: 'keyword'; text: string }
  | { type: 'symbol'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|([0-9]+)|(<>|<=|>=|[=<>(),.[\]+-]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(expression);
    if (!match)
      throw new ValidationError(`cannot read the expression at "${expression.slice(at)}"`);
    at = pattern.lastIndex;
    const [, placeholder, value, name, number, symbol] = match;
    if (placeholder) tokens.push({ type: 'placeholder', text: placeholder });
    else if (value) tokens.push({ type: 'value', text: value });
    else if (name)
      tokens.push(
        KEYWORDS.has(name.toUpperCase())
          ? { type: 'keyword', text: name.toUpperCase() }
          : { type: 'name', text: name },
      );
    else if (number) tokens.push({ type: 'number', text: number });
    else if (symbol) tokens.push({ type: 'symbol', text: symbol });
  }
  return tokens;
}

/** Reads one expression's tokens, resolving `#name` placeholders as it goes. */
class Reader {
  private at = 0;
  private readonly tokens: Token[];
  readonly expression: string;
  private readonly names: Record<string, string> | undefined;
  constructor(expression: string, names: Record<string, string> | undefined) {
    this.expression = expression;
    this.names = names;
    this.tokens = tokenize(expression);
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }
  done() {
    return this.at >= this.tokens.length;
  }
  next(): Token {
    const token = this.tokens[this.at];
    if (!token) throw new ValidationError(`"${this.expression}" ends too early`);
    this.at += 1;
    return token;
  }
  isSymbol(text: string) {
    const token = this.peek();
    return token?.type === 'symbol' && token.text === text;
  }
  isKeyword(text: string) {
    const token = this.peek();
    return token?.type === 'keyword' && token.text === text;
  }
  expectSymbol(text: string) {
    const token = this.next();
    if (token.type !== 'symbol' || token.text !== text)
      throw new ValidationError(`"${this.expression}": expected "${text}", found "${token.text}"`);
  }

  nameOf(token: Token): string {
    if (token.type === 'name') return token.text;
    if (token.type === 'placeholder') {
      const name = this.names?.[token.text];
      if (name === undefined)
        throw new ValidationError(`${token.text} is not in ExpressionAttributeNames`);
      return name;
    }
    throw new ValidationError(
      `"${this.expression}": expected an attribute name at "${token.text}"`,
    );
  }

  path(): Path {
    const path: Path = [this.nameOf(this.next())];
    for (;;) {
      if (this.isSymbol('.')) {
        this.next();
        path.push(this.nameOf(this.next()));
      } else if (this.isSymbol('[')) {
        this.next();
        const index = this.next();
        if (index.type !== 'number') throw new ValidationError('a list index must be a number');
        path.push(Number(index.text));
        this.expectSymbol(']');
      } else return path;
    }
  }

  operand(): Operand {
    const token = this.peek();
    if (token?.type === 'value') {
      this.next();
      return { kind: 'value', name: token.text };
    }
    if (token?.type === 'name' && this.peek(1)?.text === '(') {
      const name = token.text;
      this.next();
      this.expectSymbol('(');
      let operand: Operand;
      if (name === 'size') operand = { kind: 'size', path: this.path() };
      else if (name === 'if_not_exists') {
        const path = this.path();
        this.expectSymbol(',');
        operand = { kind: 'if_not_exists', path, fallback: this.operand() };
      } else if (name === 'list_append') {
        const first = this.operand();
        this.expectSymbol(',');
        operand = { kind: 'list_append', first, second: this.operand() };
      } else throw new UnsupportedError(`the function ${name}() is not implemented`);
      this.expectSymbol(')');
      return operand;
    }
    return { kind: 'path', path: this.path() };
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', operand: this.negation() };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.isSymbol('(')) {
      this.next();
      const inner = this.condition();
      this.expectSymbol(')');
      return inner;
    }
    const token = this.peek();
    if (token?.type === 'name' && this.peek(1)?.text === '(' && token.text !== 'size') {
      const name = token.text;
      if (['if_not_exists', 'list_append'].includes(name))
        throw new ValidationError(`${name}() is for update expressions`);
      this.next();
      this.expectSymbol('(');
      const path = this.path();
      let condition: Condition;
      if (name === 'attribute_exists') condition = { kind: 'exists', path };
      else if (name === 'attribute_not_exists') condition = { kind: 'not_exists', path };
      else if (name === 'begins_with' || name === 'contains') {
        this.expectSymbol(',');
        condition = { kind: name, path, operand: this.operand() };
      } else throw new UnsupportedError(`the function ${name}() is not implemented`);
      this.expectSymbol(')');
      return condition;
    }
    const left = this.operand();
    if (this.isKeyword('BETWEEN')) {
      this.next();
      const low = this.operand();
      if (!this.isKeyword('AND')) throw new ValidationError('BETWEEN needs AND');
      this.next();
      return { kind: 'between', operand: left, low, high: this.operand() };
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.expectSymbol('(');
      const options = [this.operand()];
      while (this.isSymbol(',')) {
        this.next();
        options.push(this.operand());
      }
      this.expectSymbol(')');
      return { kind: 'in', operand: left, options };
    }
    const operator = this.next();
    if (operator.type !== 'symbol' || !['=', '<>', '<', '<=', '>', '>='].includes(operator.text))
      throw new ValidationError(
        `"${this.expression}": expected a comparison at "${operator.text}"`,
      );
    return {
      kind: 'compare',
      operator: operator.text as '=' | '<>' | '<' | '<=' | '>' | '>=',
      left,
      right: this.operand(),
    };
  }
}

const cache = new Map<string, unknown>();
/** Parses once per expression text and names (the adapters repeat the same few). */
function cached<T>(kind: string, expression: string, names: unknown, parse: () => T): T {
  const key = `${kind}\u0000${expression}\u0000${JSON.stringify(names ?? {})}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit as T;
  const parsed = parse();
  if (cache.size > 10_000) cache.clear();
  cache.set(key, parsed);
  return parsed;
}

/** A condition, filter or key condition expression. */
export function parseCondition(expression: string, names?: Record<string, string>): Condition {
  return cached('condition', expression, names, () => {
    const reader = new Reader(expression, names);
    const condition = reader.condition();
    if (!reader.done())
      throw new ValidationError(`"${expression}": unexpected "${reader.peek()?.text}"`);
    return condition;
  });
}

/** An update expression's clauses, each at most once, as DynamoDB requires. */
export function parseUpdate(expression: string, names?: Record<string, string>): UpdateActions {
  return cached('update', expression, names, () => {
    const reader = new Reader(expression, names);
    const actions: UpdateActions = { set: [], remove: [], add: [], delete: [] };
    const seen = new Set<string>();
    while (!reader.done()) {
      const clause = reader.next();
      if (clause.type !== 'keyword' || !['SET', 'REMOVE', 'ADD', 'DELETE'].includes(clause.text))
        throw new ValidationError(`"${expression}": expected SET, REMOVE, ADD or DELETE`);
      if (seen.has(clause.text)) throw new ValidationError(`${clause.text} appears twice`);
      seen.add(clause.text);
      do {
        if (reader.isSymbol(',')) reader.next();
        const path = reader.path();
        if (clause.text === 'SET') {
          reader.expectSymbol('=');
          let value = reader.operand();
          if (reader.isSymbol('+') || reader.isSymbol('-')) {
            const operator = reader.next().text as '+' | '-';
            value = { kind: 'arithmetic', operator, left: value, right: reader.operand() };
          }
          actions.set.push({ path, value });
        } else if (clause.text === 'REMOVE') actions.remove.push(path);
        else {
          const value = reader.operand();
          (clause.text === 'ADD' ? actions.add : actions.delete).push({ path, value });
        }
      } while (reader.isSymbol(','));
    }
    return actions;
  });
}

/** A projection expression: the paths to keep. */
export function parseProjection(expression: string, names?: Record<string, string>): Path[] {
  return cached('projection', expression, names, () => {
    const reader = new Reader(expression, names);
    const paths = [reader.path()];
    while (reader.isSymbol(',')) {
      reader.next();
      paths.push(reader.path());
    }
    if (!reader.done()) throw new ValidationError(`"${expression}": unexpected tokens`);
    return paths;
  });
}

/** The value at a path of an item, if any. */
export function valueAt(item: Item, path: Path): AttributeValue | undefined {
  let value: AttributeValue | undefined = { M: item };
  for (const step of path) {
    if (value === undefined) return undefined;
    if (typeof step === 'number') value = value.L?.[step];
    else value = value.M?.[step];
  }
  return value;
}

/** The values a request names, looked up strictly. */
export type Values = Record<string, AttributeValue> | undefined;

function namedValue(values: Values, name: string): AttributeValue {
  const value = values?.[name];
  if (value === undefined) throw new ValidationError(`${name} is not in ExpressionAttributeValues`);
  return value;
}

/** Evaluates an operand against an item (undefined: the path is absent). */
export function evaluateOperand(
  operand: Operand,
  item: Item,
  values: Values,
): AttributeValue | undefined {
  switch (operand.kind) {
    case 'path':
      return valueAt(item, operand.path);
    case 'value':
      return namedValue(values, operand.name);
    case 'size': {
      const value = valueAt(item, operand.path);
      if (value === undefined) return undefined;
      const size =
        value.S !== undefined
          ? Buffer.byteLength(value.S)
          : value.B !== undefined
            ? value.B.length
            : value.L !== undefined
              ? value.L.length
              : value.M !== undefined
                ? Object.keys(value.M).length
                : (value.SS ?? value.NS ?? value.BS)?.length;
      return size === undefined ? undefined : { N: String(size) };
    }
    case 'if_not_exists':
      return valueAt(item, operand.path) ?? evaluateOperand(operand.fallback, item, values);
    case 'list_append': {
      const first = evaluateOperand(operand.first, item, values);
      const second = evaluateOperand(operand.second, item, values);
      if (first?.L === undefined || second?.L === undefined)
        throw new ValidationError('list_append takes two lists');
      return { L: [...first.L, ...second.L] };
    }
    case 'arithmetic': {
      const left = evaluateOperand(operand.left, item, values);
      const right = evaluateOperand(operand.right, item, values);
      if (left?.N === undefined || right?.N === undefined)
        throw new ValidationError('an operand in the update expression has an incorrect data type');
      const sum =
        operand.operator === '+'
          ? Number(left.N) + Number(right.N)
          : Number(left.N) - Number(right.N);
      return { N: String(sum) };
    }
  }
}

/** Orders two scalar values of one type; undefined when they are not comparable. */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if (a.S !== undefined && b.S !== undefined) return a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  if (a.N !== undefined && b.N !== undefined) return Math.sign(Number(a.N) - Number(b.N));
  if (a.B !== undefined && b.B !== undefined)
    return Buffer.compare(Buffer.from(a.B), Buffer.from(b.B));
  return undefined;
}

/** Equality as DynamoDB decides it: same type and value (sets in any order). */
export function equalValues(a: AttributeValue, b: AttributeValue): boolean {
  const scalar = compareValues(a, b);
  if (scalar !== undefined) return scalar === 0;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: AttributeValue): unknown {
  if (value.M !== undefined)
    return {
      M: Object.fromEntries(
        Object.keys(value.M)
          .sort()
          .map((key) => [key, canonical(value.M?.[key] as AttributeValue)]),
      ),
    };
  if (value.L !== undefined) return { L: value.L.map(canonical) };
  if (value.SS !== undefined) return { SS: [...value.SS].sort() };
  if (value.NS !== undefined) return { NS: value.NS.map(Number).sort((x, y) => x - y) };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  return value;
}

/** Evaluates a condition against an item (an absent item is `{}`). */
export function evaluateCondition(condition: Condition, item: Item, values: Values): boolean {
  switch (condition.kind) {
    case 'and':
      return (
        evaluateCondition(condition.left, item, values) &&
        evaluateCondition(condition.right, item, values)
      );
    case 'or':
      return (
        evaluateCondition(condition.left, item, values) ||
        evaluateCondition(condition.right, item, values)
      );
    case 'not':
      return !evaluateCondition(condition.operand, item, values);
    case 'exists':
      return valueAt(item, condition.path) !== undefined;
    case 'not_exists':
      return valueAt(item, condition.path) === undefined;
    case 'begins_with': {
      const value = valueAt(item, condition.path);
      const prefix = evaluateOperand(condition.operand, item, values);
      if (value?.S !== undefined && prefix?.S !== undefined) return value.S.startsWith(prefix.S);
      return false;
    }
    case 'contains': {
      const value = valueAt(item, condition.path);
      const part = evaluateOperand(condition.operand, item, values);
      if (value === undefined || part === undefined) return false;
      if (value.S !== undefined && part.S !== undefined) return value.S.includes(part.S);
      if (value.SS !== undefined && part.S !== undefined) return value.SS.includes(part.S);
      if (value.NS !== undefined && part.N !== undefined)
        return value.NS.some((n) => Number(n) === Number(part.N));
      if (value.L !== undefined) return value.L.some((element) => equalValues(element, part));
      return false;
    }
    case 'between': {
      const value = evaluateOperand(condition.operand, item, values);
      const low = evaluateOperand(condition.low, item, values);
      const high = evaluateOperand(condition.high, item, values);
      if (value === undefined || low === undefined || high === undefined) return false;
      const above = compareValues(value, low);
      const below = compareValues(value, high);
      return above !== undefined && below !== undefined && above >= 0 && below <= 0;
    }
    case 'in': {
      const value = evaluateOperand(condition.operand, item, values);
      if (value === undefined) return false;
      return condition.options.some((option) => {
        const candidate = evaluateOperand(option, item, values);
        return candidate !== undefined && equalValues(value, candidate);
      });
    }
    case 'compare': {
      const left = evaluateOperand(condition.left, item, values);
      const right = evaluateOperand(condition.right, item, values);
      if (left === undefined || right === undefined) return condition.operator === '<>';
      if (condition.operator === '=') return equalValues(left, right);
      if (condition.operator === '<>') return !equalValues(left, right);
      const order = compareValues(left, right);
      if (order === undefined) return false;
      if (condition.operator === '<') return order < 0;
      if (condition.operator === '<=') return order <= 0;
      if (condition.operator === '>') return order > 0;
      return order >= 0;
    }
  }
}

/** Sets the value at a path, creating nothing but the last step (as DynamoDB does). */
function setAt(item: Item, path: Path, value: AttributeValue) {
  const [first, ...rest] = path;
  if (typeof first !== 'string') throw new ValidationError('a path starts with a name');
  if (rest.length === 0) {
    item[first] = value;
    return;
  }
  let parent = item[first];
  for (let index = 0; index < rest.length - 1; index += 1) {
    const step = rest[index] as PathStep;
    parent = typeof step === 'number' ? parent?.L?.[step] : parent?.M?.[step];
  }
  const last = rest[rest.length - 1] as PathStep;
  if (typeof last === 'number') {
    if (parent?.L === undefined) throw new ValidationError('the document path is invalid');
    parent.L[Math.min(last, parent.L.length)] = value;
  } else {
    if (parent?.M === undefined) throw new ValidationError('the document path is invalid');
    parent.M[last] = value;
  }
}

function removeAt(item: Item, path: Path) {
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1] as PathStep;
  if (parentPath.length === 0) {
    delete item[last as string];
    return;
  }
  const parent = valueAt(item, parentPath);
  if (typeof last === 'number') parent?.L?.splice(last, 1);
  else if (parent?.M) delete parent.M[last];
}

/** Applies an update expression to a copy of the item (absent: `{}` with its key). */
export function applyUpdate(item: Item, actions: UpdateActions, values: Values): Item {
  const updated = structuredClone(item);
  // Every operand reads the item as it was before the update, as DynamoDB does.
  const sets = actions.set.map(({ path, value }) => ({
    path,
    value: evaluateOperand(value, item, values),
  }));
  for (const { path, value } of sets) {
    if (value === undefined)
      throw new ValidationError(
        'the provided expression refers to an attribute that does not exist',
      );
    setAt(updated, path, value);
  }
  for (const path of actions.remove) removeAt(updated, path);
  for (const { path, value: operand } of actions.add) {
    const value = evaluateOperand(operand, item, values);
    const current = valueAt(item, path);
    if (value?.N !== undefined) {
      if (current !== undefined && current.N === undefined)
        throw new ValidationError('ADD takes a number to a number');
      setAt(updated, path, { N: String(Number(current?.N ?? 0) + Number(value.N)) });
    } else if (value?.SS !== undefined || value?.NS !== undefined) {
      const key = value.SS !== undefined ? 'SS' : 'NS';
      const merged = [...new Set([...(current?.[key] ?? []), ...(value[key] ?? [])])];
      setAt(updated, path, key === 'SS' ? { SS: merged } : { NS: merged });
    } else throw new ValidationError('ADD takes a number or a set');
  }
  for (const { path, value: operand } of actions.delete) {
    const value = evaluateOperand(operand, item, values);
    const current = valueAt(item, path);
    const key = value?.SS !== undefined ? 'SS' : value?.NS !== undefined ? 'NS' : undefined;
    if (!key) throw new ValidationError('DELETE takes a set');
    if (current?.[key] === undefined) continue;
    const kept = current[key].filter((element) => !value?.[key]?.includes(element));
    if (kept.length) setAt(updated, path, key === 'SS' ? { SS: kept } : { NS: kept });
    else removeAt(updated, path);
  }
  return updated;
}

/** The item with only the projected paths (top-level and nested). */
export function project(item: Item, paths: Path[]): Item {
  const projected: Item = {};
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    if (path.length === 1) projected[path[0] as string] = value;
    else {
      // Nested projections keep the enclosing maps and lists with just the paths asked.
      let target: Item | AttributeValue[] = projected;
      let source: Item | AttributeValue[] = item;
      for (let index = 0; index < path.length - 1; index += 1) {
        const step = path[index] as PathStep;
        const next = (source as Record<string | number, AttributeValue>)[step] as AttributeValue;
        const container: AttributeValue = next.L !== undefined ? { L: [] } : { M: {} };
        const existing = (target as Record<string | number, AttributeValue>)[step];
        const holder = existing ?? container;
        (target as Record<string | number, AttributeValue>)[step] = holder;
        target = (holder.L ?? holder.M) as Item | AttributeValue[];
        source = (next.L ?? next.M) as Item | AttributeValue[];
      }
      const last = path[path.length - 1] as PathStep;
      if (Array.isArray(target)) target.push(value);
      else target[last as string] = value;
    }
  }
  return projected;
}
