// Renders the part of Go's text/template language that Kask's openapi.yaml is written in: field chains such
// as `{{ .BaseURI }}`, comments, and the `{{-` / `-}}` markers that trim the white space next to an action.
// Anything else (pipelines, functions, if/range, variables) is refused by line, never passed through:
// a document served half rendered would send service-checker to paths that do not exist.

/** What a template can print, as Go's fmt prints it: a string, an integer, a boolean, a list of strings. */
export type TemplateValue = string | number | boolean | readonly string[] | TemplateData;

/** A struct of named fields, as Go's template sees Kask's Config. */
export interface TemplateData {
  readonly [field: string]: TemplateValue;
}

/** A template that cannot be rendered; the message names the line and the action. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

interface Action {
  readonly body: string;
  readonly line: number;
  readonly trimBefore: boolean;
  readonly trimAfter: boolean;
}

// Go's trim markers are "{{- " and " -}}": the dash and one white space character ("{{-3}}" is the number -3).
const goWhiteSpace = /[ \t\r\n]/;
const trailingWhiteSpace = /[ \t\r\n]+$/;
const leadingWhiteSpace = /^[ \t\r\n]+/;
const fieldChain = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Splits a template into its texts and the actions between them (texts.length === actions.length + 1). */
function tokenize(text: string): { texts: string[]; actions: Action[] } {
  const texts: string[] = [];
  const actions: Action[] = [];
  let position = 0;
  for (let open = text.indexOf('{{'); open !== -1; open = text.indexOf('{{', position)) {
    const close = text.indexOf('}}', open + 2);
    const line = lineAt(text, open);
    if (close === -1) throw new TemplateError(`line ${line}: unclosed action`);
    let body = text.slice(open + 2, close);
    const trimBefore = body.startsWith('-') && goWhiteSpace.test(body.charAt(1));
    const trimAfter = body.endsWith('-') && goWhiteSpace.test(body.charAt(body.length - 2));
    if (trimBefore) body = body.slice(1);
    if (trimAfter) body = body.slice(0, -1);
    texts.push(text.slice(position, open));
    actions.push({ body: body.trim(), line, trimBefore, trimAfter });
    position = close + 2;
  }
  texts.push(text.slice(position));
  return { texts, actions };
}

function printed(value: TemplateValue, action: Action): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.join(' ')}]`;
  throw new TemplateError(`line ${action.line}: {{ ${action.body} }} is a section, not a value`);
}

function evaluate(action: Action, data: TemplateData): string {
  if (!fieldChain.test(action.body)) {
    throw new TemplateError(
      `line ${action.line}: {{ ${action.body} }} is not supported: only fields such as {{ .BaseURI }} and comments are rendered`,
    );
  }
  let value: TemplateValue = data;
  for (const field of action.body.slice(1).split('.')) {
    const fields: TemplateData | undefined =
      typeof value === 'object' && !Array.isArray(value) ? (value as TemplateData) : undefined;
    if (fields === undefined || !Object.hasOwn(fields, field)) {
      throw new TemplateError(`line ${action.line}: {{ ${action.body} }}: there is no field ${field}`);
    }
    value = fields[field] as TemplateValue;
  }
  return printed(value, action);
}

/** Renders `text` with `data` as Go's text/template would, or throws a TemplateError naming the line. */
export function renderGoTemplate(text: string, data: TemplateData): string {
  const { texts, actions } = tokenize(text);
  let output = '';
  for (const [index, raw] of texts.entries()) {
    let piece = raw;
    if (actions[index - 1]?.trimAfter) piece = piece.replace(leadingWhiteSpace, '');
    if (actions[index]?.trimBefore) piece = piece.replace(trailingWhiteSpace, '');
    output += piece;
    const action = actions[index];
    if (action !== undefined && !(action.body.startsWith('/*') && action.body.endsWith('*/'))) {
      output += evaluate(action, data);
    }
  }
  return output;
}
