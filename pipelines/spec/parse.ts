/**
 * Reads a pipeline spec file: JSON when its first character is '{' or '[', YAML otherwise, one
 * pipeline per file. Syntax errors, then schema problems, are thrown as one PipelineSpecError
 * listing every problem found; accepted-but-ignored Pachyderm fields come back as warnings.
 * A field set to null is absent, as in protobuf's JSON, which Pachyderm reads specs with.
 */
import { parseAllDocuments } from 'yaml';
import { fallbackMessage, PipelineSpecError, problemsFromIssues } from './issues.ts';
import { type PipelineSpec, pipelineSpecSchema } from './schema.ts';
import { ignoredFieldWarnings } from './unimplemented.ts';

export interface ParsedPipelineSpec {
  readonly spec: PipelineSpec;
  /** One per Pachyderm field that was accepted but has no effect, with its path and reason. */
  readonly warnings: readonly string[];
}

/** `source` names the spec in messages: usually its file name. */
export function parsePipelineSpec(text: string, source: string): ParsedPipelineSpec {
  const { document, warnings } = readDocument(text.replace(/^\uFEFF/, ''), source);
  const parsed = parsePipelineSpecDocument(document, source);
  return { spec: parsed.spec, warnings: [...warnings, ...parsed.warnings] };
}

/** The same, for a spec already read from JSON or YAML (a request body, a stored document). */
export function parsePipelineSpecDocument(document: unknown, source: string): ParsedPipelineSpec {
  const fields = withoutNullFields(document);
  const result = pipelineSpecSchema.safeParse(fields, { reportInput: true, error: fallbackMessage });
  if (!result.success) throw new PipelineSpecError(source, problemsFromIssues(result.error.issues));
  return { spec: result.data, warnings: ignoredFieldWarnings(fields, source) };
}

function readDocument(text: string, source: string): { document: unknown; warnings: string[] } {
  const syntaxError = (message: string) => new PipelineSpecError(source, [{ path: '', message }]);
  const start = text.trimStart();
  if (start === '')
    throw syntaxError('the file is empty: a pipeline spec names at least pipeline, input and transform');
  if (start.startsWith('{') || start.startsWith('[')) {
    try {
      return { document: JSON.parse(text), warnings: [] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const hint = message.includes('after JSON') ? '; give one pipeline per file' : '';
      throw syntaxError(`not valid JSON: ${message}${hint}`);
    }
  }
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw syntaxError('the file holds no YAML document');
  const [yamlDocument, ...others] = documents;
  if (yamlDocument === undefined || others.length > 0) {
    throw syntaxError(`the file holds ${documents.length} YAML documents; give one pipeline per file`);
  }
  if (yamlDocument.errors.length > 0) {
    throw new PipelineSpecError(
      source,
      yamlDocument.errors.map((error) => ({ path: '', message: `not valid YAML: ${error.message}` })),
    );
  }
  return {
    document: yamlDocument.toJS(),
    warnings: yamlDocument.warnings.map((warning) => `${source}: ${warning.message}`),
  };
}

/** Drops object fields whose value is null, at every depth; nulls inside lists stay (and fail). */
function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullFields);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== null)
      .map(([key, field]) => [key, withoutNullFields(field)]),
  );
}
