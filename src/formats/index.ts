/**
 * Floor: formats (beside configio), below adapters: format editors that keep comments. See docs/floors.md.
 */
import type { Format, FormatEditor } from './slot.ts';
import { json5Editor, jsonEditor, jsoncEditor } from './json.ts';
import { yamlEditor } from './yaml.ts';
import { tomlEditor } from './toml.ts';
import { dotenvEditor } from './dotenv.ts';

const EDITORS: Record<Format, FormatEditor> = {
  json: jsonEditor,
  jsonc: jsoncEditor,
  json5: json5Editor,
  toml: tomlEditor,
  dotenv: dotenvEditor,
  yaml: yamlEditor,
};

export function editorFor(format: Format): FormatEditor {
  return EDITORS[format];
}
