/**
 * Floor: formats (beside configio), below adapters: format editors that keep comments. See docs/floors.md.
 */
import type { Format, FormatEditor } from './slot.ts';
import { jsonEditor, jsoncEditor } from './json.ts';
import { tomlEditor } from './toml.ts';
import { dotenvEditor } from './dotenv.ts';

const EDITORS: Record<Format, FormatEditor> = {
  json: jsonEditor,
  jsonc: jsoncEditor,
  toml: tomlEditor,
  dotenv: dotenvEditor,
};

export function editorFor(format: Format): FormatEditor {
  return EDITORS[format];
}
