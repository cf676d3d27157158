/**
 * The folder of the run records, relative to the pipeline root: the driver writes
 * `<run ID>.tsv` there (one line per image reference the run tagged: stage, reference, image ID),
 * and the validation script's "built by this run" check reads it.
 */
export const RUN_RECORD_DIR = 'build/runs';

/** The build metrics file, relative to the pipeline root: one JSON object per build command (JSON Lines). */
export const METRICS_FILE = 'build/metrics.json';

/**
 * The manifest lists `merge` pushed from this checkout, relative to the pipeline root: one
 * "<input tag><TAB><digest>" line each; `digest` reads it.
 */
export const MERGED_DIGESTS_FILE = 'build/merged-digests.tsv';
