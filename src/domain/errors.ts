/** A manifest could not be read, matched or edited. The message names the file, the YAML path, the value found and the fix. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}
