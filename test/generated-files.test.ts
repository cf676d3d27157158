import { readFileSync } from 'fs';
import { join } from 'path';
import { REPO_ROOT, synthPresets } from './support/project';

/** The files the two pipelines generate (the projen project files themselves are projen's). */
function pipelineFiles(files: Record<string, string>): string[] {
  return Object.keys(files).filter((path) => !path.startsWith('.projen/') && !['.gitattributes', '.gitignore'].includes(path)).sort();
}

const files = synthPresets();

describe('generated files', () => {
  test('the pipelines generate the files the specification names', () => {
    expect(pipelineFiles(files)).toEqual([
      '.dockerignore',
      '.env.example',
      '.github/workflows/docker-release.yml',
      '.github/workflows/linux-dispatch.yml',
      'docs/BUILD.md',
      'examples/desktop-app/.dockerignore',
      'examples/desktop-app/.env.example',
      'examples/desktop-app/.github/workflows/docker-release.yml',
      'examples/desktop-app/.github/workflows/linux-dispatch.yml',
      'examples/desktop-app/bin/docker.sh',
      'examples/desktop-app/docs/BUILD.md',
      'examples/desktop-app/package/linux/Dockerfile.base',
      'examples/desktop-app/package/linux/Dockerfile.base.buildkit',
      'examples/desktop-app/package/linux/Dockerfile.package',
      'examples/desktop-app/package/linux/Dockerfile.runtime',
      'examples/desktop-app/package/linux/Dockerfile.runtime.buildkit',
      'examples/desktop-app/package/linux/package.sh',
      'examples/desktop-app/package/linux/preflight.py',
      'examples/desktop-app/test_ci_mode.sh',
      'package/linux/Dockerfile.base',
      'package/linux/Dockerfile.base.buildkit',
      'package/linux/Dockerfile.package',
      'package/linux/Dockerfile.runtime',
      'package/linux/Dockerfile.runtime.buildkit',
      'package/linux/airunner.spec',
      'package/linux/package.sh',
      'package/linux/preflight.py',
      'src/airunner/bin/docker.sh',
      'test_ci_mode.sh',
    ]);
  });

  test('synthesis is deterministic: the same model gives the same bytes', () => {
    expect(synthPresets()).toEqual(files);
  });

  test('the committed files are the ones the model generates', () => {
    for (const path of pipelineFiles(files)) {
      expect({ path, text: readFileSync(join(REPO_ROOT, path), 'utf8') }).toEqual({ path, text: files[path] });
    }
  });

  test.each(pipelineFiles(files))('%s matches its snapshot', (path) => {
    expect(files[path]).toMatchSnapshot();
  });
});

describe('the generated documentation', () => {
  const doc = files['docs/BUILD.md'];

  test('gives every command of the specification verbatim', () => {
    for (const command of [
      './src/airunner/bin/docker.sh --ci build_base',
      './src/airunner/bin/docker.sh --ci build_runtime',
      './src/airunner/bin/docker.sh --ci build_package',
      './src/airunner/bin/docker.sh build_base',
      './src/airunner/bin/docker.sh build_runtime',
      './src/airunner/bin/docker.sh build_package',
      './test_ci_mode.sh',
    ]) {
      expect(doc.split('\n')).toContain(command);
    }
  });

  test('says that the image user is never root, and how that is enforced', () => {
    for (const path of ['docs/BUILD.md', 'examples/desktop-app/docs/BUILD.md']) {
      expect(files[path]).toMatch(/The image user is never root\. The user-creation step of the Dockerfile stops the build when `HOST_UID` or `HOST_GID` is not a whole\nnumber above 0, also in a `docker build --build-arg HOST_UID=0` run by hand/);
    }
  });

  test('names the images, logs and the ID precedence from the model', () => {
    expect(doc).toContain('This creates `ghcr.io/capsize-games/airunner/airunner:linux_ci`.');
    expect(doc).toContain('This creates `ghcr.io/capsize-games/airunner/airunner:linux_build_runtime_ci`.');
    expect(doc).toContain('`./build/build.log`');
    expect(doc).toContain('`./build/airunner.log`');
    expect(doc).toContain('`./ci_mode_test_results.log`');
    expect(doc).toMatch(/1\. the environment .*\n2\. the `\.env` file .*\n3\. the current user/);
  });
});
