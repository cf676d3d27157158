import { Dockerfile, Instruction } from './dockerfile';
import { execForm, needsJsonForm, quoteValue } from './dockerfile-quote';

const CONTINUATION = ' \\\n    ';

/** Dockerfile text for the model: one instruction per block, RUN commands joined with "&&". */
export function renderDockerfile(dockerfile: Dockerfile): string {
  const lines = dockerfile.header.map((h) => `# ${h}`.trimEnd());
  for (const instruction of dockerfile.instructions) {
    if (instruction.kind === 'from' || instruction.kind === 'comment') lines.push('');
    lines.push(renderInstruction(instruction));
  }
  return `${lines.join('\n')}\n`;
}

export function renderInstruction(i: Instruction): string {
  switch (i.kind) {
    case 'comment':
      return `# ${i.text}`;
    case 'arg':
      return i.default === undefined ? `ARG ${i.name}` : `ARG ${i.name}=${quoteValue(i.default)}`;
    case 'from':
      return i.as ? `FROM ${i.image} AS ${i.as}` : `FROM ${i.image}`;
    case 'env':
      return `ENV ${i.vars.map(([k, v]) => `${k}=${quoteValue(v)}`).join(CONTINUATION)}`;
    case 'label':
      return `LABEL ${i.labels.map(([k, v]) => `${k}=${quoteValue(v)}`).join(CONTINUATION)}`;
    case 'run': {
      const mounts = (i.cacheMounts ?? []).map((m) => {
        const options = [m.sharing && `sharing=${m.sharing}`, m.uid && `uid=${m.uid}`, m.gid && `gid=${m.gid}`].filter(Boolean).join(',');
        return `--mount=type=cache,target=${m.target}${options ? `,${options}` : ''} `;
      });
      // Each command on its own line; "&&" so that the first failing command fails the step.
      const commands = i.commands.map((c) => (typeof c === 'string' ? c : c.join(`${CONTINUATION}    `)));
      return `RUN ${mounts.join('')}${commands.join(`${CONTINUATION}&& `)}`;
    }
    case 'copy': {
      const flags = [i.from && `--from=${i.from}`, i.chown && `--chown=${i.chown}`].filter(Boolean).join(' ');
      const paths = [...i.sources, i.destination];
      const operands = needsJsonForm(paths) ? execForm(paths) : paths.join(' ');
      return `COPY ${flags ? `${flags} ` : ''}${operands}`;
    }
    case 'user':
      return `USER ${i.user}`;
    case 'workdir':
      return `WORKDIR ${i.path}`;
    case 'cmd':
      return `CMD ${execForm(i.argv)}`;
  }
}
