import { ConfigError, LoadError } from '../errors.js';
import { describeSource, joinSource, readText } from '../io.js';

/** A missing file reads as ENOENT (Node) or HTTP 404 (fetch); anything else is a real failure. */
const isMissing = (error: unknown) =>
  error instanceof LoadError && (/\(ENOENT\)/.test(error.message) || /HTTP 404/.test(error.message));

/**
 * A model folder's generation_config.json (Hugging Face field names), or undefined when the folder has
 * none, as `from_pretrained` treats it. A file that exists but is not a JSON object is a ConfigError.
 */
export async function readGenerationConfig(dir: string | URL): Promise<Readonly<Record<string, unknown>> | undefined> {
  const source = joinSource(dir, 'generation_config.json');
  let text: string;
  try {
    text = await readText(source);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${describeSource(source)} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError(`${describeSource(source)} must hold a JSON object`);
  return Object.freeze(json as Record<string, unknown>);
}
