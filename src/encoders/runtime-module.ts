/**
 * Loads an optional model runtime (an npm package) on first use, so the engine starts without it
 * and a missing package becomes an error that names what to install.
 * @module
 */
import { BackendError } from '../core/errors.js';

/** Error codes Node uses when a package or one of its files cannot be resolved. */
const MISSING_CODES = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/** Whether `error` says the module `specifier` (not one of its own imports) could not be found. */
function isMissingModule(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !MISSING_CODES.has(code)) return false;
  const message = error instanceof Error ? error.message : '';
  return message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`) || message.includes(specifier);
}

/**
 * Dynamically imports `specifier`. When it is not installed, rejects with a {@link BackendError}
 * whose message is `<what> needs the npm package(s) …: run \`npm install …\`` plus `hint`; when it
 * is installed but fails to load (a native binding for another platform, …), says so with the cause.
 */
export async function importRuntimeModule<T>(specifier: string, what: string, packages: readonly string[], hint = ''): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const install = `npm install ${packages.join(' ')}`;
    const suffix = hint === '' ? '' : ` ${hint}`;
    if (isMissingModule(error, specifier)) {
      throw new BackendError(`${what} needs the npm package${packages.length > 1 ? 's' : ''} ${packages.join(', ')}, which ${packages.length > 1 ? 'are' : 'is'} not installed: run \`${install}\`.${suffix}`, {
        cause: error,
        details: { packages: [...packages] },
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new BackendError(`${what}: the npm package ${specifier} is installed but failed to load on ${process.platform}/${process.arch}: ${reason}. Reinstall it with \`${install}\`.${suffix}`, {
      cause: error,
      details: { packages: [...packages] },
    });
  }
}
