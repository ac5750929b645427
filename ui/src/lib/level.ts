// The fault-level helper's rule, from the four levels in domain.md.
export type HelperAnswers = {
  /** Stops a whole campus or the hospital. */
  campus: boolean | null;
  /** Stops the department's core work. */
  department: boolean | null;
  /** A workaround exists. */
  workaround: boolean | null;
  /** Only a question, cosmetic issue or request. */
  question: boolean | null;
};

export function suggestLevel(a: HelperAnswers): 1 | 2 | 3 | 4 | null {
  if (a.campus === true) return 1;
  if (a.campus !== false) return null;
  if (a.department === true) {
    if (a.workaround === false) return 2;
    if (a.workaround === true) return 3;
    return null;
  }
  if (a.department === false) {
    if (a.question === true) return 4;
    if (a.question === false) return 3;
  }
  return null;
}
