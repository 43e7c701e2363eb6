import { linearRegExpEngine } from '@weft/shared';
import { RE2JS } from 're2js';

/**
 * The engine every JSON Schema pattern the server meets runs on: MCP tool arguments are checked
 * with it, and a workflow definition is refused on save when a pattern of its schemas does not
 * compile on it. The runner builds the same one for `output.schema` (`linearRegExpEngine` over
 * re2js, the version both packages pin), so what the server accepts compiles there.
 */
export const schemaRegExp = linearRegExpEngine(RE2JS);
