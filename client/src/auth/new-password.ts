import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@weft/shared';

/** What is wrong with a new password and its repetition, in words; null when it will do. */
export function newPasswordProblem(password: string, repeated: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (password !== repeated) return 'The two passwords differ.';
  return null;
}

export const NEW_PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words are easy to remember and hard to guess.`;
