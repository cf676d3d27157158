import { PROJEN_MARKER } from 'projen/lib/common';

/** The line that marks every file this project writes as generated (projen's marker and its advice). */
export const GENERATED_MARKER: string = `${PROJEN_MARKER}. To modify, edit .projenrc.ts and run "npx projen".`;
