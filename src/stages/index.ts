// Presets for the common cases: functions that return plain, editable stage definitions.
export * from './stage-images';
export * from './debian-python-base';
export * from './pip-requirements-runtime';
export * from './sources-package-stage';
