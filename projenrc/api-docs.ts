/**
 * Options of the API reference (docs/api/), written to typedoc.json by .projenrc.ts and read by
 * the `docs:api` task. No source links (`disableSources`): line numbers would change the
 * reference on every unrelated edit, and the committed copy must be reproducible.
 */
export const API_DOCS_OPTIONS = {
  $schema: 'https://typedoc-plugin-markdown.org/schema.json',
  entryPoints: ['src/index.ts'],
  tsconfig: 'tsconfig.json',
  out: 'docs/api',
  plugin: ['typedoc-plugin-markdown'],
  router: 'module',
  // The intro (with the generated-file marker) opens the index page.
  readme: 'projenrc/api-docs-intro.md',
  mergeReadme: true,
  name: 'staged-build API reference',
  disableSources: true,
  excludePrivate: true,
  excludeProtected: true,
  excludeInternal: true,
  excludeExternals: true,
  cleanOutputDir: true,
  hideBreadcrumbs: true,
  hidePageHeader: true,
  useCodeBlocks: true,
  sort: ['kind', 'alphabetical'],
  logLevel: 'Warn',
};
