// The model: plain data and its validation.
export * from './model/build-mode';
export * from './model/checks';
export * from './model/image-stage';
export * from './model/model-error';
export * from './model/packager';
export * from './model/pipeline';
export * from './model/stage-step';
export * from './model/shell-syntax';
export * from './model/generated-marker';
export * from './model/python-dependencies';
export * from './model/python-checks';
export * from './model/smoke-check';
export * from './model/cache-mounts';
export * from './model/size-budget';
// Packagers.
export * from './packagers/pyinstaller';
export * from './packagers/pyinstaller-bundle';
export * from './packagers/pyinstaller-spec';
export * from './packagers/python-literal';
export * from './packagers/zipapp';
// Pure renderers: model -> text or objects.
export * from './dockerfile/dockerfile';
export * from './dockerfile/dockerfile-quote';
export * from './dockerfile/render-dockerfile';
export * from './dockerfile/stage-dockerfile';
export * from './dockerfile/dockerignore';
export * from './shell/shell-quote';
export * from './shell/driver-script';
export * from './shell/exit-codes';
export * from './shell/package-script';
export * from './shell/validation-script';
export * from './shell/env-example';
export * from './docs/build-doc';
export * from './docs/preflight-doc';
export * from './docs/workflow-doc';
export * from './preflight/preflight-program';
export * from './workflows/actions';
export * from './workflows/workflow-options';
export * from './workflows/release-workflow';
export * from './workflows/dispatch-workflow';
export * from './workflows/gate-job';
export * from './workflows/published-stages';
export * from './workflows/workflow-steps';
// projen components: place rendered text into files.
export * from './projen/generated-file';
export * from './projen/generated-paths';
export * from './projen/packaging-pipeline';
export * from './projen/pipeline-files';
export * from './projen/workflows';
export * from './projen/synth';
// Stage presets for the common cases (plain, editable stage definitions).
export * from './stages';
